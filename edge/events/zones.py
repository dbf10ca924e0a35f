"""ZoneMonitor: tracks → per-zone occupancy, entries and dwell, one ZoneFigures per window.

A *visit* starts when a person's anchor is first inside the zone polygon and ends when it has
been outside, or unseen, for longer than `exit_grace_s`:

    inside ■■■■■■□□■■■■■■■□□□□□□□□□□□          □ outside or not detected
           │start         │last inside  │ end = last inside + grace passed: visit complete
           └── dwell = last inside − start ──┘ (the grace is not counted)

The grace keeps one visit whole when feet jitter over the zone's edge or the detector misses a
few frames; a track that breaks and re-forms nearby (within the grace, within one box height)
continues the same visit instead of making a new entry. Trade-off: a real leave-and-return
within the grace is one visit. Keep it ≥ the tracker's max_lost_s, or a person occluded that
long is counted as leaving and entering again.

Occupancy is sampled per frame and held until the next frame (at most `max_hold_s`, so a
stalled stream or the end of a file does not stretch it): current = at the window's last frame,
max over the window's frames, mean = time-weighted over the covered part of the window.
Dwell figures come from visits *completed* in the window, then pass the small-cell rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.events.anchors import anchor_xy
from edge.geometry import points_in_polygon
from edge.tracks.tracks import Tracks
from edge.windows.suppress import merge_small_buckets, suppress_median

__all__ = ["Zone", "DwellHistogram", "ZoneFigures", "ZoneMonitorSettings", "ZoneMonitor", "dwell_histogram"]


@dataclass(frozen=True, slots=True)
class Zone:
    """A named polygon in frame pixels (normalised ones are converted by the config)."""

    zone_id: str
    polygon: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class DwellHistogram:
    """Completed visits by dwell time. Bucket i holds edges_s[i-1] ≤ dwell < edges_s[i] (seconds)."""

    edges_s: tuple[float, ...]
    counts: tuple[int, ...]
    median_s: float | None
    visits: int

    def to_payload(self) -> dict:
        return {
            "edges_s": list(self.edges_s),
            "counts": list(self.counts),
            "median_s": None if self.median_s is None else round(self.median_s, 2),
            "visits": self.visits,
        }


@dataclass(frozen=True, slots=True)
class ZoneFigures:
    """One zone in one window: occupancy (people), entries (visits begun), dwell (visits ended)."""

    zone_id: str
    current: int
    max: int
    mean: float
    entries: int
    dwell: DwellHistogram

    def to_payload(self) -> dict:
        return {
            "zone_id": self.zone_id,
            "occupancy": {"current": self.current, "max": self.max, "mean": round(self.mean, 3)},
            "entries": self.entries,
            "dwell": self.dwell.to_payload(),
        }


def dwell_histogram(dwells_s: list[float], edges_s: tuple[float, ...], min_count: int) -> DwellHistogram:
    """Bucket and summarise completed visits, then apply the small-cell rule (windows/suppress.py)."""
    counts = np.bincount(np.searchsorted(np.asarray(edges_s), dwells_s, side="right"),
                         minlength=len(edges_s) + 1) if dwells_s else np.zeros(len(edges_s) + 1, int)
    median = float(np.median(dwells_s)) if dwells_s else None
    edges, merged = merge_small_buckets(tuple(edges_s), tuple(int(c) for c in counts), min_count)
    return DwellHistogram(edges, merged, suppress_median(median, len(dwells_s), min_count), len(dwells_s))


@dataclass(frozen=True, slots=True)
class ZoneMonitorSettings:
    """Args:
        exit_grace_s: seconds outside (or unseen) before a visit ends; see the module docstring.
        reform_radius_frac: a re-formed track continues a visit within this many box heights.
        max_hold_s: the longest gap between frames over which occupancy is held.
    """

    exit_grace_s: float = 2.0
    reform_radius_frac: float = 1.0
    max_hold_s: float = 1.0


@dataclass(slots=True)
class _Visit:
    start_ts: float
    last_inside_ts: float
    last_xy: tuple[float, float]
    height: float


class _ZoneState:
    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self.polygon = np.asarray(zone.polygon, dtype=np.float64)
        self.visits: dict[int, _Visit] = {}
        self.entries = 0
        self.dwells: list[float] = []
        self.occupancy = 0
        self.max = 0
        self.integral = 0.0  # person-seconds in the window


class ZoneMonitor:
    """update(tracks, ts) per frame; close_window(start_ts, end_ts) → tuple[ZoneFigures, ...].

    A WindowPart named "zones": pass it to the Aggregator and call update after Aggregator.add.

    Args:
        zones: the zones, pixels.
        dwell_edges_s: histogram bucket edges (seconds), increasing.
        min_count: the small-cell rule's k (privacy.min_count).
        anchor: "bottom" or "center" (events/anchors.py).

    Example:
        >>> m = ZoneMonitor([Zone("till", ((0, 0), (10, 0), (10, 10)))], (10.0, 30.0), 5)
        >>> m.update(Tracks.empty(), 0.0); m.close_window(0.0, 60.0)[0].entries
        0
    """

    name = "zones"

    def __init__(
        self,
        zones: list[Zone] | tuple[Zone, ...],
        dwell_edges_s: tuple[float, ...],
        min_count: int,
        anchor: str = "bottom",
        settings: ZoneMonitorSettings | None = None,
    ) -> None:
        self._zones = [_ZoneState(z) for z in zones]
        self.dwell_edges_s = tuple(dwell_edges_s)
        self.min_count = min_count
        self.anchor = anchor
        self.settings = settings or ZoneMonitorSettings()
        self._last_ts: float | None = None
        self._held_from = 0.0
        self._covered_s = 0.0

    def update(self, tracks: Tracks, ts: float) -> None:
        s = self.settings
        self._hold(ts)
        points = anchor_xy(tracks.detections.xyxy, self.anchor)
        heights = (tracks.detections.xyxy[:, 3] - tracks.detections.xyxy[:, 1]).astype(np.float64)
        ids = tracks.track_id.tolist()
        present = set(ids)
        for z in self._zones:
            inside = points_in_polygon(points, z.polygon) if len(ids) else np.zeros(0, bool)
            # 1. Extend or start the visits of people inside.
            for tid, xy, h, is_in in zip(ids, points.tolist(), heights.tolist(), inside.tolist(), strict=True):
                if not is_in:
                    continue
                visit = z.visits.get(tid) or self._adopt(z, (xy[0], xy[1]), h, ts, present)
                if visit is None:
                    visit = _Visit(ts, ts, (xy[0], xy[1]), h)
                    z.entries += 1
                z.visits[tid] = visit
                visit.last_inside_ts, visit.last_xy, visit.height = ts, (xy[0], xy[1]), h
            # 2. End visits outside or unseen for longer than the grace.
            for tid in [t for t, v in z.visits.items() if ts - v.last_inside_ts > s.exit_grace_s]:
                v = z.visits.pop(tid)
                z.dwells.append(v.last_inside_ts - v.start_ts)
            # 3. Occupancy: inside now, or unseen (occluded) while their visit is open.
            z.occupancy = sum(1 for t, v in z.visits.items() if v.last_inside_ts == ts or t not in present)
            z.max = max(z.max, z.occupancy)
        self._last_ts = self._held_from = ts

    def _adopt(self, z: _ZoneState, xy: tuple[float, float], height: float, ts: float,
               present: set[int]) -> _Visit | None:
        """The open visit of a vanished track near xy, handed to the new track (or None)."""
        best, best_d = None, float("inf")
        for tid, v in z.visits.items():
            if tid in present:
                continue
            d = float(np.hypot(xy[0] - v.last_xy[0], xy[1] - v.last_xy[1]))
            if d <= self.settings.reform_radius_frac * max(height, v.height) and d < best_d:
                best, best_d = tid, d
        return z.visits.pop(best) if best is not None else None

    def _hold(self, until: float) -> None:
        """Integrate the last frame's occupancy from where it was last accounted up to `until`."""
        if self._last_ts is None:
            return
        stop = min(until, self._last_ts + self.settings.max_hold_s)
        if stop > self._held_from:
            dt = stop - self._held_from
            self._covered_s += dt
            for z in self._zones:
                z.integral += z.occupancy * dt
            self._held_from = stop

    def close_window(self, start_ts: float, end_ts: float) -> tuple[ZoneFigures, ...]:
        self._hold(end_ts)
        self._held_from = max(self._held_from, end_ts)
        figures = []
        for z in self._zones:
            mean = z.integral / self._covered_s if self._covered_s > 0 else float(z.occupancy)
            figures.append(ZoneFigures(
                z.zone.zone_id, z.occupancy, max(z.max, z.occupancy), mean, z.entries,
                dwell_histogram(z.dwells, self.dwell_edges_s, self.min_count),
            ))
            z.entries, z.dwells, z.integral, z.max = 0, [], 0.0, z.occupancy
        self._covered_s = 0.0
        return tuple(figures)

    def partial(self) -> dict:
        """The window's figures so far, counts only (edge/windows/open_windows.py): per zone its
        entries, peak, person-seconds and the dwell times (0.1 s) of the visits completed;
        no visit in progress, no track, no position."""
        return {"covered_s": round(self._covered_s, 3),
                "zones": {z.zone.zone_id: {"entries": z.entries, "max": z.max, "person_s": round(z.integral, 3),
                                           "dwells_s": [round(float(d), 1) for d in z.dwells]} for z in self._zones}}

    def resume(self, saved: dict) -> None:
        """Add the figures `partial()` gave before a restart (zones that no longer exist dropped)."""
        self._covered_s += float(saved["covered_s"])
        for z in self._zones:
            kept = saved["zones"].get(z.zone.zone_id)
            if kept is not None:
                z.entries += int(kept["entries"])
                z.max = max(z.max, int(kept["max"]))
                z.integral += float(kept["person_s"])
                z.dwells.extend(float(d) for d in kept["dwells_s"])

    def occupancy(self) -> dict[str, int]:
        """Zone id → people in it at the last frame (for a live display; not published as is)."""
        return {z.zone.zone_id: z.occupancy for z in self._zones}

    @property
    def open_visits(self) -> int:
        """Visits held in memory: bounded by the people in the zones."""
        return sum(len(z.visits) for z in self._zones)
