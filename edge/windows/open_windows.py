"""Open windows kept on disk, so that restarting a live camera's agent loses none of its counts.

A window is published when it closes. Without this, an agent stopped or killed half-way through
a live window (an update, a crash, a power cut) lost what it had counted in it: after a restart in
the same window it sent the window again (same id, so it *replaced* the first copy) with only what
came after the restart, and after a restart in a later window it never sent it at all.

Now each camera's open window (`Aggregator.partial()`: frames, seconds seen, crossings per line,
and the zones' and heatmap's figures so far: entries, peaks, person-seconds, the dwell times of
completed visits, how many people were seen in each heatmap cell, the mascots' samples, sightings
and engagement dwell times; counts only, no track, no position) is written to a small SQLite
file beside the outbox, at once when a crossing is counted and every few seconds otherwise. On
start, `Aggregator.resume` takes it back: the window goes on from those counts, or, if it has
ended meanwhile, is sent as it stood.

    camera thread ── crossing / every SAVE_EVERY_S ──▶ open_windows (SQLite, one row per camera)
    restart ──▶ load(camera) ──▶ Aggregator.resume ──▶ same window goes on, or is closed and sent

Visits and engagements in progress at the restart are not kept: whoever is still in a zone, or
at a mascot, starts a new one. A part without `partial()`/`resume()` (see WindowPart) would be
left out of a window sent from a record (absent, not zero). Files are never resumed: a re-run
replays the whole file (docs/PROTOCOL.md).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from edge.errors import DeliveryError

__all__ = ["OpenWindows", "SAVE_EVERY_S"]

SAVE_EVERY_S = 5.0  # frames and seconds seen are saved this often; crossings at once


class OpenWindows:
    """save(camera_id, partial) / load(camera_id) / forget(camera_id); thread-safe.

    Raises:
        DeliveryError: the file cannot be opened or written (a full disk, say); the camera's
            worker logs it and goes on counting, as before this file existed.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("CREATE TABLE IF NOT EXISTS open_windows (camera_id TEXT PRIMARY KEY,"
                             " figures TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0, saved_at REAL NOT NULL)")
        except (sqlite3.Error, OSError) as e:
            raise DeliveryError(f"cannot open the open-window file {self.path}: {e}") from e

    def save(self, camera_id: str, figures: dict, sent: bool = False) -> None:
        """Keep `figures` (Aggregator.partial()) as the camera's open window; `sent`: it was also
        published as it stands (a clean stop), so it need not be sent again if it ends meanwhile."""
        self._write("INSERT OR REPLACE INTO open_windows (camera_id, figures, sent, saved_at) VALUES (?, ?, ?, ?)",
                    (camera_id, json.dumps(figures), int(sent), time.time()))

    def load(self, camera_id: str) -> tuple[dict, bool] | None:
        """(figures, sent) kept for the camera, or None."""
        try:
            with self._lock:
                row = self._db.execute("SELECT figures, sent FROM open_windows WHERE camera_id = ?",
                                       (camera_id,)).fetchone()
        except sqlite3.Error as e:
            raise DeliveryError(f"cannot read the open-window file {self.path}: {e}") from e
        if row is None:
            return None
        try:
            figures = json.loads(row[0])
        except json.JSONDecodeError:
            return None
        return (figures, bool(row[1])) if isinstance(figures, dict) else None

    def forget(self, camera_id: str) -> None:
        self._write("DELETE FROM open_windows WHERE camera_id = ?", (camera_id,))

    def _write(self, sql: str, params: tuple) -> None:
        try:
            with self._lock:
                self._db.execute(sql, params)
        except sqlite3.Error as e:
            raise DeliveryError(f"cannot write the open-window file {self.path}: {e}") from e

    def close(self) -> None:
        with self._lock:
            self._db.close()
