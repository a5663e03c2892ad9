"""Telemetry DTOs exchanged between the market-data services."""

import time
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class BackpressureLevel(str, Enum):
    """How hard a queue pushes back on its producers."""

    ok = "ok"
    soft = "soft"
    hard = "hard"

    @classmethod
    def from_utilization(cls, ratio: float) -> "BackpressureLevel":
        """The level for a queue that is `ratio` full (0.0 to 1.0)."""
        if ratio < 0.7:
            return cls.ok
        if ratio < 0.9:
            return cls.soft
        return cls.hard


# The services that publish feedback. A misspelt source ("pipline") used to
# slip through and split the backpressure dashboards in two.
FeedbackSource = Literal["pipeline", "orchestrator", "ingest", "unknown"]


class FeedbackEvent(BaseModel):
    """A coordinator's report of its queue pressure.

    Strict since 2.0: unknown fields are rejected.
    """

    model_config = ConfigDict(extra="forbid")

    coordinator_id: str
    queue_size: int = Field(ge=0)
    capacity: int = Field(gt=0)
    level: BackpressureLevel
    source: FeedbackSource = "unknown"
    ts: float = Field(default_factory=time.time)
    trace_id: str | None = None


class RateAdjustment(BaseModel):
    """A request to scale a provider's request rate."""

    provider: str
    scale: float = Field(ge=0.0, le=1.0)
    reason: BackpressureLevel
    ts: float = Field(default_factory=time.time)


HealthState = Literal["healthy", "degraded", "unhealthy"]


class HealthComponent(BaseModel):
    """The health of one part of a service."""

    name: str
    state: HealthState
    details: dict[str, str] | None = None


class HealthStatus(BaseModel):
    """A service's health, as served by its health endpoint."""

    service: str
    state: HealthState
    components: list[HealthComponent] = Field(default_factory=list)
    version: str
    ts: float = Field(default_factory=time.time)
