"""Aggregator: crossing events and frame ticks → one WindowAggregate per aligned window.

Every window between the first frame and the last is emitted, empty ones included: a window
with zero crossings is a measurement, a missing window is a gap. Each window also says how many
of its seconds the camera was seen (`seen_s`): the time between consecutive frames, except gaps
longer than `MAX_FRAME_GAP_S` (a camera that stalled or reconnected), so that the hub can tell a
quiet window from one the camera missed, and weigh means and rates by the time really watched.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.events.events import CrossingEvent
from edge.windows.clock import to_utc, window_start

__all__ = ["LineTotals", "WindowAggregate", "Aggregator", "WindowPart", "MAX_FRAME_GAP_S"]

# Frames further apart than this (seconds) leave the time between them unseen. A camera at 1 fps
# or faster, or an agent busy enough to take one frame in two seconds, is watching; a stall or a
# reconnect (several seconds) is not.
MAX_FRAME_GAP_S = 2.0


@dataclass(frozen=True, slots=True)
class LineTotals:
    """In/out crossings of one line in one window (people)."""

    line_id: str
    in_count: int
    out_count: int


@dataclass(frozen=True, slots=True)
class WindowAggregate:
    """Everything one camera measured in one window. Aggregates only: no ids, no coordinates.

    Args:
        start, end: aware UTC datetimes, half-open [start, end).
        frames: frames processed in the window.
        lines: per counting line totals.
        seen_s: seconds of the window the camera was seen (see the module's docstring); None
            where not measured.
        zones, heatmap, mascots: further figures of the window, filled by WindowPart stages of
            the same name, each already in its aggregate-only form (see events/ and mascots/).
    """

    store_id: str
    camera_id: str
    start: object
    end: object
    frames: int
    lines: tuple[LineTotals, ...]
    zones: tuple = ()
    heatmap: object | None = None
    mascots: tuple = ()
    seen_s: float | None = None

    @property
    def in_count(self) -> int:
        return sum(t.in_count for t in self.lines)

    @property
    def out_count(self) -> int:
        return sum(t.out_count for t in self.lines)


class WindowPart:
    """A stage that adds figures to each window (zones, heatmap, mascots).

    `name` is the WindowAggregate field it fills ("zones", "heatmap" or "mascots");
    `close_window(start_ts, end_ts)` returns that field's value for the window that just ended
    and starts a new one. A part may also have `partial()` (its figures so far in the open
    window, JSON-able, counts only) and `resume(figures)` (add them back after a restart), so that
    a live camera's restart keeps them (edge/windows/open_windows.py); one without starts afresh.
    """

    name: str

    def close_window(self, start_ts: float, end_ts: float) -> object:  # pragma: no cover
        raise NotImplementedError


class Aggregator:
    """add(events, ts) per frame; close(until) → windows that ended; flush() at end of stream.

    Args:
        window_s: window length in seconds (divides the day: 10, 60, 300, 3600...).
        line_ids: the lines to report, in order (a line with no crossing reports 0/0).
        parts: further per-window stages.
    """

    def __init__(
        self,
        store_id: str,
        camera_id: str,
        window_s: int,
        line_ids: list[str],
        parts: list[WindowPart] | None = None,
    ) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        self.store_id, self.camera_id, self.window_s = store_id, camera_id, window_s
        self.line_ids = list(line_ids)
        self.parts = list(parts or [])
        self._start: float | None = None
        self._frames = 0
        self._seen_s = 0.0
        self._last_ts: float | None = None
        self._counts: dict[tuple[str, str], int] = {}
        self.crossings = 0  # crossings recorded so far (all windows): a caller saving partial() sees new ones

    @property
    def open_start_ts(self) -> float | None:
        """Start (Unix seconds) of the window being filled, None before the first frame."""
        return self._start

    def partial(self) -> dict | None:
        """The open window's figures so far, as JSON-able data (counts only), or None before the
        first frame. `resume` takes it back after a restart (edge/windows/open_windows.py)."""
        if self._start is None:
            return None
        return {"start": self._start, "window_s": self.window_s, "frames": self._frames,
                "seen_s": round(self._seen_s, 3),
                "counts": [[line, direction, n] for (line, direction), n in sorted(self._counts.items())],
                "parts": {p.name: p.partial() for p in self.parts if hasattr(p, "partial")}}

    def resume(self, saved: dict, now_ts: float) -> list[WindowAggregate]:
        """Take back the figures `partial()` gave before a restart. If their window is still open
        at `now_ts`, it goes on from them; if it has ended, it is returned closed, with what was
        counted before the restart (the rest of it was not seen). Further parts that keep their
        figures (zones, heatmap, mascots: `partial`/`resume`) take theirs back too; a window sent
        from the record leaves out any other: absent, not zero. Figures of lines that no longer
        exist are dropped. Call before the first frame; a record of another window length is
        ignored."""
        if self._start is not None or saved.get("window_s") != self.window_s:
            return []
        self._start = float(saved["start"])
        self._frames = int(saved["frames"])
        self._seen_s = float(saved["seen_s"])
        self._counts = {(line, direction): int(n) for line, direction, n in saved["counts"]
                        if line in self.line_ids and direction in ("in", "out")}
        kept = saved.get("parts", {})
        restored = {p.name for p in self.parts if hasattr(p, "resume") and kept.get(p.name) is not None}
        for p in self.parts:
            if p.name in restored:
                p.resume(kept[p.name])
        if now_ts < self._start + self.window_s:
            return []
        return [self._emit(last=True, only_parts=restored)]

    def add(self, events: list[CrossingEvent], ts: float) -> list[WindowAggregate]:
        """Record one processed frame at ts with its events; return windows closed before ts."""
        closed = self.close(ts)
        if self._start is None:
            self._start = window_start(ts, self.window_s)
        if self._last_ts is not None and 0.0 < ts - self._last_ts <= MAX_FRAME_GAP_S:
            # The interval up to this frame counts to this frame's window (at most one frame
            # interval misplaced at a boundary; the sum over windows is exact).
            self._seen_s += ts - self._last_ts
        self._last_ts = ts
        self._frames += 1
        for e in events:
            key = (e.line_id, e.direction)
            self._counts[key] = self._counts.get(key, 0) + 1
        self.crossings += len(events)
        return closed

    def close(self, until_ts: float) -> list[WindowAggregate]:
        """Close every window that ends at or before until_ts (empty windows included)."""
        closed = []
        while self._start is not None and self._start + self.window_s <= until_ts:
            closed.append(self._emit())
        return closed

    def flush(self) -> list[WindowAggregate]:
        """End of stream: close the open window even though it has not reached its end."""
        return [self._emit(last=True)] if self._start is not None else []

    def _emit(self, last: bool = False, only_parts: set[str] | None = None) -> WindowAggregate:
        start = self._start
        end = start + self.window_s
        parts = {p.name: p.close_window(start, end) for p in self.parts if only_parts is None or p.name in only_parts}
        window = WindowAggregate(
            self.store_id, self.camera_id, to_utc(start), to_utc(end), self._frames,
            tuple(
                LineTotals(lid, self._counts.get((lid, "in"), 0), self._counts.get((lid, "out"), 0))
                for lid in self.line_ids
            ),
            **parts,
            seen_s=min(self._seen_s, float(self.window_s)),
        )
        self._start = None if last else end
        self._frames = 0
        self._seen_s = 0.0
        self._counts = {}
        return window
