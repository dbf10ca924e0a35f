"""Reads shared by every view (dashboard, API, reports). Rollups first; raw windows only when needed.

Every function takes the database and plain arguments (UTC datetimes, store-local dates) and
returns plain rows; figures are exact here; small-cell suppression happens where they are shown
(hub/reports/suppress.py). Nothing here reads the clock.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from edge.windows.clock import iso_z, parse_iso_z
from hub.store.figures import Figures, figures_of, merge
from hub.store.rollups import DAY, HOUR, day_bounds, hour_bucket, local_day_of, read_figures
from hub.store.stores import default_tz_name, store_names

__all__ = [
    "StoreRow", "list_stores", "get_store", "camera_rows", "day_figures", "hourly_counts", "hourly_mascots",
    "counts_between", "series", "latest_zone_occupancy", "agent_rows", "alert_rows", "change_token",
    "figures_by_day", "SERIES_METRICS",
]


@dataclass(frozen=True, slots=True)
class StoreRow:
    store_id: str
    name: str
    tz: str
    cameras: int
    first_window: str | None
    last_window_end: str | None
    last_received_at: str | None


def list_stores(db: sqlite_utils.Database) -> list[StoreRow]:
    """Every store seen in a window or configured with `stores set-tz`, by id."""
    default = default_tz_name(db)
    names = store_names(db)
    own = dict(db.execute("SELECT store_id, tz FROM stores WHERE tz IS NOT NULL").fetchall())
    rows = {sid: (n, first, last, rec) for sid, n, first, last, rec in db.execute(
        "SELECT store_id, COUNT(*), MIN(first_window), MAX(last_window_end), MAX(last_received_at) FROM cameras "
        "GROUP BY store_id")}
    ids = sorted(set(rows) | set(own) | set(names) | {s for (s,) in db.execute("SELECT DISTINCT store_id FROM agents")})
    return [StoreRow(sid, names.get(sid, sid), own.get(sid, default), *rows.get(sid, (0, None, None, None)))
            for sid in ids]


def get_store(db: sqlite_utils.Database, store_id: str) -> StoreRow | None:
    return next((s for s in list_stores(db) if s.store_id == store_id), None)


def camera_rows(db: sqlite_utils.Database, store_id: str) -> list[dict]:
    cols = ("camera_id", "agent_id", "window_s", "first_window", "last_window_end", "last_received_at")
    return [dict(zip(cols, r, strict=True)) for r in db.execute(
        f"SELECT {', '.join(cols)} FROM cameras WHERE store_id = ? ORDER BY camera_id", [store_id])]


def day_figures(db: sqlite_utils.Database, store_id: str, day: date) -> dict[str, Figures]:
    """camera_id → Figures of one store-local day (the day rollup)."""
    nxt = (day + timedelta(days=1)).isoformat()
    return {cam: fig for (_, cam), fig in read_figures(db, store_id, DAY, day.isoformat(), nxt).items()}


def hourly_counts(db: sqlite_utils.Database, store_id: str, start: datetime, end: datetime,
                  camera_id: str | None = None) -> dict[str, tuple[int, int]]:
    """UTC hour bucket → (in, out) summed over the store's cameras (or one camera)."""
    sql = ("SELECT bucket, SUM(in_count), SUM(out_count) FROM rollup_cameras WHERE store_id = ? AND grain = 'hour' "
           "AND bucket >= ? AND bucket < ?")
    params = [store_id, hour_bucket(start), iso_z(end)]
    if camera_id:
        sql += " AND camera_id = ?"
        params.append(camera_id)
    return {b: (i, o) for b, i, o in db.execute(sql + " GROUP BY bucket", params)}


def counts_between(db: sqlite_utils.Database, store_id: str, start: datetime, end: datetime) -> tuple[int, int]:
    """(in, out) of the UTC hours starting in [start, end)."""
    row = db.execute("SELECT COALESCE(SUM(in_count), 0), COALESCE(SUM(out_count), 0) FROM rollup_cameras "
                     "WHERE store_id = ? AND grain = 'hour' AND bucket >= ? AND bucket < ?",
                     [store_id, hour_bucket(start), iso_z(end)]).fetchone()
    return row[0], row[1]


