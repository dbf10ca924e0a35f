"""HeatmapAccumulator: tracks → person-seconds per cell of a coarse grid, one Heatmap per window.

    frame (w × h px) split into cols × rows cells; a person's anchor falls in one cell:
    ┌──┬──┬──┬──┐   each frame, every person adds the time until the next frame
    │  │  │▓▓│  │   (held at most max_hold_s) to their cell; row-major, top row first
    ├──┼──┼──┼──┤
    │  │▓▓│  │  │   a cell seen by fewer than min_count distinct people in the window
    └──┴──┴──┴──┘   is published as 0 (windows/suppress.py)

Track ids are used only in memory, to count distinct people per cell, and forgotten at the end
of each window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.events.anchors import anchor_xy
from edge.tracks.tracks import Tracks
from edge.windows.suppress import suppress_cells

__all__ = ["Heatmap", "HeatmapAccumulator"]


@dataclass(frozen=True, slots=True)
class Heatmap:
    """person_seconds: cols × rows values, row-major (seconds of presence summed over people)."""

    cols: int
    rows: int
    person_seconds: tuple[float, ...]

    def to_payload(self) -> dict:
        return {"cols": self.cols, "rows": self.rows, "person_seconds": [round(v, 2) for v in self.person_seconds]}


class HeatmapAccumulator:
    """update(tracks, ts, frame_wh) per frame; close_window(start_ts, end_ts) → Heatmap.

    A WindowPart named "heatmap".

    Args:
        cols, rows: grid size (default 16 × 9, about one cell per metre or two in a shop).
        min_count: the small-cell rule's k.
        anchor: "bottom" or "center".
        max_hold_s: the longest gap between frames a presence is held over.
    """

    name = "heatmap"

    def __init__(self, cols: int = 16, rows: int = 9, min_count: int = 5, anchor: str = "bottom",
                 max_hold_s: float = 1.0) -> None:
        if cols < 1 or rows < 1:
            raise ValueError(f"cols, rows: expected at least 1, got {cols}, {rows}")
        self.cols, self.rows, self.min_count = cols, rows, min_count
        self.anchor, self.max_hold_s = anchor, max_hold_s
        self._seconds = np.zeros(cols * rows)
        self._people: list[set[int]] = [set() for _ in range(cols * rows)]
        self._last_cells = np.zeros(0, np.int64)
        self._last_ids: list[int] = []
        self._last_ts: float | None = None
        self._held_from = 0.0

    def update(self, tracks: Tracks, ts: float, frame_wh: tuple[int, int]) -> None:
        self._hold(ts)
        w, h = frame_wh
        xy = anchor_xy(tracks.detections.xyxy, self.anchor)
        col = np.clip((xy[:, 0] / w * self.cols).astype(np.int64), 0, self.cols - 1)
        row = np.clip((xy[:, 1] / h * self.rows).astype(np.int64), 0, self.rows - 1)
        self._last_cells = row * self.cols + col
        self._last_ids = tracks.track_id.tolist()
        for cell, tid in zip(self._last_cells.tolist(), self._last_ids, strict=True):
            self._people[cell].add(tid)
        self._last_ts = self._held_from = ts

    def _hold(self, until: float) -> None:
        if self._last_ts is None:
            return
        stop = min(until, self._last_ts + self.max_hold_s)
        if stop > self._held_from:
            np.add.at(self._seconds, self._last_cells, stop - self._held_from)
            for cell, tid in zip(self._last_cells.tolist(), self._last_ids, strict=True):
                self._people[cell].add(tid)
            self._held_from = stop

    def partial(self) -> dict:
        """The window's figures so far, counts only (edge/windows/open_windows.py): person-seconds
        per cell and how many people were seen in each, never who."""
        return {"cols": self.cols, "rows": self.rows, "person_s": [round(float(v), 3) for v in self._seconds],
                "people": [len(p) for p in self._people]}

    def resume(self, saved: dict) -> None:
        """Add the figures `partial()` gave before a restart (nothing if the grid changed). The people
        seen before it stand in as placeholders: they count for the small-cell rule, as someone
        seen again after the restart (by a new track) would have."""
        if (saved["cols"], saved["rows"]) != (self.cols, self.rows):
            return
        self._seconds += np.asarray(saved["person_s"], np.float64)
        for cell, n in enumerate(saved["people"]):
            self._people[cell].update(-(k + 1) for k in range(int(n)))

    def close_window(self, start_ts: float, end_ts: float) -> Heatmap:
        self._hold(end_ts)
        self._held_from = max(self._held_from, end_ts)
        people = np.array([len(p) for p in self._people])
        values = suppress_cells(self._seconds, people, self.min_count)
        self._seconds = np.zeros(self.cols * self.rows)
        self._people = [set() for _ in range(self.cols * self.rows)]
        return Heatmap(self.cols, self.rows, tuple(float(v) for v in values))
