"""Hourly and daily rollups per store, camera, line, zone, heatmap grid and mascot.

Maintained by the writer inside the transaction that stores the windows, so a committed window
is always in its rollups:

    write_batch ─▶ windows rows ─▶ update_rollups: for each (store, camera, UTC hour) touched,
                                   recompute the hour from its windows, then recompute the
                                   store-local day holding that hour from its hours

Recomputing (rather than adding) makes late and re-sent windows exact: a re-sent window has
replaced its row before the hour is summed again, and an occupancy maximum stays a maximum.

Retention: prune deletes raw windows before a whole UTC day and records it as
`raw_pruned_before`. Hours before that mark are final: a window arriving for them is stored
raw (until the next prune) but never changes a rollup, since its hour can no longer be summed
from complete data. Days are always summed from hours, never from windows.

Buckets: an hour is "YYYY-MM-DDTHH:00:00Z" (UTC); a day is the store-local date "YYYY-MM-DD",
and holds the UTC hours whose start falls on that local date (exact for zones with whole-hour
offsets; for :30/:45 zones, the hour straddling midnight goes to the day it starts in).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from edge.windows.clock import iso_z, parse_iso_z
from hub.store.figures import Figures, MascotFigures, ZoneFigures, figures_of, merge
from hub.store.stores import (
    create_store_tables,
    default_tz_name,
    get_setting,
    parse_tz,
    put_store,
    set_setting,
    store_tz,
    stores_with_default_tz,
)

__all__ = [
    "create_rollup_tables", "update_rollups", "write_bucket", "read_figures", "recompute_day", "rebuild_days",
    "rebuild_from_windows", "set_store_tz", "set_default_tz", "hour_bucket", "day_bounds", "local_day_of",
    "HOUR", "DAY",
]

HOUR, DAY = "hour", "day"
ROLLUP_TABLES = ("rollup_cameras", "rollup_lines", "rollup_zones", "rollup_heatmaps", "rollup_mascots")

_DDL = """
CREATE TABLE IF NOT EXISTS rollup_cameras (
  store_id TEXT NOT NULL, grain TEXT NOT NULL, bucket TEXT NOT NULL, camera_id TEXT NOT NULL,
  windows INTEGER NOT NULL, seconds REAL NOT NULL, frames INTEGER NOT NULL,
  in_count INTEGER NOT NULL, out_count INTEGER NOT NULL,
  PRIMARY KEY (store_id, grain, bucket, camera_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_lines (
  store_id TEXT NOT NULL, grain TEXT NOT NULL, bucket TEXT NOT NULL, camera_id TEXT NOT NULL,
  line_id TEXT NOT NULL, in_count INTEGER NOT NULL, out_count INTEGER NOT NULL,
  PRIMARY KEY (store_id, grain, bucket, camera_id, line_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_zones (
  store_id TEXT NOT NULL, grain TEXT NOT NULL, bucket TEXT NOT NULL, camera_id TEXT NOT NULL,
  zone_id TEXT NOT NULL, windows INTEGER NOT NULL, seconds REAL NOT NULL, entries INTEGER NOT NULL,
  visits INTEGER NOT NULL, occupancy_max INTEGER NOT NULL, occupancy_mean_x_s REAL NOT NULL,
  dwell_median_x_visits REAL NOT NULL, dwell_hist TEXT NOT NULL,
  PRIMARY KEY (store_id, grain, bucket, camera_id, zone_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_heatmaps (
  store_id TEXT NOT NULL, grain TEXT NOT NULL, bucket TEXT NOT NULL, camera_id TEXT NOT NULL,
  cols INTEGER NOT NULL, rows INTEGER NOT NULL, person_seconds TEXT NOT NULL,
  PRIMARY KEY (store_id, grain, bucket, camera_id, cols, rows)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_mascots (
  store_id TEXT NOT NULL, grain TEXT NOT NULL, bucket TEXT NOT NULL, camera_id TEXT NOT NULL,
  mascot_id TEXT NOT NULL, windows INTEGER NOT NULL, samples INTEGER NOT NULL, visible_samples REAL NOT NULL,
  engagements INTEGER NOT NULL, dwell_median_x_engagements REAL NOT NULL,
  PRIMARY KEY (store_id, grain, bucket, camera_id, mascot_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS windows_store_camera_start ON windows (store_id, camera_id, start);
CREATE TABLE IF NOT EXISTS cameras (
  store_id TEXT NOT NULL, camera_id TEXT NOT NULL, agent_id TEXT, window_s REAL,
  first_window TEXT, last_window_end TEXT, last_received_at TEXT,
  PRIMARY KEY (store_id, camera_id)) WITHOUT ROWID;
"""


def create_rollup_tables(db: sqlite_utils.Database) -> None:
    """Create the rollup tables; on a database that has windows but no rollups yet, fill them."""
    create_store_tables(db)
    is_new = "rollup_cameras" not in db.table_names()
    db.conn.executescript(_DDL)
    if is_new and "windows" in db.table_names() and db.execute("SELECT 1 FROM windows LIMIT 1").fetchone():
        with db.conn:
            rebuild_from_windows(db)


# ---- buckets -------------------------------------------------------------------------------

def hour_bucket(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a store-local day (23 or 25 hours long on DST changes)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def local_day_of(hour: str, tz: ZoneInfo) -> date:
    return parse_iso_z(hour).astimezone(tz).date()


# ---- the writer's hook ---------------------------------------------------------------------

def update_rollups(db: sqlite_utils.Database, rows: Sequence, received: str) -> None:
    """Bring the rollups up to date with windows just written (call inside the writer's transaction).

    Args:
        rows: the MetricRow objects of the batch (store_id, camera_id, agent_id, start, end).
        received: when the batch arrived (ISO 8601 UTC), for the cameras' last-seen.

    An hour whose rollup counted every window it had before this batch, and whose windows are
    now exactly those plus the batch's, only gained new windows: their figures are added. Any
    other hour (a window was re-sent, so it replaced one) is summed again from its windows.
    """
    if not rows:
        return
    pruned_before = get_setting(db, "raw_pruned_before")
    hours: dict[tuple[str, str, str], dict[str, object]] = defaultdict(dict)
    for row in rows:  # the last copy of a window in the batch is the one stored
        hour = hour_bucket(row.start)
        if pruned_before is None or hour >= pruned_before:
            hours[(row.store_id, row.camera_id, hour)][row.message_id] = row
    _touch_cameras(db, rows, received)
    days: set[tuple[str, str, date]] = set()
    zones: dict[str, ZoneInfo] = {}
    for (store_id, camera_id, hour), batch in sorted(hours.items()):
        _update_hour(db, store_id, camera_id, hour, list(batch.values()))
        tz = zones.setdefault(store_id, store_tz(db, store_id))
        days.add((store_id, camera_id, local_day_of(hour, tz)))
    for store_id, camera_id, day in sorted(days):
        recompute_day(db, store_id, camera_id, day, zones[store_id])


def _update_hour(db: sqlite_utils.Database, store_id: str, camera_id: str, hour: str, batch: list) -> None:
    end = iso_z(parse_iso_z(hour) + timedelta(hours=1))
    (stored,) = db.execute("SELECT COUNT(*) FROM windows WHERE store_id = ? AND camera_id = ? AND start >= ? "
                           "AND start < ?", [store_id, camera_id, hour, end]).fetchone()
    before = read_figures(db, store_id, HOUR, hour, end, camera_id).get((hour, camera_id), Figures())
    if stored == before.windows + len(batch):
        write_bucket(db, store_id, camera_id, HOUR, hour, merge([before, figures_of(r.payload for r in batch)]))
    else:
        recompute_hour(db, store_id, camera_id, hour)


def _touch_cameras(db: sqlite_utils.Database, rows: Sequence, received: str) -> None:
    first: dict[tuple[str, str], object] = {}
    latest: dict[tuple[str, str], object] = {}
    for row in rows:
        key = (row.store_id, row.camera_id)
        if key not in latest or row.end > latest[key].end:
            latest[key] = row
        if key not in first or row.start < first[key].start:
            first[key] = row
    for (store_id, camera_id), row in latest.items():
        db.execute(
            "INSERT INTO cameras (store_id, camera_id, agent_id, window_s, first_window, last_window_end, "
            "last_received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(store_id, camera_id) DO UPDATE SET "
            "agent_id = excluded.agent_id, window_s = excluded.window_s, "
            "first_window = MIN(first_window, excluded.first_window), "
            "last_window_end = MAX(last_window_end, excluded.last_window_end), "
            "last_received_at = excluded.last_received_at",
            [store_id, camera_id, row.agent_id, (row.end - row.start).total_seconds(),
             iso_z(first[(store_id, camera_id)].start), iso_z(row.end), received],
        )


def recompute_hour(db: sqlite_utils.Database, store_id: str, camera_id: str, hour: str) -> None:
    """Sum one camera's windows starting in one UTC hour into its hour rollup."""
    end = iso_z(parse_iso_z(hour) + timedelta(hours=1))
    payloads = (json.loads(p) for (p,) in db.execute(
        "SELECT payload FROM windows WHERE store_id = ? AND camera_id = ? AND start >= ? AND start < ?",
        [store_id, camera_id, hour, end]))
    write_bucket(db, store_id, camera_id, HOUR, hour, figures_of(payloads))


def recompute_day(db: sqlite_utils.Database, store_id: str, camera_id: str, day: date, tz: ZoneInfo) -> None:
    """Sum one camera's hour rollups of one store-local day into its day rollup."""
    start, end = day_bounds(day, tz)
    hours = read_figures(db, store_id, HOUR, hour_bucket(start), hour_bucket(end), camera_id)
    write_bucket(db, store_id, camera_id, DAY, day.isoformat(), merge(hours.values()))


def rebuild_days(db: sqlite_utils.Database, store_id: str) -> int:
    """Rebuild every day rollup of a store from its hours (after its time zone changed). Returns days."""
    tz = store_tz(db, store_id)
    for table in ROLLUP_TABLES:
        db.execute(f"DELETE FROM {table} WHERE store_id = ? AND grain = ?", [store_id, DAY])
    groups: dict[tuple[str, date], list[Figures]] = defaultdict(list)
    for (bucket, camera_id), fig in read_figures(db, store_id, HOUR, "", "~").items():
        groups[(camera_id, local_day_of(bucket, tz))].append(fig)
    for (camera_id, day), figs in groups.items():
        write_bucket(db, store_id, camera_id, DAY, day.isoformat(), merge(figs))
    return len({day for _, day in groups})


def set_store_tz(db: sqlite_utils.Database, store_id: str, tz: str) -> int:
    """Give a store its own time zone and rebuild its days in it (one transaction). Returns days."""
    with db.conn:
        put_store(db, store_id, tz=tz)
        return rebuild_days(db, store_id)


def set_default_tz(db: sqlite_utils.Database, tz: str) -> int:
    """Set the hub's default zone; rebuild the days of stores that use it when it changed. Returns days."""
    parse_tz(tz, "--tz")
    if default_tz_name(db) == tz and get_setting(db, "default_tz") is not None:
        return 0
    with db.conn:
        set_setting(db, "default_tz", tz)
        stores = [s for (s,) in db.execute("SELECT DISTINCT store_id FROM cameras")]
        return sum(rebuild_days(db, s) for s in stores_with_default_tz(db, stores))


def rebuild_from_windows(db: sqlite_utils.Database) -> int:
    """Recompute every hour (after the retention mark) and day from the raw windows. Returns hours."""
    pruned_before = get_setting(db, "raw_pruned_before") or ""
    keys = db.execute("SELECT DISTINCT store_id, camera_id, substr(start, 1, 13) || ':00:00Z' FROM windows "
                      "WHERE start >= ?", [pruned_before]).fetchall()
    zones: dict[str, ZoneInfo] = {}
    days = set()
    for store_id, camera_id, hour in keys:
        recompute_hour(db, store_id, camera_id, hour)
        tz = zones.setdefault(store_id, store_tz(db, store_id))
        days.add((store_id, camera_id, local_day_of(hour, tz)))
    for store_id, camera_id, day in sorted(days):
        recompute_day(db, store_id, camera_id, day, zones[store_id])
    for store_id, camera_id, first, last in db.execute(
            "SELECT store_id, camera_id, MIN(start), MAX(end) FROM windows GROUP BY store_id, camera_id").fetchall():
        db.execute("INSERT OR IGNORE INTO cameras (store_id, camera_id, first_window, last_window_end) "
                   "VALUES (?, ?, ?, ?)", [store_id, camera_id, first, last])
    return len(keys)


# ---- Figures ⇄ rows ------------------------------------------------------------------------

def _key(value: float) -> str:
    return f"{value:g}"


def write_bucket(db: sqlite_utils.Database, store_id: str, camera_id: str, grain: str, bucket: str,
                 fig: Figures) -> None:
    """Replace one camera's rows of one bucket with `fig` (an empty fig removes them)."""
    key = [store_id, grain, bucket, camera_id]
    for table in ROLLUP_TABLES:
        db.execute(f"DELETE FROM {table} WHERE store_id = ? AND grain = ? AND bucket = ? AND camera_id = ?", key)
    if fig.is_empty():
        return
    db.execute("INSERT INTO rollup_cameras VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [*key, fig.windows, fig.seconds, fig.frames, fig.in_count, fig.out_count])
    if fig.lines:
        db.conn.executemany("INSERT INTO rollup_lines VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [[*key, line_id, i, o] for line_id, (i, o) in fig.lines.items()])
    if fig.zones:
        db.conn.executemany(
            "INSERT INTO rollup_zones VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[*key, zone_id, z.windows, z.seconds, z.entries, z.visits, z.occupancy_max, z.occupancy_mean_x_s,
              z.dwell_median_x_visits, json.dumps({_key(k): v for k, v in sorted(z.dwell_hist.items())})]
             for zone_id, z in fig.zones.items()])
    if fig.heatmaps:
        db.conn.executemany("INSERT INTO rollup_heatmaps VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [[*key, cols, rows, json.dumps([round(v, 3) for v in cells])]
                             for (cols, rows), cells in fig.heatmaps.items()])
    if fig.mascots:
        db.conn.executemany(
            "INSERT INTO rollup_mascots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[*key, mascot_id, m.windows, m.samples, m.visible_samples, m.engagements, m.dwell_median_x_engagements]
             for mascot_id, m in fig.mascots.items()])


def read_figures(db: sqlite_utils.Database, store_id: str, grain: str, lo: str, hi: str,
                 camera_id: str | None = None) -> dict[tuple[str, str], Figures]:
    """Rollup rows with lo <= bucket < hi, as {(bucket, camera_id): Figures}."""
    where = "store_id = ? AND grain = ? AND bucket >= ? AND bucket < ?"
    params: list = [store_id, grain, lo, hi]
    if camera_id is not None:
        where += " AND camera_id = ?"
        params.append(camera_id)
    out: dict[tuple[str, str], Figures] = {}
    for bucket, cam, windows, seconds, frames, i, o in db.execute(
            f"SELECT bucket, camera_id, windows, seconds, frames, in_count, out_count FROM rollup_cameras "
            f"WHERE {where}", params):
        out[(bucket, cam)] = Figures(windows, seconds, frames, i, o)
    for bucket, cam, line_id, i, o in db.execute(
            f"SELECT bucket, camera_id, line_id, in_count, out_count FROM rollup_lines WHERE {where}", params):
        out.setdefault((bucket, cam), Figures()).lines[line_id] = [i, o]
    for bucket, cam, zone_id, *z, hist in db.execute(
            f"SELECT bucket, camera_id, zone_id, windows, seconds, entries, visits, occupancy_max, "
            f"occupancy_mean_x_s, dwell_median_x_visits, dwell_hist FROM rollup_zones WHERE {where}", params):
        out.setdefault((bucket, cam), Figures()).zones[zone_id] = ZoneFigures(
            *z, dwell_hist={float(k): v for k, v in json.loads(hist).items()})
    for bucket, cam, cols, rows, cells in db.execute(
            f"SELECT bucket, camera_id, cols, rows, person_seconds FROM rollup_heatmaps WHERE {where}", params):
        out.setdefault((bucket, cam), Figures()).heatmaps[(cols, rows)] = json.loads(cells)
    for bucket, cam, mascot_id, *m in db.execute(
            f"SELECT bucket, camera_id, mascot_id, windows, samples, visible_samples, engagements, "
            f"dwell_median_x_engagements FROM rollup_mascots WHERE {where}", params):
        out.setdefault((bucket, cam), Figures()).mascots[mascot_id] = MascotFigures(*m)
    return out
