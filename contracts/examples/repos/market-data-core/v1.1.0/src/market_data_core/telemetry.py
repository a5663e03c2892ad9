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


class FeedbackEvent(BaseModel):
    """A coordinator's report of its queue pressure.

    Consumers ignore fields they do not know, so services may send
    extended events (subclasses with extra fields).
    """

    model_config = ConfigDict(extra="ignore")

    coordinator_id: str
    queue_size: int = Field(ge=0)
    capacity: int = Field(gt=0)
    level: BackpressureLevel
    source: str = "unknown"
    ts: float = Field(default_factory=time.time)


class RateAdjustment(BaseModel):
    """A request to scale a provider's request rate."""

    provider: str
    scale_factor: float = Field(ge=0.0, le=1.0)
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
