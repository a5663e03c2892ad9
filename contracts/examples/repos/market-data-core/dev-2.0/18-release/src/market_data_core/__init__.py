"""Shared contracts of the market-data services."""

__version__ = "2.0.0"
