"""An in-process feedback bus implementing Core's FeedbackPublisher."""

import asyncio
from collections.abc import Awaitable, Callable

from market_data_core.telemetry import FeedbackEvent

Subscriber = Callable[[FeedbackEvent], Awaitable[None]]


class FeedbackBus:
    """Delivers each published event to every subscriber, in order."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = asyncio.Lock()
        self.published: list[FeedbackEvent] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, event: FeedbackEvent) -> None:
        async with self._lock:
            self.published.append(event)
            for subscriber in self._subscribers:
                await subscriber(event)
