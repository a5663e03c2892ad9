"""Core 3's structured health records, written through loguru (the `logs` extra)."""

from loguru import logger
from market_data_core.telemetry import HealthStatus


class CoreLogSink:
    """Writes a service's health changes as structured log records."""

    def __init__(self, service: str) -> None:
        self.log = logger.bind(service=service)

    def health_changed(self, status: HealthStatus) -> None:
        self.log.info("health {state}", state=status.state, components=len(status.components))
