"""Rate coordination: turns backpressure feedback into rate adjustments."""

from market_data_core.telemetry import BackpressureLevel, FeedbackEvent, RateAdjustment

SCALE_FACTORS = {
    BackpressureLevel.ok: 1.0,
    BackpressureLevel.soft: 0.5,
    BackpressureLevel.hard: 0.0,
}


def to_rate_adjustment(event: FeedbackEvent, provider: str = "ibkr") -> RateAdjustment:
    """The adjustment a provider gets for a feedback event."""
    return RateAdjustment(
        provider=provider,
        scale_factor=SCALE_FACTORS[event.level],
        reason=event.level,
        ts=event.ts,
    )


class RateCoordinator:
    """Keeps the request-budget scale of each provider."""

    def __init__(self) -> None:
        self.scales: dict[str, float] = {}

    def set_budget_scale(self, provider: str, scale: float) -> None:
        self.scales[provider] = scale


class RateCoordinatorAdapter:
    """Exposes a RateCoordinator as Core's RateController."""

    def __init__(self, coordinator: RateCoordinator) -> None:
        self.coordinator = coordinator

    async def apply(self, adjustment: RateAdjustment) -> None:
        self.coordinator.set_budget_scale(adjustment.provider, adjustment.scale_factor)
