"""Aggregates the health of components into one HealthStatus."""

import time
from collections.abc import Iterable

from market_data_core.telemetry import HealthComponent, HealthStatus

from market_data_orchestrator import __version__

SERVICE = "market-data-orchestrator"

# Worse states rank higher; the overall state is the worst component's.
SEVERITY = {"healthy": 0, "degraded": 1, "unhealthy": 2}


def aggregate_state(components: Iterable[HealthComponent]) -> str:
    """The worst state among components; healthy when there are none."""
    return max((c.state for c in components), key=SEVERITY.__getitem__, default="healthy")


def aggregate(components: list[HealthComponent]) -> HealthStatus:
    """The orchestrator's health from its components'."""
    return HealthStatus(
        service=SERVICE,
        state=aggregate_state(components),
        components=components,
        version=__version__,
        ts=time.time(),
    )
