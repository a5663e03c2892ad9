from market_data_core.telemetry import HealthComponent, HealthStatus


def test_health_status_roundtrip():
    status = HealthStatus(service="s", state="healthy", version="1", components=[HealthComponent(name="db", state="healthy")])
    assert HealthStatus.model_validate_json(status.model_dump_json()) == status
