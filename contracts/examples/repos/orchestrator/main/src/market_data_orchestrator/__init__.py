"""Market data orchestrator (example): health aggregation."""

__version__ = "0.3.0"
