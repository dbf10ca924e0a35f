"""Outbox: every message is written here before it is published, and removed only on PUBACK.

A SQLite file (WAL, synchronous=FULL: a committed row survives kill -9 and power loss).
Rows are sent in insertion order. A message id is unique: putting a window again (a re-run of
the same file, a re-closed window) replaces the pending row instead of queueing a second copy.

Size bound and policy: at most `max_rows` pending messages (default 200,000: about 138 days of
one camera's 60 s windows at ~0.5 KB each, ~100 MB on disk). Only window aggregates and alerts
go through the outbox (status and heartbeats are live-only). When the outbox is full, the oldest
pending message is dropped to make room for the newest, never silently: `dropped` counts them,
the agent logs each drop and reports the count in its heartbeat (see docs/PROTOCOL.md).

A message the file cannot take (a full disk, a read-only or failing card) is not lost and does
not stop the camera that made it: it waits in memory (at most `MAX_UNSAVED`, oldest dropped and
counted first) and is written before any newer message as soon as the file takes writes again.
Only a stop while the disk is still full loses those (logged as an error).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from edge.errors import DeliveryError
from edge.protocol.messages import Message

__all__ = ["Outbox", "PendingMessage", "DEFAULT_MAX_ROWS"]

DEFAULT_MAX_ROWS = 200_000
MAX_UNSAVED = 10_000  # messages held in memory while the file takes no writes (~5 MB)

log = logging.getLogger("retail_edge.outbox")


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
        self._unsaved: deque[tuple[Message, int, bool]] = deque()  # waiting for the file to take writes
        self._warned = -float("inf")
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
        """Write `message` (after any that wait in memory); never raises for a write the file refuses."""
        with self._lock:
            self._unsaved.append((message, qos, retain))
            self._write_unsaved()

    def _write_unsaved(self) -> None:
        """Write what waits in memory, oldest first, until the file refuses (lock held)."""
        while self._unsaved:
            try:
                self._insert(*self._unsaved[0])
            except sqlite3.Error as e:
                self._hold_unsaved(e)
                return
            self._unsaved.popleft()

    def _hold_unsaved(self, error: sqlite3.Error) -> None:
        while len(self._unsaved) > MAX_UNSAVED:
            self._unsaved.popleft()
            self.dropped += 1
        if time.monotonic() - self._warned > 60.0:
            self._warned = time.monotonic()
            log.error("outbox %s takes no writes (%s): %d messages wait in memory until it does",
                      self.path, error, len(self._unsaved))

    @property
    def unsaved(self) -> int:
        """Messages waiting in memory because the file took no writes."""
        with self._lock:
            return len(self._unsaved)

    def _insert(self, message: Message, qos: int, retain: bool) -> None:
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
            self._write_unsaved()  # the publisher asks often: what waits in memory goes in once it can
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
        """Messages not yet acknowledged: in the file, and waiting in memory to be written."""
        with self._lock:
            return self._count() + len(self._unsaved)

    def close(self) -> None:
        with self._lock:
            self._write_unsaved()
            if self._unsaved:
                log.error("outbox %s still takes no writes: %d messages are lost", self.path, len(self._unsaved))
            self._db.close()
