"""Market data pipeline (example): feedback and rate coordination."""

__version__ = "0.9.0"
