"""Event objects. They carry no track id and no coordinates: only what happened, where, when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Direction", "CrossingEvent", "ZoneVisit"]

Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class CrossingEvent:
    """A person crossed counting line `line_id` in `direction` at time `ts` (seconds)."""

    line_id: str
    direction: Direction
    ts: float


@dataclass(frozen=True, slots=True)
class ZoneVisit:
    """A completed visit to zone `zone_id`: entered at `start_ts`, left at `end_ts` (seconds)."""

    zone_id: str
    start_ts: float
    end_ts: float

    @property
    def dwell_s(self) -> float:
        return self.end_ts - self.start_ts
