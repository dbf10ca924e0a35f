"""Pure: store-local days, hours and occupancy periods, across daylight-saving changes.

Two kinds of day, both in the store's IANA zone (zoneinfo):

    calendar day D   [local 00:00 of D, local 00:00 of D+1)   visitors per day and per hour
                     (23 hours on the spring change, 25 on the autumn one)
    store day D      [reset of D−1, reset of D)               live occupancy and the imbalance
                     reset = closing time + grace (an instant: grace is elapsed minutes)

    ... D−1 closes ─grace─▶ reset(D−1) ── night ── D opens ········ D closes ─grace─▶ reset(D) ...
                               └──────────────── store day D ────────────────────────┘

Store days follow one another without gaps, so every crossing belongs to exactly one store day:
people seen at night (cleaners, deliveries) count in the next day and net out by its reset. A
day the store is closed resets at its local midnight. Local times that do not exist (02:30 on a
spring-forward night) are read as zoneinfo does (fold=0: the UTC offset from before the change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.occupancy.model import StoreModel

__all__ = ["StoreDay", "LocalHour", "local_instant", "calendar_day", "local_hours", "store_day", "store_day_at"]


@dataclass(frozen=True, slots=True)
class StoreDay:
    """One store day; every instant is aware UTC.

    Args:
        day: the store-local date.
        start: the previous store day's reset: counting since then.
        reset: when the occupancy is set back to 0 (closing + grace, or local midnight if closed).
        opens, closes: opening hours as instants; None on a closed day.
    """

    day: date
    start: datetime
    reset: datetime
    opens: datetime | None
    closes: datetime | None

    @property
    def is_open_day(self) -> bool:
        return self.opens is not None


@dataclass(frozen=True, slots=True)
class LocalHour:
    """One hour bucket of a calendar day: its UTC start and a label in local time ("02:00", or
    "02:00 CET" for the second 02:00 of an autumn night)."""

    start: datetime
    label: str


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A store-local wall-clock time on a date → aware UTC."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def calendar_day(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a store-local calendar day."""
    return local_instant(day, time(0), tz), local_instant(day + timedelta(days=1), time(0), tz)


def local_hours(day: date, tz: ZoneInfo) -> list[LocalHour]:
    """The hours of a calendar day: 23, 24 or 25 of them. Zones with :30/:45 offsets give hours
    starting at :30/:45 UTC, which hourly rollups (UTC hours) do not hold exactly."""
    start, end = calendar_day(day, tz)
    hours, moment, seen = [], start, set()
    while moment < end:
        local = moment.astimezone(tz)
        label = local.strftime("%H:00") if local.minute == 0 else local.strftime("%H:%M")
        if label in seen:
            label = f"{label} {local.tzname()}"
        seen.add(label)
        hours.append(LocalHour(moment, label))
        moment += timedelta(hours=1)
    return hours


def _opening(model: StoreModel, day: date) -> tuple[datetime, datetime] | None:
    hours = model.hours_on(day)
    if hours is None:
        return None
    tz = model.zone
    opens = local_instant(day, hours.opens, tz)
    closes = local_instant(day + timedelta(days=1) if hours.is_overnight else day, hours.closes, tz)
    return opens, closes


def _reset(model: StoreModel, day: date) -> datetime:
    opening = _opening(model, day)
    if opening is None:
        return calendar_day(day, model.zone)[1]
    return opening[1] + timedelta(minutes=model.reset_grace_min)


def store_day(model: StoreModel, day: date) -> StoreDay:
    """The store day of a local date: its opening, closing, reset, and the reset it counts from."""
    opening = _opening(model, day)
    reset = _reset(model, day)
    start = min(_reset(model, day - timedelta(days=1)), reset)  # overlapping hours: an empty day, not a negative one
    return StoreDay(day, start, reset, *(opening or (None, None)))


def store_day_at(model: StoreModel, moment: datetime) -> StoreDay:
    """The store day whose [start, reset) holds an instant (the one live occupancy counts in)."""
    local = moment.astimezone(model.zone).date()
    for day in (local - timedelta(days=1), local, local + timedelta(days=1), local + timedelta(days=2)):
        sd = store_day(model, day)
        if sd.start <= moment < sd.reset:
            return sd
    raise ValueError(f"no store day holds {moment.isoformat()}")  # unreachable: the days tile time
