"""Outbox: every message is written here before it is published, and removed only on PUBACK.

A SQLite file (WAL, synchronous=FULL: a committed row survives kill -9 and power loss).
Rows are sent in insertion order. A message id is unique: putting a window again (a re-run of
the same file, a re-closed window) replaces the pending row instead of queueing a second copy.

Size bound and policy: at most `max_rows` pending messages (default 200,000: about 138 days of
one camera's 60 s windows at ~0.5 KB each, ~100 MB on disk). Only window aggregates and alerts
go through the outbox (status and heartbeats are live-only). When the outbox is full, the oldest
pending message is dropped to make room for the newest, never silently: `dropped` counts them,
the agent logs each drop and reports the count in its heartbeat (see docs/PROTOCOL.md).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from edge.errors import DeliveryError
from edge.protocol.messages import Message

__all__ = ["Outbox", "PendingMessage", "DEFAULT_MAX_ROWS"]

DEFAULT_MAX_ROWS = 200_000


@dataclass(frozen=True, slots=True)
class PendingMessage:
    seq: int
    message_id: str
    topic: str
    payload: bytes
    qos: int
    retain: bool


class Outbox:
    """put(message) before publishing; pending(n) oldest first; remove(message_id) on PUBACK.

    Thread-safe: the pipeline thread puts, the publisher thread reads and removes.

    Raises:
        DeliveryError: the file cannot be opened as an outbox.
    """

    def __init__(self, path: str | Path, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.path = Path(path)
        self.max_rows = max_rows
        self.dropped = 0  # messages dropped because the outbox was full (oldest first)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS outbox ("
                " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                " message_id TEXT NOT NULL UNIQUE, topic TEXT NOT NULL, payload BLOB NOT NULL,"
                " qos INTEGER NOT NULL DEFAULT 1, retain INTEGER NOT NULL DEFAULT 0,"
                " created_at REAL NOT NULL)"
            )
        except (sqlite3.Error, OSError) as e:
            raise DeliveryError(f"cannot open outbox {self.path}: {e}") from e

    def put(self, message: Message, qos: int = 1, retain: bool = False) -> None:
        with self._lock:
            exists = self._db.execute(
                "SELECT 1 FROM outbox WHERE message_id = ?", (message.message_id,)
            ).fetchone()
            excess = self._count() + (0 if exists else 1) - self.max_rows
            if excess > 0:
                self._db.execute(
                    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)",
                    (excess,),
                )
                self.dropped += excess
            # Replace keeps one row per message id; a replaced row moves to the back of the queue.
            self._db.execute(
                "INSERT OR REPLACE INTO outbox (message_id, topic, payload, qos, retain, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (message.message_id, message.topic, message.payload, qos, int(retain), time.time()),
            )

    def pending(self, limit: int, after_seq: int = 0) -> list[PendingMessage]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, message_id, topic, payload, qos, retain FROM outbox"
                " WHERE seq > ? ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [PendingMessage(r[0], r[1], r[2], bytes(r[3]), r[4], bool(r[5])) for r in rows]

    def remove(self, seq: int) -> None:
        """Forget a message the broker acknowledged (by its row, so a newer copy stays)."""
        with self._lock:
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    def _count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def __len__(self) -> int:
        with self._lock:
            return self._count()

    def close(self) -> None:
        with self._lock:
            self._db.close()
