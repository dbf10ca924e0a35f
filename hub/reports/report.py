"""Pure report building: window rows → Report (totals, per-window rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from edge.windows.clock import iso_z

__all__ = ["Report", "WindowLine", "build_report"]


@dataclass(frozen=True, slots=True)
class WindowLine:
    start: str
    end: str
    camera_id: str
    in_count: int
    out_count: int
    frames: int


@dataclass(frozen=True, slots=True)
class Report:
    store_id: str
    start: datetime | None
    end: datetime | None
    in_count: int
    out_count: int
    windows: tuple[WindowLine, ...]
    lines: dict[str, dict[str, int]]

    def to_json(self) -> dict:
        return {
            "store_id": self.store_id,
            "from": iso_z(self.start) if self.start else None,
            "to": iso_z(self.end) if self.end else None,
            "totals": {"in": self.in_count, "out": self.out_count, "windows": len(self.windows),
                       "frames": sum(w.frames for w in self.windows)},
            "lines": self.lines,
            "windows": [{"start": w.start, "end": w.end, "camera_id": w.camera_id, "in": w.in_count,
                         "out": w.out_count, "frames": w.frames} for w in self.windows],
        }


def build_report(db: sqlite_utils.Database, store_id: str, start: datetime | None, end: datetime | None) -> Report:
    """Windows of one store whose start lies in [start, end)."""
    where, params = ["store_id = ?"], [store_id]
    if start is not None:
        where.append("start >= ?")
        params.append(iso_z(start))
    if end is not None:
        where.append("start < ?")
        params.append(iso_z(end))
    clause = " AND ".join(where)
    rows = db.execute(
        f"SELECT start, end, camera_id, in_count, out_count, frames FROM windows WHERE {clause}"
        " ORDER BY start, camera_id", params,
    ).fetchall()
    windows = tuple(WindowLine(*r) for r in rows)
    lines: dict[str, dict[str, int]] = {}
    for camera_id, line_id, in_count, out_count in db.execute(
        f"SELECT camera_id, line_id, SUM(in_count), SUM(out_count) FROM window_lines WHERE {clause}"
        " GROUP BY camera_id, line_id ORDER BY camera_id, line_id", params,
    ).fetchall():
        lines[f"{camera_id}/{line_id}"] = {"in": in_count, "out": out_count}
    return Report(store_id, start, end, sum(w.in_count for w in windows), sum(w.out_count for w in windows),
                  windows, lines)
