"""Pure window arithmetic. Windows are aligned to the clock: a 60 s window starts at :00."""

from __future__ import annotations

import math
from datetime import UTC, datetime

__all__ = ["window_start", "to_utc", "iso_z", "parse_iso_z"]


def window_start(ts: float, window_s: int) -> float:
    """Start (Unix seconds) of the aligned window containing ts."""
    return math.floor(ts / window_s) * window_s


def to_utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def iso_z(moment: datetime) -> str:
    """ISO 8601 UTC with a Z suffix, second precision (milliseconds when not whole)."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_z(text: str) -> datetime:
    """Parse an ISO 8601 time; a naive time is taken as UTC. Raises ValueError."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
