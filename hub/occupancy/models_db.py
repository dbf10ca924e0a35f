"""Store models in the hub database, and the figures of store days whose raw windows were pruned.

    store_models      store_id → the model (JSON in the file's shape), updated_at
    occupancy_days    (store_id, day, camera_id, line_id) → in, out over the store day (reset to
                      reset), kept when prune deletes the raw windows: the imbalance of old days
                      stays, while days still in the raw windows are always summed from them

Putting a model also sets the store's time zone (its day rollups are rebuilt when it changed) and
display name, so the rollups, the reports and the model agree on what a day is.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime

import sqlite_utils

from edge.windows.clock import iso_z
from hub.occupancy.model import StoreModel, model_to_dict, parse_store_model
from hub.store.rollups import rebuild_days
from hub.store.stores import put_store, store_tz_name

__all__ = ["create_occupancy_tables", "put_model", "put_models", "get_model", "all_models", "frozen_days",
           "freeze_days"]


def create_occupancy_tables(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS store_models (store_id TEXT PRIMARY KEY, model TEXT NOT NULL, "
               "updated_at TEXT NOT NULL)")
    db.execute("CREATE TABLE IF NOT EXISTS occupancy_days (store_id TEXT NOT NULL, day TEXT NOT NULL, "
               "camera_id TEXT NOT NULL, line_id TEXT NOT NULL, in_count INTEGER NOT NULL, out_count INTEGER NOT NULL, "
               "PRIMARY KEY (store_id, day, camera_id, line_id)) WITHOUT ROWID")


def _put(db: sqlite_utils.Database, model: StoreModel, stamp: str) -> int:
    had_tz = store_tz_name(db, model.store_id)
    own = db.execute("SELECT tz FROM stores WHERE store_id = ?", [model.store_id]).fetchone()
    put_store(db, model.store_id, tz=model.tz, name=model.name)
    db.execute("INSERT INTO store_models (store_id, model, updated_at) VALUES (?, ?, ?) ON CONFLICT(store_id) "
               "DO UPDATE SET model = excluded.model, updated_at = excluded.updated_at",
               [model.store_id, json.dumps(model_to_dict(model), sort_keys=True), stamp])
    if had_tz != model.tz or own is None or own[0] != model.tz:
        return rebuild_days(db, model.store_id)
    return 0


def put_model(db: sqlite_utils.Database, model: StoreModel, now: datetime | None = None) -> int:
    """Store (replace) one store's model in one transaction. Returns the day rollups rebuilt."""
    create_occupancy_tables(db)
    with db.conn:
        return _put(db, model, iso_z(now or datetime.now(UTC)))


def put_models(db: sqlite_utils.Database, models: dict[str, StoreModel], now: datetime | None = None) -> int:
    """Store several models at once (a loaded file): all or none. Returns the day rollups rebuilt."""
    create_occupancy_tables(db)
    stamp = iso_z(now or datetime.now(UTC))
    with db.conn:
        return sum(_put(db, m, stamp) for m in models.values())


def get_model(db: sqlite_utils.Database, store_id: str) -> StoreModel | None:
    """The store's model, or None when it has none (or the database predates models)."""
    try:
        row = db.execute("SELECT model FROM store_models WHERE store_id = ?", [store_id]).fetchone()
    except sqlite3.OperationalError:
        return None
    return parse_store_model(store_id, json.loads(row[0]), f"stored model of {store_id}") if row else None


def all_models(db: sqlite_utils.Database) -> dict[str, StoreModel]:
    try:
        rows = db.execute("SELECT store_id, model FROM store_models ORDER BY store_id").fetchall()
    except sqlite3.OperationalError:
        return {}
    return {sid: parse_store_model(sid, json.loads(doc), f"stored model of {sid}") for sid, doc in rows}


def frozen_days(db: sqlite_utils.Database, store_id: str, days: list[date]) -> dict[date, dict]:
    """day → {(camera_id, line_id): (in, out)} of store days kept by freeze_days."""
    if not days:
        return {}
    try:
        rows = db.execute(
            f"SELECT day, camera_id, line_id, in_count, out_count FROM occupancy_days WHERE store_id = ? AND day IN "
            f"({','.join('?' * len(days))})", [store_id, *(d.isoformat() for d in days)]).fetchall()
    except sqlite3.OperationalError:
        return {}
    out: dict[date, dict] = {}
    for day, cam, line, i, o in rows:
        out.setdefault(date.fromisoformat(day), {})[(cam, line)] = (i, o)
    return out


def freeze_days(db: sqlite_utils.Database, cutoff: datetime) -> int:
    """Keep the line totals of every modelled store day whose windows start before `cutoff`
    (prune calls this before deleting them). Days already kept are summed again only while
    their windows are complete. Returns the store days written."""
    from hub.occupancy.days import store_day

    create_occupancy_tables(db)
    written = 0
    pruned_before = db.execute("SELECT value FROM hub_settings WHERE key = 'raw_pruned_before'").fetchone()
    for model in all_models(db).values():
        first = db.execute("SELECT MIN(start) FROM windows WHERE store_id = ?", [model.store_id]).fetchone()[0]
        if first is None:
            continue
        day = datetime.fromisoformat(first.replace("Z", "+00:00")).astimezone(model.zone).date()
        while True:
            sd = store_day(model, day)
            if sd.start >= cutoff:
                break
            if pruned_before is None or iso_z(sd.start) >= pruned_before[0]:  # its windows are all still there
                rows = db.execute(
                    "SELECT camera_id, line_id, SUM(in_count), SUM(out_count) FROM window_lines WHERE store_id = ? "
                    "AND start >= ? AND start < ? GROUP BY camera_id, line_id",
                    [model.store_id, iso_z(sd.start), iso_z(sd.reset)]).fetchall()
                with db.conn:
                    db.execute("DELETE FROM occupancy_days WHERE store_id = ? AND day = ?",
                               [model.store_id, day.isoformat()])
                    db.conn.executemany("INSERT INTO occupancy_days VALUES (?, ?, ?, ?, ?, ?)",
                                        [[model.store_id, day.isoformat(), *r] for r in rows])
                written += 1
            day = date.fromordinal(day.toordinal() + 1)
    return written
