"""Store metadata (each store's IANA time zone and display name) and hub-wide settings.

    stores         store_id → tz, name: set with `retail-hub stores set-tz STORE ZONE`
    hub_settings   key → value: default_tz (from `serve --tz`), raw_pruned_before (prune's mark)

A store without its own zone uses the hub's default, and the hub's default is UTC until
`retail-hub serve --tz ZONE` sets it. Reports and the dashboard show store-local time.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlite_utils

from edge.protocol.topics import is_valid_id
from edge.windows.clock import iso_z
from hub.errors import ConfigError

__all__ = [
    "create_store_tables", "parse_tz", "get_setting", "set_setting", "default_tz_name", "store_tz_name",
    "store_tz", "store_names", "put_store", "stores_with_default_tz",
]


def create_store_tables(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS stores (store_id TEXT PRIMARY KEY, tz TEXT, name TEXT, updated_at TEXT)")
    db.execute("CREATE TABLE IF NOT EXISTS hub_settings (key TEXT PRIMARY KEY, value TEXT)")


def parse_tz(name: str, field_name: str = "time zone") -> str:
    """The IANA zone name, checked. Raises ConfigError naming the field and an example."""
    try:
        if not name or name != name.strip() or "." in name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(f"{field_name}: {name!r} is not an IANA time zone; use a name like Europe/Berlin "
                          "or UTC") from None
    return name


def get_setting(db: sqlite_utils.Database, key: str) -> str | None:
    try:
        row = db.execute("SELECT value FROM hub_settings WHERE key = ?", [key]).fetchone()
    except sqlite3.OperationalError:  # an old database without the table: nothing set
        return None
    return row[0] if row else None


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute("INSERT INTO hub_settings (key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])


def default_tz_name(db: sqlite_utils.Database) -> str:
    return get_setting(db, "default_tz") or "UTC"


def store_tz_name(db: sqlite_utils.Database, store_id: str, fallback: str | None = None) -> str:
    """The store's own zone, else `fallback`, else the hub's default, else UTC."""
    try:
        row = db.execute("SELECT tz FROM stores WHERE store_id = ?", [store_id]).fetchone()
    except sqlite3.OperationalError:
        row = None
    if row and row[0]:
        return row[0]
    return fallback or default_tz_name(db)


def store_tz(db: sqlite_utils.Database, store_id: str, fallback: str | None = None) -> ZoneInfo:
    return ZoneInfo(store_tz_name(db, store_id, fallback))


def store_names(db: sqlite_utils.Database) -> dict[str, str]:
    try:
        return {sid: name for sid, name in db.execute("SELECT store_id, name FROM stores WHERE name IS NOT NULL")}
    except sqlite3.OperationalError:
        return {}


def stores_with_default_tz(db: sqlite_utils.Database, store_ids: list[str]) -> list[str]:
    own = {sid for (sid,) in db.execute("SELECT store_id FROM stores WHERE tz IS NOT NULL")}
    return [s for s in store_ids if s not in own]


def put_store(db: sqlite_utils.Database, store_id: str, tz: str | None = None, name: str | None = None,
              now: datetime | None = None) -> None:
    """Set a store's zone and/or display name (None leaves a field as it is)."""
    if not is_valid_id(store_id):
        raise ConfigError(f"store {store_id!r}: use 1–64 lowercase letters, digits or '-'")
    if tz is not None:
        parse_tz(tz)
    stamp = iso_z(now or datetime.now(UTC))
    db.execute(
        "INSERT INTO stores (store_id, tz, name, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(store_id) DO UPDATE SET "
        "tz = COALESCE(excluded.tz, tz), name = COALESCE(excluded.name, name), updated_at = excluded.updated_at",
        [store_id, tz, name, stamp],
    )
