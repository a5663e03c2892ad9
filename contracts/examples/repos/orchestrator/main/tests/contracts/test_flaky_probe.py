"""A deliberately flaky contract test, for exercising reruns.

Skipped unless CONTRACTS_FLAKY_COUNTER names a file. Then the first call
creates the file and fails; every later call finds it and passes.
"""

import os

import pytest
from market_data_core.telemetry import HealthComponent

from market_data_orchestrator.health import aggregate_state

COUNTER = os.environ.get("CONTRACTS_FLAKY_COUNTER", "")


@pytest.mark.skipif(not COUNTER, reason="CONTRACTS_FLAKY_COUNTER is not set")
def test_health_probe_settles():
    try:
        os.close(os.open(COUNTER, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        first_call = False
    else:
        first_call = True
    state = "degraded" if first_call else "healthy"
    assert aggregate_state([HealthComponent(name="probe", state=state)]) == "healthy", (
        "the probe had not settled yet (deliberately flaky: passes when rerun)"
    )
