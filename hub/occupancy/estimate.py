"""Pure: entries and exits of a store, its daily imbalance, and raw and corrected live occupancy.

    line counts per window ──entrance_flows──▶ Flow(start, entries, exits) of the store
    earlier store days ──DayBalance──▶ exit_scale ──▶ Correction(exit_scale)
    today's flows + Correction ──occupancy_curve──▶ OccupancyPoint(raw, corrected) per window

**Why drift.** A store is empty at its reset, so over a whole store day true entries equal true
exits. A counter that misses 3 % of exits keeps 3 % of the day's visitors "inside": raw
`entries − exits` grows by tens of phantom shoppers by the evening, and goes negative when it
misses entries instead. The error grows with the traffic so far, not with the occupancy.

**The correction.** Counting errors of a fixed installation are mostly systematic (a door where
people leave two abreast, a line that clips the exit path), so yesterday's imbalance predicts
today's. With entries `E = (1+a)·E_true` and exits `X = (1+b)·X_true`, the ratio of a whole
day's counts is `E/X = (1+a)/(1+b)` (true entries = true exits), and scaling today's exits by
it gives `E − s·X = (1+a)·(E_true − X_true)`: the occupancy off by the fraction `a` of itself
instead of by `b − a` of the whole day's traffic. `s` is the median of the daily ratios over
the last `history_days` complete days with at least `min_exits` exits (a day with a broken
camera is one outlier among them, not the mean), bounded to `[1/(1+m), 1+m]`. With fewer than
`min_days` such days nothing is corrected (s = 1), and the answer says so.

**Limits.** It corrects the bias that repeats, not today's random misses (their error grows
like the square root of the traffic), nor a bias that changed today (a camera moved, a door
opened that no entrance covers): that shows as today's imbalance at the reset, the
data-quality figure kept beside the counts. Entries are the uncorrected count: visitors are
the counted entries, the correction only moves exits. Displayed occupancy is never below 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from hub.occupancy.model import DriftSettings, Entrance

__all__ = ["Flow", "EntranceBalance", "DayBalance", "Correction", "OccupancyPoint", "entrance_flows",
           "entrance_balances", "exit_scale", "occupancy_curve", "UNCORRECTED"]


@dataclass(frozen=True, slots=True)
class Flow:
    """People entering and leaving the store (over every entrance) in one window starting `start`."""

    start: datetime
    end: datetime
    entries: int
    exits: int


@dataclass(frozen=True, slots=True)
class EntranceBalance:
    """One entrance over one store day: entries, exits and their difference, people. At a single
    door the difference also holds people who came in by another door and left by this one."""

    entrance: Entrance
    entries: int
    exits: int

    @property
    def imbalance(self) -> int:
        return self.entries - self.exits


@dataclass(frozen=True, slots=True)
class DayBalance:
    """A whole store day (reset to reset): entries and exits summed over the entrances."""

    day: date
    entries: int
    exits: int

    @property
    def imbalance(self) -> int:
        """entries − exits at the reset: 0 for a perfect counter (the store is empty then)."""
        return self.entries - self.exits

    @property
    def imbalance_pct(self) -> float | None:
        """The imbalance as % of the day's entries (None without entries)."""
        return 100.0 * self.imbalance / self.entries if self.entries else None


@dataclass(frozen=True, slots=True)
class Correction:
    """What the corrected occupancy does: exits × exit_scale.

    Args:
        exit_scale: 1.0 when nothing is corrected.
        days: the store days the scale was estimated from.
        reason: one line for people, e.g. "exits × 1.034: median of 14 days".
    """

    exit_scale: float
    days: tuple[date, ...]
    reason: str

    @property
    def is_applied(self) -> bool:
        return bool(self.days)


_DEFAULT_DRIFT = DriftSettings()
UNCORRECTED = Correction(1.0, (), "no earlier days: raw in − out")


@dataclass(frozen=True, slots=True)
class OccupancyPoint:
    """The store's occupancy at `at` (the end of a window), counted since the store day's start.

    raw: entries − exits (may be below 0). corrected: entries − exit_scale · exits (may be too).
    shown_raw / shown_corrected: what is displayed: whole people, never below 0.
    """

    at: datetime
    entries: int
    exits: int
    raw: int
    corrected: float

    @property
    def shown_raw(self) -> int:
        return max(0, self.raw)

    @property
    def shown_corrected(self) -> int:
        return max(0, round(self.corrected))


def entrance_flows(lines: Iterable[tuple[datetime, datetime, str, str, int, int]],
                   entrances: Sequence[Entrance]) -> list[Flow]:
    """Per-window line counts → the store's flows, by window start.

    Args:
        lines: (start, end, camera_id, line_id, in, out) of each window line; lines that are not
            entrances are ignored (an aisle line never counts as a visit).
        entrances: the store model's entrances (cameras may be several, windows of one start add).
    """
    by_key = {(e.camera_id, e.line_id): e for e in entrances}
    acc: dict[datetime, list] = defaultdict(lambda: [None, 0, 0])
    for start, end, camera_id, line_id, i, o in lines:
        entrance = by_key.get((camera_id, line_id))
        if entrance is None:
            continue
        entries, exits = entrance.split(i, o)
        slot = acc[start]
        slot[0] = end if slot[0] is None else max(slot[0], end)
        slot[1] += entries
        slot[2] += exits
    return [Flow(start, end, entries, exits) for start, (end, entries, exits) in sorted(acc.items())]


def entrance_balances(totals: Mapping[tuple[str, str], tuple[int, int]],
                      entrances: Sequence[Entrance]) -> list[EntranceBalance]:
    """(camera_id, line_id) → (in, out) over a store day → each entrance's balance (0s if unseen)."""
    out = []
    for e in entrances:
        i, o = totals.get((e.camera_id, e.line_id), (0, 0))
        out.append(EntranceBalance(e, *e.split(i, o)))
    return out


def exit_scale(history: Sequence[DayBalance], settings: DriftSettings = _DEFAULT_DRIFT) -> Correction:
    """The exit scale from earlier complete store days (oldest first; the last history_days count).

    Steps: 1. keep the last `history_days` days; 2. drop days with fewer than `min_exits` exits or
    no entries; 3. fewer than `min_days` left: no correction; 4. the median of entries/exits,
    bounded to [1/(1+max_correction), 1+max_correction].
    """
    recent = list(history)[-settings.history_days:]
    usable = [d for d in recent if d.entries > 0 and d.exits > 0 and d.exits >= settings.min_exits]
    if len(usable) < settings.min_days:
        return Correction(1.0, (), f"{len(usable)} usable earlier day{'s' * (len(usable) != 1)} "
                                   f"(needs {settings.min_days}): raw in − out")
    ratio = median(d.entries / d.exits for d in usable)
    hi = 1.0 + settings.max_correction
    scale = min(max(ratio, 1.0 / hi), hi)
    bounded = " (bounded)" if scale != ratio else ""
    return Correction(scale, tuple(d.day for d in usable),
                      f"exits × {scale:.3f}{bounded}: median entries/exits of {len(usable)} earlier days")


def occupancy_curve(flows: Sequence[Flow], correction: Correction = UNCORRECTED) -> list[OccupancyPoint]:
    """Cumulative occupancy after each window of a store day (flows of that day only, by start)."""
    points, entries, exits = [], 0, 0
    for f in sorted(flows, key=lambda f: f.start):
        entries += f.entries
        exits += f.exits
        points.append(OccupancyPoint(f.end, entries, exits, entries - exits,
                                     entries - correction.exit_scale * exits))
    return points
