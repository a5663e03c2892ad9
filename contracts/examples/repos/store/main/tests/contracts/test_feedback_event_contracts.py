from market_data_core.telemetry import BackpressureLevel
from market_data_core.telemetry import FeedbackEvent as CoreFeedbackEvent

from datastore.feedback import FeedbackEvent


def store_event():
    return FeedbackEvent.create(
        coordinator_id="test", queue_size=80, capacity=100,
        level=BackpressureLevel.soft, reason="disk flush",
    )


def test_feedback_event_extends_core():
    event = store_event()
    assert issubclass(FeedbackEvent, CoreFeedbackEvent)
    assert isinstance(event, CoreFeedbackEvent)
    assert event.source == "store"
    assert event.utilization == 0.8


def test_feedback_event_schema_roundtrip():
    event = store_event()
    restored = FeedbackEvent.model_validate_json(event.model_dump_json())
    assert restored == event
    assert restored.reason == "disk flush"


def test_feedback_event_core_subset_parseable():
    """Core-only consumers can parse store events (they ignore the extra field)."""
    event = store_event()
    core_event = CoreFeedbackEvent.model_validate_json(event.model_dump_json())
    assert core_event.coordinator_id == "test"
    assert core_event.level is BackpressureLevel.soft
    assert not hasattr(core_event, "reason")


def test_backpressure_level_values():
    assert {level.value for level in BackpressureLevel} == {"ok", "soft", "hard"}
