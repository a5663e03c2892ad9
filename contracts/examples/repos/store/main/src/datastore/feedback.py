"""The store's feedback event: Core's event plus debugging context."""

import time

from market_data_core.telemetry import BackpressureLevel
from market_data_core.telemetry import FeedbackEvent as CoreFeedbackEvent
from pydantic import Field

SOURCE = "store"


class FeedbackEvent(CoreFeedbackEvent):
    """Store-extended feedback event; adds fields, never changes Core's."""

    reason: str | None = Field(default=None, description="Optional backpressure context")

    @property
    def utilization(self) -> float:
        return self.queue_size / self.capacity if self.capacity > 0 else 0.0

    @classmethod
    def create(
        cls,
        coordinator_id: str,
        queue_size: int,
        capacity: int,
        level: BackpressureLevel,
        reason: str | None = None,
    ) -> "FeedbackEvent":
        """An event from the store, stamped with the current time."""
        return cls(
            coordinator_id=coordinator_id,
            queue_size=queue_size,
            capacity=capacity,
            level=level,
            source=SOURCE,
            ts=time.time(),
            reason=reason,
        )
