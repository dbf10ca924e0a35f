"""Pure mascot metrics: visibility, engagements with dwell, and "mascot missing" alerts.

No OpenCV, no clock: time is always an argument (`ts`, float seconds on the caller's clock, e.g.
video time or Unix time), so a recording replays identically.

The engagement zone of a mascot (drawn for a standee on the floor, camera looking down at it)::

        x1-m·w        x1   x2        x2+m·w
          ┌──────────┬──────┬──────────┐  y1        m = zone_margin, w, h = mascot box size
          │          │ card │          │
          │          │      │          │  y2
          │       ground in front      │
          └────────────────────────────┘  y2 + d·h  d = ground_depth

A person engages when their anchor (bottom-centre of the person box: the feet) stays in the zone
for at least `min_dwell_s`; leaving for less than `max_gap_s` (a missed detection, a step aside)
does not end the visit. An engagement is counted in the window in which the visit ends, with its
dwell from the first to the last sample in the zone. Per-track state lives only inside the
monitor and is dropped when the visit ends; no track id appears in any output.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

__all__ = [
    "EngagementSettings",
    "MascotSighting",
    "MascotWindowStats",
    "MascotAlert",
    "EngagementMonitor",
    "engagement_zone",
]

XYXY = tuple[float, float, float, float]


class _HasBox(Protocol):
    mascot_id: str

    @property
    def xyxy(self) -> XYXY: ...


@dataclass(frozen=True, slots=True)
class MascotSighting:
    """A mascot seen in a sampled frame: id and box (x1, y1, x2, y2) in frame px.

    `MascotDetection` has the same two attributes and can be passed instead.
    """

    mascot_id: str
    xyxy: XYXY


@dataclass(frozen=True, slots=True)
class EngagementSettings:
    """Args:
        zone_margin: zone extends sideways by this × the mascot box width on each side.
        ground_depth: zone extends below the box by this × the box height (the floor in front).
        min_dwell_s: seconds in the zone for a visit to count as an engagement.
        max_gap_s: absence from the zone (or from the tracks) shorter than this keeps the visit.
        missing_alert_s: a registered mascot not seen for this long raises one alert (M minutes).
    """

    zone_margin: float = 0.5
    ground_depth: float = 1.0
    min_dwell_s: float = 5.0
    max_gap_s: float = 2.0
    missing_alert_s: float = 600.0

    def __post_init__(self) -> None:
        for name in ("zone_margin", "ground_depth", "min_dwell_s", "max_gap_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: expected a value >= 0, got {getattr(self, name)}")
        if self.missing_alert_s <= 0:
            raise ValueError(f"missing_alert_s: expected > 0, got {self.missing_alert_s}")


@dataclass(frozen=True, slots=True)
class MascotWindowStats:
    """Metrics of one mascot over one window [start, end).

    Args:
        mascot_id: the mascot.
        start, end: window bounds as given to `close_window`.
        samples: sampled frames in the window.
        visible_samples: of those, frames in which the mascot was detected.
        visible_fraction: visible_samples / samples; None when no frame was sampled.
        engagements: visits of at least `min_dwell_s` that ended in the window.
        dwell_s: their dwell times, seconds, in the order they ended.
        median_dwell_s: median of `dwell_s`; None without engagements.
    """

    mascot_id: str
    start: datetime | float
    end: datetime | float
    samples: int
    visible_samples: int
    visible_fraction: float | None
    engagements: int
    dwell_s: tuple[float, ...]
    median_dwell_s: float | None


@dataclass(frozen=True, slots=True)
class MascotAlert:
    """A registered mascot not seen for `missing_alert_s` (raised once until it is seen again).

    Args:
        mascot_id: the mascot.
        ts: time of the sample that raised the alert, seconds.
        last_seen_ts: when it was last seen (or when monitoring started), seconds.
        missing_s: ts − last_seen_ts.
    """

    mascot_id: str
    ts: float
    last_seen_ts: float
    missing_s: float


@dataclass
class _Visit:
    first_in: float
    last_in: float


@dataclass
class _MascotState:
    last_seen: float
    zone: XYXY | None = None
    alerted: bool = False
    visits: dict[object, _Visit] = field(default_factory=dict)  # track id → open visit
    ended: list[tuple[float, float]] = field(default_factory=list)  # (end ts, dwell s)


def engagement_zone(mascot_xyxy: XYXY, settings: EngagementSettings) -> XYXY:
    """The zone (x1, y1, x2, y2) around a mascot box, px (see the module drawing)."""
    x1, y1, x2, y2 = mascot_xyxy
    w, h = x2 - x1, y2 - y1
    return (x1 - settings.zone_margin * w, y1, x2 + settings.zone_margin * w,
            y2 + settings.ground_depth * h)


def _inside(zone: XYXY, xy: tuple[float, float]) -> bool:
    return zone[0] <= xy[0] <= zone[2] and zone[1] <= xy[1] <= zone[3]


def _seconds(t: datetime | float) -> float:
    return t.timestamp() if isinstance(t, datetime) else float(t)


class EngagementMonitor:
    """Stateful stage: feed every sampled frame, close windows, receive alerts.

    Args:
        mascot_ids: the registered mascots (alerts and stats cover exactly these).
        settings: zone, dwell and alert parameters.

    Example:
        >>> monitor = EngagementMonitor(["mascot-fox"], EngagementSettings(min_dwell_s=3))
        >>> monitor.update(0.0, [MascotSighting("mascot-fox", (100, 100, 150, 200))], {7: (125, 260)})
        []
        >>> stats = monitor.close_window(0.0, 60.0)["mascot-fox"]
    """

    def __init__(self, mascot_ids: Iterable[str], settings: EngagementSettings | None = None) -> None:
        self.settings = settings or EngagementSettings()
        self._ids = tuple(dict.fromkeys(mascot_ids))
        self._state: dict[str, _MascotState] = {}
        self._samples: list[tuple[float, frozenset[str]]] = []  # (ts, ids visible) since last close
        self._last_ts: float | None = None

    @property
    def mascot_ids(self) -> tuple[str, ...]:
        return self._ids

    def update(
        self,
        ts: float,
        mascot_detections: Sequence[_HasBox],
        tracks_anchor_by_id: Mapping[object, tuple[float, float]],
    ) -> list[MascotAlert]:
        """Record one sampled frame; returns the alerts raised by it.

        Args:
            ts: sample time, seconds; must not go backwards.
            mascot_detections: mascots detected in the frame (id + `xyxy` box, frame px).
            tracks_anchor_by_id: anchor point (x, y), frame px, of every tracked person, keyed by
                the tracker's per-run id (kept in memory only).

        Raises:
            ValueError: ts is earlier than the previous sample.
        """
        if self._last_ts is not None and ts < self._last_ts:
            raise ValueError(f"ts: samples must not go backwards ({ts} < {self._last_ts})")
        self._last_ts = ts
        s = self.settings
        seen = {d.mascot_id: d for d in mascot_detections if d.mascot_id in self._ids}
        self._samples.append((ts, frozenset(seen)))
        alerts: list[MascotAlert] = []
        for mascot_id in self._ids:
            state = self._state.setdefault(mascot_id, _MascotState(last_seen=ts))
            if mascot_id in seen:
                state.last_seen, state.alerted = ts, False
                state.zone = engagement_zone(tuple(map(float, seen[mascot_id].xyxy)), s)
            elif not state.alerted and ts - state.last_seen >= s.missing_alert_s:
                state.alerted = True
                alerts.append(MascotAlert(mascot_id, ts, state.last_seen, ts - state.last_seen))
            self._update_visits(state, ts, tracks_anchor_by_id)
        return alerts

    def _update_visits(self, state: _MascotState, ts: float,
                       anchors: Mapping[object, tuple[float, float]]) -> None:
        s = self.settings
        if state.zone is not None:  # the zone stays where the mascot was last seen
            for track_id, xy in anchors.items():
                if _inside(state.zone, xy):
                    visit = state.visits.get(track_id)
                    if visit is None:
                        state.visits[track_id] = _Visit(ts, ts)
                    else:
                        visit.last_in = ts
        for track_id, visit in list(state.visits.items()):
            if ts - visit.last_in > s.max_gap_s:  # left the zone, or the track is gone
                del state.visits[track_id]
                self._end_visit(state, visit)

    def _end_visit(self, state: _MascotState, visit: _Visit) -> None:
        dwell = visit.last_in - visit.first_in
        if dwell >= self.settings.min_dwell_s:
            state.ended.append((visit.last_in + self.settings.max_gap_s, dwell))

    def close_window(self, start: datetime | float, end: datetime | float) -> dict[str, MascotWindowStats]:
        """Stats per registered mascot for samples and visit ends in [start, end).

        Samples and ended visits before `end` are dropped afterwards, so each window is reported
        once; visits still open continue into later windows.
        """
        t0, t1 = _seconds(start), _seconds(end)
        if t1 <= t0:
            raise ValueError(f"window: expected start < end, got {start} .. {end}")
        in_window = [ids for ts, ids in self._samples if t0 <= ts < t1]
        out: dict[str, MascotWindowStats] = {}
        for mascot_id in self._ids:
            state = self._state.get(mascot_id)
            visible = sum(mascot_id in ids for ids in in_window)
            dwell = tuple(round(d, 3) for e, d in (state.ended if state else []) if t0 <= e < t1)
            out[mascot_id] = MascotWindowStats(
                mascot_id, start, end, len(in_window), visible,
                visible / len(in_window) if in_window else None,
                len(dwell), dwell, statistics.median(dwell) if dwell else None,
            )
            if state:
                state.ended = [(e, d) for e, d in state.ended if e >= t1]
        self._samples = [(ts, ids) for ts, ids in self._samples if ts >= t1]
        return out

    def partial(self) -> dict | None:
        """The open window's figures so far, counts only (edge/windows/open_windows.py): how many
        samples, how many saw each mascot, and the dwell times (0.1 s) of the engagements ended;
        no track, no position, no time but the first sample's. None before any sample."""
        if not self._samples:
            return None
        return {"at": self._samples[0][0], "samples": len(self._samples),
                "visible": {m: sum(m in ids for _, ids in self._samples) for m in self._ids},
                "dwells_s": {m: [round(d, 1) for _, d in self._state[m].ended] for m in self._ids if m in self._state}}

    def resume(self, saved: dict) -> None:
        """Add the figures `partial()` gave before a restart, as samples and engagement ends at its
        first sample's time (they fall in the same window). Mascots no longer registered are dropped."""
        at = float(saved["at"])
        visible = {m: int(saved["visible"].get(m, 0)) for m in self._ids}
        restored = [(at, frozenset(m for m in self._ids if i < visible[m])) for i in range(int(saved["samples"]))]
        self._samples = restored + self._samples
        for m in self._ids:
            for d in saved["dwells_s"].get(m, ()):
                self._state.setdefault(m, _MascotState(last_seen=at)).ended.append((at, float(d)))

    def flush(self, ts: float) -> None:
        """End every open visit as of `ts` (end of a recording), so the last window counts it."""
        for state in self._state.values():
            for visit in state.visits.values():
                dwell = visit.last_in - visit.first_in
                if dwell >= self.settings.min_dwell_s:
                    state.ended.append((min(ts, visit.last_in + self.settings.max_gap_s), dwell))
            state.visits.clear()
