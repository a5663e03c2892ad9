import asyncio

import pytest
from market_data_core.telemetry import BackpressureLevel, FeedbackEvent, RateAdjustment

from market_data_pipeline.feedback import FeedbackBus
from market_data_pipeline.rates import RateCoordinator, RateCoordinatorAdapter, to_rate_adjustment


def event(level, queue_size=10):
    return FeedbackEvent(
        coordinator_id="bars-1",
        queue_size=queue_size,
        capacity=100,
        level=level,
        source="pipeline",
        ts=1_700_000_000.0,
    )


@pytest.mark.parametrize(
    "level, scale",
    [(BackpressureLevel.ok, 1.0), (BackpressureLevel.soft, 0.5), (BackpressureLevel.hard, 0.0)],
)
def test_backpressure_maps_to_scale_factor(level, scale):
    adjustment = to_rate_adjustment(event(level))
    assert isinstance(adjustment, RateAdjustment)
    assert adjustment.scale_factor == scale
    assert adjustment.reason is level


def test_feedback_event_json_round_trip():
    original = event(BackpressureLevel.soft, queue_size=80)
    restored = FeedbackEvent.model_validate_json(original.model_dump_json())
    assert restored == original
    assert restored.level is BackpressureLevel.soft


def test_published_feedback_reaches_the_rate_coordinator():
    coordinator = RateCoordinator()
    adapter = RateCoordinatorAdapter(coordinator)
    bus = FeedbackBus()

    async def on_feedback(e):
        await adapter.apply(to_rate_adjustment(e, provider="ibkr"))

    async def scenario():
        bus.subscribe(on_feedback)
        await asyncio.gather(*(bus.publish(event(BackpressureLevel.ok, i)) for i in range(9)))
        await bus.publish(event(BackpressureLevel.hard, 99))

    asyncio.run(scenario())
    assert len(bus.published) == 10
    assert coordinator.scales == {"ibkr": 0.0}
