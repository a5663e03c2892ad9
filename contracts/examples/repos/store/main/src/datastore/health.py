"""The store's health endpoint payload, a Core HealthStatus."""

import time

from market_data_core.telemetry import HealthComponent, HealthStatus

from datastore import __version__

SERVICE = "market-data-store"


def build_health_status(db_ok: bool, prometheus_ok: bool = True) -> HealthStatus:
    """The store's health: unhealthy without its database, degraded without metrics."""
    components = [
        HealthComponent(name="database", state="healthy" if db_ok else "unhealthy"),
        HealthComponent(name="prometheus", state="healthy" if prometheus_ok else "degraded"),
    ]
    if not db_ok:
        state = "unhealthy"
    elif not prometheus_ok:
        state = "degraded"
    else:
        state = "healthy"
    return HealthStatus(
        service=SERVICE, state=state, components=components, version=__version__, ts=time.time()
    )
