"""Retention: raw windows (and dead letters) are kept N days, rollups forever.

The cut is the start of a whole UTC day, so every UTC hour is either entirely kept or entirely
gone; `raw_pruned_before` records it, and from then on the rollups of earlier hours are final
(see hub/store/rollups.py). Deleting goes one day per transaction so the writer never waits long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from edge.windows.clock import iso_z, parse_iso_z
from hub.occupancy.models_db import freeze_days
from hub.store.stores import get_setting, set_setting

__all__ = ["DEFAULT_RETENTION_DAYS", "PruneResult", "prune_cutoff", "prune"]

DEFAULT_RETENTION_DAYS = 90


@dataclass(frozen=True, slots=True)
class PruneResult:
    cutoff: datetime     # raw data starting before this is gone (UTC midnight)
    windows: int         # raw windows deleted
    dead_letters: int
    is_dry_run: bool


def prune_cutoff(now: datetime, days: int) -> datetime:
    """Midnight UTC `days` whole days before now's day. Raises ValueError for days < 1."""
    if days < 1:
        raise ValueError(f"retention must be at least 1 day, got {days}")
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days)


def prune(db: sqlite_utils.Database, now: datetime, days: int = DEFAULT_RETENTION_DAYS,
          is_dry_run: bool = False) -> PruneResult:
    """Delete raw windows, their lines and zones, and dead letters from before the cutoff."""
    cutoff = prune_cutoff(now, days)
    mark = iso_z(cutoff)
    stores = [s for (s,) in db.execute("SELECT DISTINCT store_id FROM cameras")]  # every store with windows
    n_windows = sum(db.execute("SELECT COUNT(*) FROM windows WHERE store_id = ? AND start < ?",
                               [s, mark]).fetchone()[0] for s in stores)
    n_dead = db.execute("SELECT COUNT(*) FROM dead_letters WHERE received_at < ?", [mark]).fetchone()[0]
    if is_dry_run:
        return PruneResult(cutoff, n_windows, n_dead, True)
    freeze_days(db, cutoff)  # the store days' entrance totals outlive their windows (imbalance history)
    with db.conn:  # mark first: from now on the writer leaves those hours' rollups alone
        previous = get_setting(db, "raw_pruned_before")
        if previous is None or previous < mark:
            set_setting(db, "raw_pruned_before", mark)
    first = db.execute("SELECT MIN(first_window) FROM cameras").fetchone()[0]
    day = parse_iso_z(first).replace(hour=0, minute=0, second=0, microsecond=0) if first else cutoff
    day = max(day, cutoff - timedelta(days=3660))
    while day < cutoff:
        upto = iso_z(min(day + timedelta(days=1), cutoff))
        with db.conn:
            for store_id in stores:  # by store: the (store_id, start) indexes answer the range
                for table in ("window_lines", "window_zones", "windows"):
                    db.execute(f"DELETE FROM {table} WHERE store_id = ? AND start < ?", [store_id, upto])
        day += timedelta(days=1)
    with db.conn:
        db.execute("DELETE FROM dead_letters WHERE received_at < ?", [mark])
    return PruneResult(cutoff, n_windows, n_dead, False)
