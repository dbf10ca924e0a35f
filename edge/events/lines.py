"""LineCounter: tracks → crossing events, with hysteresis and survival of broken tracks.

For each track we keep its *committed side* of the line. A side is committed only when the
anchor is farther than a margin from the line (the dead band), so a person standing on the line,
whose feet jitter across it, changes nothing:

        s < 0 (committed −)   │ dead band │   s > 0 (committed +)
                              │  ±margin  │
    A crossing is counted when the committed side flips AND the path from the last committed
    point to the new one passes through the segment AB (not its extension).

A track first seen inside the dead band starts on the side it is on (people often appear near a
line: through the frame's edge, from behind someone, or when their track is confirmed late).

A track that breaks (occlusion, missed detections) and re-forms with a new id near where the
old one vanished, within `reform_s` seconds, inherits the old one's committed side, so the
crossing is neither lost nor counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.events.anchors import anchor_xy
from edge.events.events import CrossingEvent
from edge.geometry import crosses_segment, signed_distance
from edge.tracks.tracks import Tracks

__all__ = ["CountingLine", "LineCounterSettings", "LineCounter"]


@dataclass(frozen=True, slots=True)
class CountingLine:
    """A named counting line from A to B in frame pixels (see CONVENTIONS.md for direction)."""

    line_id: str
    a: tuple[float, float]
    b: tuple[float, float]


@dataclass(frozen=True, slots=True)
class LineCounterSettings:
    """Args:
        margin_frac: dead band half-width as a fraction of the person's box height. Scale-aware:
            0.1 of a 300 px person is 30 px, of a 40 px one 4 px. Larger resists jitter of a
            lingering person; too large misses people who cut a line's corner.
        min_margin_px: floor of the dead band in pixels (detector jitter on tiny boxes).
        reform_s: how long a vanished track's side is kept for a re-formed track to inherit.
        reform_radius_frac: how near (in box heights) a new track must appear to inherit.
        edge_frac: a box within this fraction of the frame's size from an edge is cut by it (see
            _entry_state); detector boxes of people cut by the edge stop a few pixels short of it.
    """

    margin_frac: float = 0.1
    min_margin_px: float = 3.0
    reform_s: float = 2.0
    reform_radius_frac: float = 1.0
    edge_frac: float = 0.015


@dataclass(slots=True)
class _SideState:
    side: int  # −1 or +1
    xy: tuple[float, float]  # last anchor on the committed side
    last_ts: float
    last_xy: tuple[float, float]
    height: float


class LineCounter:
    """update(tracks, ts) → crossing events on one line. State per track is pruned with it.

    Args:
        line: the counting line, pixels.
        settings: thresholds (see LineCounterSettings).
        anchor: which point of a person crosses: "bottom" (feet) or "center" (events/anchors.py).

    Example:
        >>> c = LineCounter(CountingLine("door", (0, 100), (200, 100)))
        >>> c.update(Tracks.empty(), 0.0)
        []
    """

    def __init__(self, line: CountingLine, settings: LineCounterSettings | None = None,
                 anchor: str = "bottom") -> None:
        if line.a == line.b:
            raise ValueError(f"line {line.line_id!r}: A and B are the same point")
        self.line = line
        self.anchor = anchor
        self.settings = settings or LineCounterSettings()
        self._states: dict[int, _SideState] = {}

    def reset(self) -> None:
        self._states.clear()

    def update(self, tracks: Tracks, ts: float, frame_wh: tuple[int, int] | None = None) -> list[CrossingEvent]:
        """Crossings at time ts. With frame_wh, a new track whose box touches the frame's edge is
        taken to have come in through that edge (see _entry_state)."""
        s, line = self.settings, self.line
        events: list[CrossingEvent] = []
        anchors = anchor_xy(tracks.detections.xyxy, self.anchor)
        heights = tracks.detections.xyxy[:, 3] - tracks.detections.xyxy[:, 1]
        distances = signed_distance(line.a, line.b, anchors) if len(tracks) else np.zeros(0)
        present = set(int(t) for t in tracks.track_id)
        for i, (track_id, xy, dist, height, xyxy) in enumerate(zip(
            tracks.track_id.tolist(), anchors.tolist(), distances.tolist(), heights.tolist(),
            tracks.detections.xyxy.tolist(), strict=True,
        )):
            xy = (float(xy[0]), float(xy[1]))
            state = self._states.get(track_id)
            if state is None:
                state = self._adopt_vanished(xy, height, ts, present)
                if state is None:
                    state = self._birth_state(tracks.born_box(i), xyxy, xy, height, ts, frame_wh)
                if state is not None:
                    self._states[track_id] = state
            margin = max(s.min_margin_px, s.margin_frac * float(height))
            if state is not None:
                state.last_ts, state.last_xy, state.height = ts, xy, float(height)
            if abs(dist) <= margin:
                if state is None and dist != 0:
                    # First seen inside the dead band (it came out of an occlusion or through the
                    # frame's edge, or its track was confirmed late): it starts on the side it is
                    # on. To count, it must still reach beyond the band on the other side.
                    self._states[track_id] = _SideState(1 if dist > 0 else -1, xy, ts, xy, float(height))
                continue  # in the dead band: no side change
            side = 1 if dist > 0 else -1
            if state is None:
                self._states[track_id] = _SideState(side, xy, ts, xy, float(height))
                continue
            if side != state.side and crosses_segment(line.a, line.b, state.xy, xy):
                events.append(CrossingEvent(line.line_id, "in" if side > 0 else "out", ts))
            state.side, state.xy = side, xy
        self._prune(ts, present)
        return events

    def _birth_state(self, born, xyxy, xy: tuple[float, float], height: float, ts: float,
                     frame_wh: tuple[int, int] | None) -> _SideState | None:
        """A new track's history: through the frame's edge it came in by (_entry_state, judged
        where it was born), else the side it was born on, if clear of the dead band. The tracker
        reports a track a frame or more after its birth; at a low frame rate a walker may have
        crossed the line in between."""
        first = xyxy if born is None else [float(v) for v in born]
        first_xy = tuple(float(v) for v in anchor_xy(np.array([first], np.float32), self.anchor)[0])
        first_height = first[3] - first[1]
        if frame_wh is not None:
            state = self._entry_state(first, first_xy, first_height, ts, frame_wh)
            if state is not None:
                state.last_xy = xy
                return state
        if born is None:
            return None
        dist = float(signed_distance(self.line.a, self.line.b, np.array(first_xy)))
        if abs(dist) <= max(self.settings.min_margin_px, self.settings.margin_frac * first_height):
            return None
        return _SideState(1 if dist > 0 else -1, first_xy, ts, xy, height)

    def _entry_state(self, xyxy, xy: tuple[float, float], height: float, ts: float,
                     frame_wh: tuple[int, int]) -> _SideState | None:
        """A track first seen with its box cut by the frame's edge came in through that edge.

        People do not appear in the middle of a picture: one whose box touches the bottom edge
        (say) walked in from below it, even if the detector only found them, or the tracker
        only confirmed them, after they had passed the line. Their committed side starts at the
        entry point on that edge, so the crossing is counted once they are clear of the line.
        A track that starts away from the edges (out of an occlusion) gets no such history.
        """
        w, h = frame_wh
        x1, y1, x2, y2 = (float(v) for v in xyxy)
        ex, ey = self.settings.edge_frac * w, self.settings.edge_frac * h
        if y2 >= h - ey:
            entry = (xy[0], float(h))
        elif x1 <= ex:
            entry = (0.0, xy[1])
        elif x2 >= w - ex:
            entry = (float(w), xy[1])
        elif y1 <= ey:
            entry = (xy[0], 0.0)
        else:
            return None
        dist = float(signed_distance(self.line.a, self.line.b, np.array(entry)))
        if abs(dist) <= max(self.settings.min_margin_px, self.settings.margin_frac * height):
            return None
        return _SideState(1 if dist > 0 else -1, entry, ts, xy, height)

    def _adopt_vanished(
        self, xy: tuple[float, float], height: float, ts: float, present: set[int]
    ) -> _SideState | None:
        """Hand a new track the state of the nearest recently vanished one, if close enough."""
        best_id, best_d = None, float("inf")
        for track_id, st in self._states.items():
            if track_id in present or ts - st.last_ts > self.settings.reform_s or st.last_ts >= ts:
                continue
            d = float(np.hypot(xy[0] - st.last_xy[0], xy[1] - st.last_xy[1]))
            if d <= self.settings.reform_radius_frac * max(height, st.height) and d < best_d:
                best_id, best_d = track_id, d
        return self._states.pop(best_id) if best_id is not None else None

    def _prune(self, ts: float, present: set[int]) -> None:
        limit = self.settings.reform_s
        for track_id in [k for k, st in self._states.items() if k not in present and ts - st.last_ts > limit]:
            del self._states[track_id]

    @property
    def state_count(self) -> int:
        return len(self._states)