def hourly_mascots(db: sqlite_utils.Database, store_id: str, start: datetime, end: datetime) -> list[dict]:
    """Per UTC hour and mascot: visible fraction (0–1) and engagements (people)."""
    return [{"bucket": b, "mascot_id": m, "visible_fraction": (vis / samples) if samples else None,
             "engagements": eng}
            for b, m, samples, vis, eng in db.execute(
                "SELECT bucket, mascot_id, SUM(samples), SUM(visible_samples), SUM(engagements) FROM rollup_mascots "
                "WHERE store_id = ? AND grain = 'hour' AND bucket >= ? AND bucket < ? GROUP BY bucket, mascot_id "
                "ORDER BY bucket, mascot_id", [store_id, hour_bucket(start), iso_z(end)])]


# metric → (rollup table, SQL of the value, SQL of the people it derives from, window table, ditto, ditto)
SERIES_METRICS: dict[str, tuple[str, str, str, str | None, str | None, str | None]] = {
    "in": ("rollup_lines", "SUM(in_count)", "SUM(in_count)", "window_lines", "SUM(in_count)", "SUM(in_count)"),
    "out": ("rollup_lines", "SUM(out_count)", "SUM(out_count)", "window_lines", "SUM(out_count)", "SUM(out_count)"),
    "entries": ("rollup_zones", "SUM(entries)", "SUM(entries)", "window_zones", "SUM(entries)", "SUM(entries)"),
    "visits": ("rollup_zones", "SUM(visits)", "SUM(visits)", "window_zones", "SUM(dwell_visits)",
               "SUM(dwell_visits)"),
    "occupancy_max": ("rollup_zones", "MAX(occupancy_max)", "MAX(occupancy_max)", "window_zones",
                      "MAX(occupancy_max)", "MAX(occupancy_max)"),
    "occupancy_mean": ("rollup_zones", "SUM(occupancy_mean_x_s / seconds)", "SUM(entries)", "window_zones",
                       "SUM(occupancy_mean)", "SUM(entries)"),
    "engagements": ("rollup_mascots", "SUM(engagements)", "SUM(engagements)", None, None, None),
    "visible_fraction": ("rollup_mascots", "SUM(visible_samples) / SUM(samples)", "NULL", None, None, None),
}


def series(db: sqlite_utils.Database, store_id: str, metric: str, granularity: str, lo: str, hi: str,
           camera_id: str | None = None, subject_id: str | None = None) -> list[tuple[str, float | None, int | None]]:
    """[(bucket, value, people)] for lo <= bucket < hi, summed over the store's cameras.

    granularity "window": buckets are window starts (UTC), from raw windows; "hour": UTC hours;
    "day": store-local dates. subject_id filters the line, zone or mascot. `people` is the count
    the value derives from (None when it derives from no people), for small-cell suppression.
    """
    table, value, people, wtable, wvalue, wpeople = SERIES_METRICS[metric]
    subject = {"rollup_lines": "line_id", "rollup_zones": "zone_id", "rollup_mascots": "mascot_id"}[table]
    if granularity == "window":
        if wtable is None:
            raise ValueError(f"metric {metric} has no per-window series; use granularity hour or day")
        table, value, people, time_col, where = wtable, wvalue, wpeople, "start", "store_id = ?"
    else:
        time_col, where = "bucket", f"store_id = ? AND grain = '{HOUR if granularity == 'hour' else DAY}'"
    sql = f"SELECT {time_col}, {value}, {people} FROM {table} WHERE {where} AND {time_col} >= ? AND {time_col} < ?"
    params: list = [store_id, lo, hi]
    if camera_id:
        sql += " AND camera_id = ?"
        params.append(camera_id)
    if subject_id:
        sql += f" AND {subject} = ?"
        params.append(subject_id)
    return [(t, v, p) for t, v, p in db.execute(f"{sql} GROUP BY {time_col} ORDER BY {time_col}", params)]


def latest_zone_occupancy(db: sqlite_utils.Database, store_id: str, since: datetime) -> list[dict]:
    """Each zone's occupancy in its latest window starting at or after `since` (people)."""
    rows = db.execute(
        "SELECT camera_id, zone_id, MAX(start), occupancy_current FROM window_zones WHERE store_id = ? AND start >= ? "
        "GROUP BY camera_id, zone_id ORDER BY camera_id, zone_id", [store_id, iso_z(since)]).fetchall()
    return [{"camera_id": c, "zone_id": z, "as_of": s, "current": n} for c, z, s, n in rows]


