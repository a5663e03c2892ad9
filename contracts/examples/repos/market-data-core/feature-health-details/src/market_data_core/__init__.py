"""Shared contracts of the market-data services."""

__version__ = "1.3.0.dev0"
