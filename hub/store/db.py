"""Open the hub database (SQLite, WAL) and create its tables. The one place that knows the schema.

    windows         one row per (store, camera, window): message_id is the primary key, so a
                    re-sent window replaces its row
    window_lines    per line in/out of each window
    window_zones    per zone occupancy/entries/dwell of each window
    dead_letters    every rejected message with its reason
    agents          each agent's status (online/offline, since, last seen, last heartbeat)
    camera_configs  the last config-status of each camera: applied / rejected (with errors)
    alerts          alert messages from agents (e.g. a mascot not seen), one row per message id
    rollup_*, cameras, stores, hub_settings: see hub/store/rollups.py and hub/store/stores.py
    store_models, occupancy_days: see hub/occupancy/models_db.py
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import sqlite_utils

from hub.errors import StoreError
from hub.occupancy.models_db import create_occupancy_tables
from hub.store.rollups import create_rollup_tables

__all__ = ["open_db", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1


def open_db(path: str | Path, create: bool = True) -> sqlite_utils.Database:
    """Open (and with create=True, create) the hub database.

    Raises:
        StoreError: the file cannot be opened, or (create=False) holds no hub tables.
    """
    path = Path(path)
    if not create and not path.is_file():
        raise StoreError(f"no hub database at {path}: start `retail-hub serve --db {path}` first")
    # Several hub workers may start at once on a new file: switching to WAL and creating the
    # tables take write locks that SQLite refuses at once (no busy wait) when another process
    # holds them, so a "locked" answer is retried for a while before it counts as an error.
    deadline = time.monotonic() + 30
    while True:
        try:
            return _open(path, create)
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise StoreError(f"cannot open hub database {path}: {e}") from e
            time.sleep(0.05)
        except (sqlite3.Error, OSError) as e:
            raise StoreError(f"cannot open hub database {path}: {e}") from e


def _open(path: Path, create: bool) -> sqlite_utils.Database:
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    try:
        db = sqlite_utils.Database(conn)
        db.enable_wal()
        conn.execute("PRAGMA synchronous=NORMAL")
        if create:
            conn.execute("BEGIN IMMEDIATE")  # one creator at a time; the others wait (busy timeout)
            _create_tables(db)
        elif "windows" not in db.table_names():
            raise StoreError(f"{path} is not a hub database (no windows table)")
    except BaseException:
        conn.close()
        raise
    return db


def _create_tables(db: sqlite_utils.Database) -> None:
    with db.conn:
        db["windows"].create(
            {"message_id": str, "store_id": str, "camera_id": str, "agent_id": str, "start": str, "end": str,
             "frames": int, "in_count": int, "out_count": int, "payload": str, "received_at": str},
            pk="message_id", if_not_exists=True,
        )
        db["window_lines"].create(
            {"message_id": str, "store_id": str, "camera_id": str, "start": str, "line_id": str,
             "in_count": int, "out_count": int},
            pk=("message_id", "line_id"), if_not_exists=True,
        )
        db["window_zones"].create(
            {"message_id": str, "store_id": str, "camera_id": str, "start": str, "zone_id": str,
             "occupancy_current": int, "occupancy_max": int, "occupancy_mean": float, "entries": int,
             "dwell_visits": int, "dwell_median_s": float, "dwell_counts": str, "dwell_edges_s": str},
            pk=("message_id", "zone_id"), if_not_exists=True,
        )
        db["dead_letters"].create(
            {"id": int, "received_at": str, "topic": str, "reason": str, "payload_excerpt": str, "size": int},
            pk="id", if_not_exists=True,
        )
        db["agents"].create(
            {"store_id": str, "agent_id": str, "state": str, "since": str, "last_seen": str, "heartbeat": str},
            pk=("store_id", "agent_id"), if_not_exists=True,
        )
        db["alerts"].create(
            {"message_id": str, "store_id": str, "camera_id": str, "kind": str, "mascot_id": str, "message": str,
             "raised_at": str},
            pk="message_id", if_not_exists=True,
        )
        db["alerts"].create_index(["store_id", "raised_at"], if_not_exists=True)
        db["camera_configs"].create(
            {"store_id": str, "camera_id": str, "agent_id": str, "state": str, "config_sha256": str, "errors": str,
             "at": str, "received_at": str},
            pk=("store_id", "camera_id"), if_not_exists=True,
        )
        db["windows"].create_index(["store_id", "start"], if_not_exists=True)
        db["window_lines"].create_index(["store_id", "start"], if_not_exists=True)
        db["window_zones"].create_index(["store_id", "start"], if_not_exists=True)
        db["dead_letters"].create_index(["received_at"], if_not_exists=True)
    create_rollup_tables(db)
    create_occupancy_tables(db)
