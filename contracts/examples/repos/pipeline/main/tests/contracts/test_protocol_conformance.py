import inspect

import pytest
from market_data_core.protocols import FeedbackPublisher, RateController
from market_data_core.telemetry import BackpressureLevel

from market_data_pipeline.feedback import FeedbackBus
from market_data_pipeline.rates import RateCoordinator, RateCoordinatorAdapter


def test_rate_coordinator_adapter_is_rate_controller():
    assert isinstance(RateCoordinatorAdapter(RateCoordinator()), RateController)


def test_feedback_bus_is_feedback_publisher():
    assert isinstance(FeedbackBus(), FeedbackPublisher)


@pytest.mark.parametrize(
    "impl, protocol, method",
    [
        (RateCoordinatorAdapter, RateController, "apply"),
        (FeedbackBus, FeedbackPublisher, "publish"),
    ],
)
def test_method_signatures_match_protocol(impl, protocol, method):
    ours, theirs = getattr(impl, method), getattr(protocol, method)
    assert inspect.iscoroutinefunction(ours)
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters)


def test_backpressure_enum_values_are_stable():
    assert [level.value for level in BackpressureLevel] == ["ok", "soft", "hard"]
    assert BackpressureLevel("soft") is BackpressureLevel.soft
