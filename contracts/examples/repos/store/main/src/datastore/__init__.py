"""Market data store (example): Core DTO extensions and health."""

__version__ = "0.4.0"