def agent_rows(db: sqlite_utils.Database, store_id: str | None = None) -> list[dict]:
    sql = "SELECT store_id, agent_id, state, since, last_seen, heartbeat FROM agents"
    rows = db.execute(sql + (" WHERE store_id = ?" if store_id else "") + " ORDER BY store_id, agent_id",
                      [store_id] if store_id else []).fetchall()
    out = []
    for sid, agent_id, state, since, last_seen, heartbeat in rows:
        try:
            beat = json.loads(heartbeat) if heartbeat else {}
        except json.JSONDecodeError:
            beat = {}
        out.append({"store_id": sid, "agent_id": agent_id, "state": state, "since": since, "last_seen": last_seen,
                    "heartbeat": beat if isinstance(beat, dict) else {}})
    return out


def alert_rows(db: sqlite_utils.Database, store_id: str | None, since: datetime | None, limit: int) -> list[dict]:
    where, params = [], []
    if store_id:
        where.append("store_id = ?")
        params.append(store_id)
    if since:
        where.append("raised_at >= ?")
        params.append(iso_z(since))
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    cols = ("message_id", "store_id", "camera_id", "kind", "mascot_id", "message", "raised_at")
    try:
        rows = db.execute(f"SELECT {', '.join(cols)} FROM alerts {clause} ORDER BY raised_at DESC LIMIT ?",
                          [*params, limit]).fetchall()
    except sqlite3.OperationalError:  # a database from before the alerts table
        return []
    return [dict(zip(cols, r, strict=True)) for r in rows]


def change_token(db: sqlite_utils.Database, store_id: str | None = None) -> str:
    """Changes whenever a window, heartbeat or alert of the store (or any store) arrives."""
    where, params = (" WHERE store_id = ?", [store_id]) if store_id else ("", [])
    parts = [db.execute(f"SELECT MAX(last_received_at) FROM cameras{where}", params).fetchone()[0],
             db.execute(f"SELECT MAX(last_seen) FROM agents{where}", params).fetchone()[0]]
    try:
        parts.append(db.execute(f"SELECT COUNT(*) FROM alerts{where}", params).fetchone()[0])
    except sqlite3.OperationalError:
        pass
    return "|".join(str(p or "") for p in parts)


def figures_by_day(db: sqlite_utils.Database, store_id: str, start: datetime, end: datetime, tz: ZoneInfo,
                   tz_matches_rollups: bool) -> dict[tuple[date, str], Figures]:
    """(store-local date, camera_id) → Figures of [start, end), from the coarsest data that is exact.

    Whole local days in the store's own zone: the day rollups. Whole UTC hours: the hour rollups.
    Anything finer: the raw windows (kept for the retention period only).
    """
    lo_local, hi_local = start.astimezone(tz), end.astimezone(tz)
    is_days = lo_local.time() == hi_local.time() == datetime.min.time() and \
        day_bounds(lo_local.date(), tz)[0] == start
    if is_days and tz_matches_rollups:
        rows = read_figures(db, store_id, DAY, lo_local.date().isoformat(), hi_local.date().isoformat())
        return {(date.fromisoformat(b), cam): f for (b, cam), f in rows.items()}
    out: dict[tuple[date, str], list[Figures]] = defaultdict(list)
    if start.minute == start.second == end.minute == end.second == 0 and not start.microsecond | end.microsecond:
        for (bucket, cam), fig in read_figures(db, store_id, HOUR, hour_bucket(start), iso_z(end)).items():
            out[(local_day_of(bucket, tz), cam)].append(fig)
    else:
        payloads: dict[tuple[date, str], list[dict]] = defaultdict(list)
        for cam, s, payload in db.execute(
                "SELECT camera_id, start, payload FROM windows WHERE store_id = ? AND start >= ? AND start < ?",
                [store_id, iso_z(start), iso_z(end)]):
            payloads[(parse_iso_z(s).astimezone(tz).date(), cam)].append(json.loads(payload))
        return {key: figures_of(p) for key, p in payloads.items()}
    return {key: merge(figs) for key, figs in out.items()}
