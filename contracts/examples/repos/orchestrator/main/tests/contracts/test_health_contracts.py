import typing

import pytest
from market_data_core.telemetry import HealthComponent, HealthStatus

from market_data_orchestrator.health import SEVERITY, aggregate, aggregate_state


def components(*states):
    return [HealthComponent(name=f"c{i}", state=s) for i, s in enumerate(states)]


def test_health_status_roundtrip():
    status = aggregate(components("healthy", "degraded"))
    status.components[0].details = {"uptime": "3d"}
    restored = HealthStatus.model_validate_json(status.model_dump_json())
    assert restored == status
    assert restored.components[0].details == {"uptime": "3d"}


@pytest.mark.parametrize(
    "states, expected",
    [
        ((), "healthy"),
        (("healthy", "healthy"), "healthy"),
        (("healthy", "degraded"), "degraded"),
        (("degraded", "unhealthy", "healthy"), "unhealthy"),
    ],
)
def test_state_aggregation(states, expected):
    assert aggregate_state(components(*states)) == expected
    assert aggregate(components(*states)).state == expected


def test_health_states_are_stable():
    annotation = HealthComponent.model_fields["state"].annotation
    assert set(typing.get_args(annotation)) == set(SEVERITY)
