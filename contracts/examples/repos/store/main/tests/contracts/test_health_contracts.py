import pytest
from market_data_core.telemetry import HealthComponent, HealthStatus
from pydantic import ValidationError

from datastore.health import build_health_status


def test_health_status_schema_roundtrip():
    status = build_health_status(db_ok=True, prometheus_ok=False)
    restored = HealthStatus.model_validate_json(status.model_dump_json())
    assert restored == status
    assert restored.service == "market-data-store"
    assert restored.state == "degraded"
    assert [c.name for c in restored.components] == ["database", "prometheus"]


@pytest.mark.parametrize("state", ["healthy", "degraded", "unhealthy"])
def test_health_component_state_enum(state):
    assert HealthComponent(name="database", state=state).state == state


def test_health_component_rejects_unknown_state():
    with pytest.raises(ValidationError):
        HealthComponent(name="database", state="on fire")


def test_health_component_details_optional():
    assert HealthComponent(name="database", state="healthy").details is None
    detailed = HealthComponent(name="database", state="degraded", details={"lag": "3s"})
    assert HealthComponent.model_validate(detailed.model_dump()) == detailed
