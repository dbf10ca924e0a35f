"""Report of one store over a period: totals, store-local days, cameras, lines, zones, mascots, windows.

    build_report(db, …)   ─ reads ─▶ Figures per (local day, camera) + raw window lines
    assemble_report(…)    ─ pure ──▶ Report (exact figures)
    Report.to_json(k)  ─────────▶ figures as shown: with k, each one from fewer than k people is "<k"

Periods come from the hour and day rollups (kept forever), so a report over pruned months
still adds up; only the per-window lines and periods not on whole hours need the raw windows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from edge.windows.clock import iso_z, parse_iso_z
from hub.occupancy.models_db import get_model
from hub.reports.suppress import shown, shown_if
from hub.store.figures import Figures, merge
from hub.store.queries import figures_by_day
from hub.store.stores import store_tz_name

__all__ = ["Report", "WindowLine", "DayLine", "CameraLine", "ZoneLine", "MascotLine", "assemble_report",
           "build_report", "local_day_range", "zone_lines"]


@dataclass(frozen=True, slots=True)
class WindowLine:
    start: str
    end: str
    camera_id: str
    in_count: int
    out_count: int
    frames: int
    seen_s: float | None  # seconds the camera was seen; None from agents that do not say


@dataclass(frozen=True, slots=True)
class DayLine:
    day: date          # store-local
    in_count: int
    out_count: int
    windows: int


@dataclass(frozen=True, slots=True)
class CameraLine:
    camera_id: str
    in_count: int
    out_count: int
    windows: int
    frames: int
    fps: float | None  # frames per second of the time the camera was seen
    seen_h: float  # hours of its windows the camera was seen (window length, from agents that do not say)


@dataclass(frozen=True, slots=True)
class ZoneLine:
    camera_id: str
    zone_id: str
    entries: int
    visits: int
    occupancy_max: int
    occupancy_mean: float | None   # people, time-weighted
    dwell_s: float | None          # visit-weighted mean of the windows' median dwell, seconds
    histogram: tuple[tuple[float, float | None, int], ...]  # (from_s, to_s or None, visits)


@dataclass(frozen=True, slots=True)
class MascotLine:
    camera_id: str
    mascot_id: str
    visible_fraction: float | None  # 0–1 of samples
    engagements: int
    dwell_s: float | None


@dataclass(frozen=True, slots=True)
class Report:
    store_id: str
    tz: str
    start: datetime | None
    end: datetime | None
    in_count: int
    out_count: int
    windows: tuple[WindowLine, ...]
    lines: dict[str, dict[str, int]]
    n_windows: int = 0
    frames: int = 0
    days: tuple[DayLine, ...] = ()
    cameras: tuple[CameraLine, ...] = ()
    zones: tuple[ZoneLine, ...] = ()
    mascots: tuple[MascotLine, ...] = ()
    store_days: tuple = ()   # StoreDayFigures per store-local day, when the store has a model

    def to_json(self, k: int | None = None) -> dict:
        """The report as JSON. k=None: exact figures. k: figures from fewer than k people → "<k"."""
        def n(count):
            return count if k is None else shown(count, k)

        def derived(value, people, digits=1):
            return (round(value, digits) if value is not None else None) if k is None else \
                shown_if(value, people, k, digits)

        return {
            "store_id": self.store_id,
            "tz": self.tz,
            "from": iso_z(self.start) if self.start else None,
            "to": iso_z(self.end) if self.end else None,
            "k": k,
            "totals": {"in": n(self.in_count), "out": n(self.out_count), "windows": self.n_windows,
                       "frames": self.frames},
            "days": [{"date": d.day.isoformat(), "in": n(d.in_count), "out": n(d.out_count), "windows": d.windows}
                     for d in self.days],
            "cameras": [{"camera_id": c.camera_id, "in": n(c.in_count), "out": n(c.out_count), "windows": c.windows,
                         "frames": c.frames, "fps": c.fps, "seen_h": c.seen_h} for c in self.cameras],
            "lines": {key: {"in": n(v["in"]), "out": n(v["out"])} for key, v in self.lines.items()},
            "zones": [{"camera_id": z.camera_id, "zone_id": z.zone_id, "entries": n(z.entries), "visits": n(z.visits),
                       "occupancy_max": n(z.occupancy_max),
                       "occupancy_mean": derived(z.occupancy_mean, z.entries, 2),
                       "dwell_s": derived(z.dwell_s, z.visits),
                       "histogram": [{"from_s": lo, "to_s": hi, "visits": n(c)} for lo, hi, c in z.histogram]}
                      for z in self.zones],
            "mascots": [{"camera_id": m.camera_id, "mascot_id": m.mascot_id,
                         "visible_fraction": None if m.visible_fraction is None else round(m.visible_fraction, 3),
                         "engagements": n(m.engagements), "dwell_s": derived(m.dwell_s, m.engagements)}
                        for m in self.mascots],
            "windows": [{"start": w.start, "end": w.end, "camera_id": w.camera_id, "in": n(w.in_count),
                         "out": n(w.out_count), "frames": w.frames, "seen_s": w.seen_s} for w in self.windows],
            "store_days": [_store_day_line(f, k) for f in self.store_days],
        }


def _store_day_line(f, k: int | None) -> dict:
    """One store day from the store model: visitors, exits, imbalance at the reset, peak occupancy."""
    from hub.reports.occupancy import store_day_json

    doc = store_day_json(f, k, with_curve=False)
    occ, imb = doc["occupancy"] or {}, doc["imbalance"] or {}
    peak = occ.get("peak") or {}
    return {"date": doc["date"], "hours": doc["hours"], "visitors": doc["visitors"], "exits": doc["exits"],
            "imbalance": imb.get("imbalance"), "imbalance_pct": imb.get("imbalance_pct"),
            "is_final": imb.get("is_final"), "occupancy_peak": peak.get("corrected"),
            "occupancy_peak_raw": peak.get("raw"), "occupancy_peak_at": peak.get("at"),
            "exit_scale": occ.get("exit_scale"), "entrances": doc["entrances"]}


def zone_lines(camera_id: str, fig: Figures) -> list[ZoneLine]:
    out = []
    for zone_id, z in sorted(fig.zones.items()):
        lows = sorted(z.dwell_hist)
        hist = tuple((lo, lows[i + 1] if i + 1 < len(lows) else None, z.dwell_hist[lo]) for i, lo in enumerate(lows))
        out.append(ZoneLine(camera_id, zone_id, z.entries, z.visits, z.occupancy_max,
                            z.occupancy_mean_x_s / z.seconds if z.seconds else None,
                            z.dwell_median_x_visits / z.visits if z.visits else None, hist))
    return out


def assemble_report(store_id: str, tz: str, start: datetime | None, end: datetime | None,
                    figures: dict[tuple[date, str], Figures], windows: tuple[WindowLine, ...] = ()) -> Report:
    """Pure: Figures per (store-local day, camera) → Report."""
    by_day: dict[date, list[Figures]] = defaultdict(list)
    by_camera: dict[str, list[Figures]] = defaultdict(list)
    for (day, camera_id), fig in figures.items():
        by_day[day].append(fig)
        by_camera[camera_id].append(fig)
    days = tuple(DayLine(d, f.in_count, f.out_count, f.windows)
                 for d, f in sorted((d, merge(figs)) for d, figs in by_day.items()))
    cameras, lines, zones, mascots = [], {}, [], []
    for camera_id in sorted(by_camera):
        fig = merge(by_camera[camera_id])
        cameras.append(CameraLine(camera_id, fig.in_count, fig.out_count, fig.windows, fig.frames,
                                  round(fig.frames / fig.seconds, 2) if fig.seconds else None,
                                  round(fig.seconds / 3600, 2)))
        for line_id, (i, o) in sorted(fig.lines.items()):
            lines[f"{camera_id}/{line_id}"] = {"in": i, "out": o}
        zones.extend(zone_lines(camera_id, fig))
        for mascot_id, m in sorted(fig.mascots.items()):
            mascots.append(MascotLine(camera_id, mascot_id, m.visible_samples / m.samples if m.samples else None,
                                      m.engagements,
                                      m.dwell_median_x_engagements / m.engagements if m.engagements else None))
    return Report(store_id, tz, start, end, sum(c.in_count for c in cameras), sum(c.out_count for c in cameras),
                  windows, lines, sum(c.windows for c in cameras), sum(c.frames for c in cameras), days,
                  tuple(cameras), tuple(zones), tuple(mascots))


def _span(db: sqlite_utils.Database, store_id: str) -> tuple[datetime, datetime] | None:
    """Whole UTC hours covering every window of the store (from the cameras' catalogue)."""
    first, last = db.execute("SELECT MIN(first_window), MAX(last_window_end) FROM cameras WHERE store_id = ?",
                             [store_id]).fetchone()
    if first is None:
        return None
    lo = parse_iso_z(first).replace(minute=0, second=0, microsecond=0)
    hi = parse_iso_z(last)
    hi = hi if hi == hi.replace(minute=0, second=0, microsecond=0) else \
        hi.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return lo, hi


def build_report(db: sqlite_utils.Database, store_id: str, start: datetime | None, end: datetime | None,
                 tz: str | None = None, with_windows: bool = True, now: datetime | None = None) -> Report:
    """Read one store's figures for [start, end) (None: from its first / to its last window).

    Args:
        tz: the zone of the report's days for a store without its own (default: the hub's).
        with_windows: list the raw windows (kept for the retention period) whose start is in range.
        now: the current time, for a store model's day that is not over (None: its end counts as now).
    """
    zone = store_tz_name(db, store_id, tz)
    span = _span(db, store_id)
    figures: dict = {}
    if span is not None:
        lo = start if start is not None else span[0]
        hi = end if end is not None else max(span[1], lo)
        if lo < hi:
            figures = figures_by_day(db, store_id, lo, hi, ZoneInfo(zone), zone == store_tz_name(db, store_id))
    windows: tuple[WindowLine, ...] = ()
    if with_windows:
        where, params = ["store_id = ?"], [store_id]
        if start is not None:
            where.append("start >= ?")
            params.append(iso_z(start))
        if end is not None:
            where.append("start < ?")
            params.append(iso_z(end))
        windows = tuple(WindowLine(*r) for r in db.execute(
            "SELECT start, end, camera_id, in_count, out_count, frames, json_extract(payload, '$.seen_s') "
            f"FROM windows WHERE {' AND '.join(where)} "
            "ORDER BY start, camera_id", params))
    report = assemble_report(store_id, zone, start, end, figures, windows)
    model = get_model(db, store_id)
    if model is not None and span is not None:
        from dataclasses import replace

        from hub.occupancy.daily import store_day_figures

        lo = (start or span[0]).astimezone(model.zone).date()
        hi = ((end or span[1]) - timedelta(microseconds=1)).astimezone(model.zone).date()
        now = now or datetime.max.replace(tzinfo=UTC)
        days = [lo + timedelta(days=n) for n in range((hi - lo).days + 1)] if hi >= lo else []
        report = replace(report, store_days=tuple(store_day_figures(db, model, d, now) for d in days[-3700:]))
    return report


def local_day_range(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the store-local days first..last (both included)."""
    from hub.store.rollups import day_bounds

    zone = ZoneInfo(tz)
    return day_bounds(first, zone)[0], day_bounds(last, zone)[1]

