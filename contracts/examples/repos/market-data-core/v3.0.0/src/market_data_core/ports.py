"""Ports: the protocols downstream services implement (market_data_core.protocols until 2.x)."""

from typing import Protocol, runtime_checkable

from market_data_core.telemetry import FeedbackEvent, RateAdjustment


@runtime_checkable
class RateController(Protocol):
    """Applies rate adjustments to a provider's request budget."""

    async def apply(self, adjustment: RateAdjustment) -> None:
        ...


@runtime_checkable
class FeedbackPublisher(Protocol):
    """Publishes backpressure feedback to whoever listens."""

    async def publish(self, event: FeedbackEvent) -> None:
        ...
