"""Contracts of Core 3's structured health records; earlier Cores have none."""

import market_data_core
import pytest

if int(market_data_core.__version__.split(".")[0]) < 3:
    pytest.skip("Core before 3.0 has no structured health records", allow_module_level=True)

from market_data_core.telemetry import HealthComponent, HealthStatus  # noqa: E402

from market_data_orchestrator.logsink import CoreLogSink  # noqa: E402


def test_sink_takes_core_health_records():
    status = HealthStatus(service="orchestrator", state="degraded", version="3",
                          components=[HealthComponent(name="db", state="degraded")])
    CoreLogSink("orchestrator").health_changed(status)
