"""A store day's visitors, occupancy and imbalance, read from the hub database through the model.

    rollup_lines (UTC hours) ──▶ visitors per local hour and calendar day (entries over entrances)
    window_lines (raw)       ──▶ flows of the store day ──▶ occupancy curve, raw and corrected
                             ──▶ entries/exits per entrance, reset to reset ──▶ imbalance
    occupancy_days           ──▶ the same totals for store days whose raw windows were pruned

Every figure is summed again from stored windows when asked, never kept as a running total, so a
late window updates all of them and a re-sent one (it replaced its row) changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlite_utils

from edge.windows.clock import iso_z, parse_iso_z
from hub.occupancy.days import LocalHour, StoreDay, calendar_day, local_hours, store_day, store_day_at
from hub.occupancy.estimate import (
    Correction,
    DayBalance,
    EntranceBalance,
    OccupancyPoint,
    entrance_balances,
    entrance_flows,
    exit_scale,
    occupancy_curve,
)
from hub.occupancy.model import StoreModel
from hub.occupancy.models_db import frozen_days
from hub.store.rollups import hour_bucket
from hub.store.stores import get_setting

__all__ = ["HourVisitors", "DayOccupancy", "StoreDayFigures", "hourly_visitors", "day_totals", "history",
           "day_occupancy", "store_day_figures", "live_occupancy"]


@dataclass(frozen=True, slots=True)
class HourVisitors:
    hour: LocalHour
    entries: int   # people entering by the entrances in this hour
    exits: int


@dataclass(frozen=True, slots=True)
class DayOccupancy:
    """One store day's occupancy, as of `as_of` (its reset when the day is over).

    Args:
        balances: per entrance, reset to reset (so far, when not final).
        total: summed over the entrances; total.imbalance is the data-quality figure.
        is_final: the reset has passed: total.imbalance is the day's closing imbalance.
        correction: the exit scale the live estimate of this day used (from the days before it).
        curve: occupancy after each window (empty when the raw windows were pruned).
    """

    store_day: StoreDay
    as_of: datetime
    balances: tuple[EntranceBalance, ...]
    total: DayBalance
    is_final: bool
    correction: Correction
    curve: tuple[OccupancyPoint, ...]


@dataclass(frozen=True, slots=True)
class StoreDayFigures:
    """What the dashboard and the reports show for one store-local day."""

    model: StoreModel
    day: date
    hours: tuple[HourVisitors, ...]
    occupancy: DayOccupancy | None      # None for a store day that has not begun
    history: tuple[DayBalance, ...]     # the complete store days before it, oldest first

    @property
    def visitors(self) -> int:
        return sum(h.entries for h in self.hours)


def hourly_visitors(db: sqlite_utils.Database, model: StoreModel, day: date) -> list[HourVisitors]:
    """Entries and exits per local hour of a calendar day (23, 24 or 25 hours), from hour rollups."""
    hours = local_hours(day, model.zone)
    start, end = calendar_day(day, model.zone)
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for bucket, cam, line, i, o in db.execute(
            "SELECT bucket, camera_id, line_id, in_count, out_count FROM rollup_lines WHERE store_id = ? AND "
            "grain = 'hour' AND bucket >= ? AND bucket < ?", [model.store_id, hour_bucket(start), iso_z(end)]):
        entrance = model.entrance_of(cam, line)
        if entrance is not None:
            entries, exits = entrance.split(i, o)
            acc[bucket][0] += entries
            acc[bucket][1] += exits
    return [HourVisitors(h, *acc.get(hour_bucket(h.start), (0, 0))) for h in hours]


def _line_totals(db: sqlite_utils.Database, store_id: str, start: datetime, end: datetime) -> dict:
    return {(cam, line): (i, o) for cam, line, i, o in db.execute(
        "SELECT camera_id, line_id, SUM(in_count), SUM(out_count) FROM window_lines WHERE store_id = ? AND start >= ? "
        "AND start < ? GROUP BY camera_id, line_id", [store_id, iso_z(start), iso_z(end)])}


def day_totals(db: sqlite_utils.Database, model: StoreModel, days: list[date], now: datetime) -> dict[date, dict]:
    """day → {(camera_id, line_id): (in, out)} over each store day (reset to reset, up to now):
    from the raw windows while the hub has them all, else from what prune kept."""
    pruned_before = get_setting(db, "raw_pruned_before")
    out, old = {}, []
    for day in days:
        sd = store_day(model, day)
        if pruned_before is not None and iso_z(sd.start) < pruned_before:
            old.append(day)
        else:
            out[day] = _line_totals(db, model.store_id, sd.start, min(sd.reset, now))
    out.update(frozen_days(db, model.store_id, old))
    return out


def history(db: sqlite_utils.Database, model: StoreModel, day: date, now: datetime) -> list[DayBalance]:
    """The store days before `day` that are complete by `now` (at most history_days), oldest first."""
    days = [day - timedelta(days=n) for n in range(model.drift.history_days, 0, -1)]
    days = [d for d in days if store_day(model, d).reset <= now]
    totals = day_totals(db, model, days, now)
    out = []
    for d in days:
        if totals.get(d):  # a day without any window of the store says nothing
            balances = entrance_balances(totals[d], model.entrances)
            out.append(DayBalance(d, sum(b.entries for b in balances), sum(b.exits for b in balances)))
    return out


def day_occupancy(db: sqlite_utils.Database, model: StoreModel, sd: StoreDay, now: datetime,
                  earlier: list[DayBalance]) -> DayOccupancy | None:
    """The occupancy of one store day as of min(now, its reset); None before it begins."""
    if now < sd.start:
        return None
    as_of = min(now, sd.reset)
    totals = day_totals(db, model, [sd.day], now)[sd.day]
    balances = tuple(entrance_balances(totals, model.entrances))
    correction = exit_scale(earlier, model.drift)
    rows = db.execute(
        "SELECT l.start, w.end, l.camera_id, l.line_id, l.in_count, l.out_count FROM window_lines l JOIN windows w "
        "ON w.message_id = l.message_id WHERE l.store_id = ? AND l.start >= ? AND l.start < ?",
        [model.store_id, iso_z(sd.start), iso_z(as_of)]).fetchall()
    flows = entrance_flows(((parse_iso_z(s), parse_iso_z(e), c, ln, i, o) for s, e, c, ln, i, o in rows),
                           model.entrances)
    total = DayBalance(sd.day, sum(b.entries for b in balances), sum(b.exits for b in balances))
    return DayOccupancy(sd, as_of, balances, total, now >= sd.reset, correction,
                        tuple(occupancy_curve(flows, correction)))


def store_day_figures(db: sqlite_utils.Database, model: StoreModel, day: date, now: datetime) -> StoreDayFigures:
    """Visitors per hour of the calendar day, and the store day's occupancy and imbalance."""
    sd = store_day(model, day)
    earlier = history(db, model, day, now)
    return StoreDayFigures(model, day, tuple(hourly_visitors(db, model, day)),
                           day_occupancy(db, model, sd, now, earlier), tuple(earlier))


def live_occupancy(db: sqlite_utils.Database, model: StoreModel, now: datetime) -> DayOccupancy:
    """The occupancy now: counted since the last reset (after closing + grace, a new store day)."""
    sd = store_day_at(model, now)
    occupancy = day_occupancy(db, model, sd, now, history(db, model, sd.day, now))
    assert occupancy is not None  # now >= sd.start by construction
    return occupancy
