"""Shared contracts of the market-data services."""

__version__ = "3.0.0"
