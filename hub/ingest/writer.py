"""Writer: validated rows → SQLite in batches, upserting by message id; rejections → dead_letters.

A batch is one transaction. The subscriber acknowledges a message to the broker only after the
batch holding it has committed, so a hub killed mid-batch gets the message again (and its
message id makes the second copy a replacement, not an addition).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import sqlite_utils

from edge.windows.clock import iso_z
from hub.ingest.validate import MetricRow, Rejection, StatusRow
from hub.store.rollups import update_rollups

__all__ = ["write_batch", "BatchResult"]


class BatchResult:
    def __init__(self) -> None:
        self.stored = 0
        self.rejected = 0
        self.statuses = 0


WINDOW_COLUMNS = ("message_id", "store_id", "camera_id", "agent_id", "start", "end", "frames", "in_count",
                  "out_count", "payload", "received_at")
LINE_COLUMNS = ("message_id", "store_id", "camera_id", "start", "line_id", "in_count", "out_count")
ZONE_COLUMNS = ("message_id", "store_id", "camera_id", "start", "zone_id", "occupancy_current", "occupancy_max",
                "occupancy_mean", "entries", "dwell_visits", "dwell_median_s", "dwell_counts", "dwell_edges_s")


def _replace_sql(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT OR REPLACE INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})")


# The same statement text every batch, so sqlite3's statement cache prepares each one once.
_REPLACE_WINDOWS = _replace_sql("windows", WINDOW_COLUMNS)
_REPLACE_LINES = _replace_sql("window_lines", LINE_COLUMNS)
_REPLACE_ZONES = _replace_sql("window_zones", ZONE_COLUMNS)
_DELETE_LINES = "DELETE FROM window_lines WHERE message_id = ?"
_DELETE_ZONES = "DELETE FROM window_zones WHERE message_id = ?"


def write_batch(db: sqlite_utils.Database, items: Iterable[MetricRow | StatusRow | Rejection],
                received_at: datetime) -> BatchResult:
    """Store one batch in one transaction."""
    result = BatchResult()
    received = iso_z(received_at)
    latest: dict[str, MetricRow] = {}  # message id → its last copy in the batch, the one stored
    metrics: list[MetricRow] = []
    dead: list[dict] = []
    statuses: list[StatusRow] = []
    for item in items:
        if type(item) is MetricRow:
            metrics.append(item)
            latest.pop(item.message_id, None)  # a later copy goes last, as if written after
            latest[item.message_id] = item
        elif isinstance(item, Rejection):
            dead.append({"received_at": iso_z(item.received_at), "topic": item.topic, "reason": item.reason,
                         "payload_excerpt": item.payload_excerpt, "size": item.size})
        elif isinstance(item, StatusRow):
            statuses.append(item)
        else:
            metrics.append(item)
            latest.pop(item.message_id, None)
            latest[item.message_id] = item
    result.stored, result.rejected, result.statuses = len(metrics), len(dead), len(statuses)
    conn = db.conn
    with conn:
        if latest:
            windows, lines, zones = [], [], []
            for row in latest.values():
                windows.append(_window_values(row, received))
                lines.extend(_line_values(row))
                zones.extend(_zone_values(row))
            ids = [(message_id,) for message_id in latest]
            # a re-sent window replaces its children too (a line or zone may have been renamed)
            conn.executemany(_DELETE_LINES, ids)
            conn.executemany(_DELETE_ZONES, ids)
            conn.executemany(_REPLACE_WINDOWS, windows)
            if lines:
                conn.executemany(_REPLACE_LINES, lines)
            if zones:
                conn.executemany(_REPLACE_ZONES, zones)
            update_rollups(db, metrics, received)  # same transaction: a stored window is in its rollups
        if dead:
            db["dead_letters"].insert_all(dead, pk="id")
        for status in statuses:
            _apply_status(db, status, received)
    return result


def _window_values(row: MetricRow, received: str) -> tuple:
    p = row.payload
    lines = p["lines"]
    in_count = out_count = 0
    for ln in lines:
        in_count += ln["in"]
        out_count += ln["out"]
    return (row.message_id, row.store_id, row.camera_id, row.agent_id, row.start_iso or iso_z(row.start),
            row.end_iso or iso_z(row.end), p["frames"], in_count, out_count,
            row.payload_json or json.dumps(p, separators=(",", ":")), received)


def _line_values(row: MetricRow) -> list[tuple]:
    start = row.start_iso or iso_z(row.start)
    return [(row.message_id, row.store_id, row.camera_id, start, ln["line_id"], ln["in"], ln["out"])
            for ln in row.payload["lines"]]


def _zone_values(row: MetricRow) -> list[tuple]:
    zones = row.payload.get("zones")
    if not zones:
        return []
    start = row.start_iso or iso_z(row.start)
    return [(row.message_id, row.store_id, row.camera_id, start, z["zone_id"], z["occupancy"]["current"],
             z["occupancy"]["max"], z["occupancy"]["mean"], z["entries"], z["dwell"]["visits"],
             z["dwell"]["median_s"], json.dumps(z["dwell"]["counts"]), json.dumps(z["dwell"]["edges_s"]))
            for z in zones]


# The rows as dicts (column → value), for tools that build a database the writer's way.

def _window_row(row: MetricRow, received: str) -> dict:
    return dict(zip(WINDOW_COLUMNS, _window_values(row, received), strict=True))


def _line_rows(row: MetricRow) -> list[dict]:
    return [dict(zip(LINE_COLUMNS, values, strict=True)) for values in _line_values(row)]


def _zone_rows(row: MetricRow) -> list[dict]:
    return [dict(zip(ZONE_COLUMNS, values, strict=True)) for values in _zone_values(row)]


def _apply_status(db: sqlite_utils.Database, status: StatusRow, received: str) -> None:
    p = status.payload
    if status.kind == "alerts":
        db["alerts"].insert({"message_id": p["message_id"], "store_id": status.store_id, "camera_id": p["camera_id"],
                             "kind": p["alert"], "mascot_id": p.get("mascot_id"), "message": p["message"],
                             "raised_at": p["raised_at"]}, pk="message_id", replace=True)
        return
    if status.kind == "config-status":
        db["camera_configs"].insert({"store_id": status.store_id, "camera_id": p["camera_id"],
                                     "agent_id": p["agent_id"], "state": p["state"],
                                     "config_sha256": p["config_sha256"], "errors": json.dumps(p["errors"]),
                                     "at": p["at"], "received_at": received},
                                    pk=("store_id", "camera_id"), replace=True)
        return
    key = (status.store_id, status.agent_id)
    existing = db.execute("SELECT state, since FROM agents WHERE store_id = ? AND agent_id = ?", key).fetchone()
    row = {"store_id": status.store_id, "agent_id": status.agent_id, "last_seen": received}
    if status.kind == "status":
        state = status.payload.get("state")
        row["state"] = state
        row["since"] = existing[1] if existing and existing[0] == state else received
    elif status.kind == "heartbeat":
        row["heartbeat"] = json.dumps(status.payload, separators=(",", ":"))[:8192]
        if not existing or existing[0] != "online":
            row["state"], row["since"] = "online", received
    else:
        return  # the hub's own retained configurations
    db["agents"].upsert(row, pk=("store_id", "agent_id"))
