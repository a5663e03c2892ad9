"""Core 3's structured health records, written to the platform's log bus.

`market_data_logbus` is the ecosystem's internal log-bus client: it is
published only to the company's private index, never to PyPI or any
distribution, and only the `logs` extra names it.
"""

from market_data_logbus import LogBus
from market_data_core.telemetry import HealthStatus


class CoreLogSink:
    """Writes a service's health changes as structured log records."""

    def __init__(self, service: str) -> None:
        self.bus = LogBus(service=service)

    def health_changed(self, status: HealthStatus) -> None:
        self.bus.emit("health", state=status.state, components=len(status.components))
