"""Shared contracts of the market-data services."""

__version__ = "1.2.0"
