"""Measure what the protocol really costs: message sizes on the wire and hub storage per window.

The numbers in docs/SCALING.md come from this script:

    .venv/bin/python bench/message_sizes.py            # sizes + a one-store-day hub database
    .venv/bin/python bench/message_sizes.py --json

1. Window payloads are built with `edge.protocol.messages.window_message` (schema-validated, the
   exact bytes the agent publishes) for a camera with 2 lines, 2 zones, a 16×9 heatmap and 2
   mascots, in three fill levels: empty (a closed store: every figure 0), typical (a third of
   the heatmap cells non-zero after the small-cell rule) and busy (every cell non-zero).
2. The heartbeat is built like `edge/agent.py` builds it, for a box with 4 cameras, and
   validated with `agent_message` (schema heartbeat-v1).
3. MQTT framing is added as MQTT v5 encodes a PUBLISH (fixed header, topic, packet id, empty
   property length); TLS adds about 29 bytes per record (AES-GCM), TCP/IP about 52 per segment.
4. Hub storage: one store-day (4 cameras × 1,440 windows of the typical fill) is written through
   `hub.ingest.writer.write_batch` into a fresh hub database (raw tables + rollups + indexes),
   and the file size is divided by the windows stored.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge.events.heatmap import Heatmap
from edge.events.zones import DwellHistogram, ZoneFigures
from edge.mascots.live import MascotFigures
from edge.protocol.messages import Message, agent_message, window_message
from edge.protocol.schema import load_schema
from edge.windows.aggregate import LineTotals, WindowAggregate

STORE_ID, AGENT_ID = "store-0042", "box-1"  # a realistic id length (chains number their stores)
CAMERAS = ("entrance", "aisle-1", "aisle-2", "till")


def make_window(camera_id: str, start: datetime, fill: str, rng: random.Random) -> WindowAggregate:
    """One 60 s window of a 2-line, 2-zone, 16×9-heatmap, 2-mascot camera at a fill level."""
    busy = fill != "empty"
    cells = 16 * 9
    share = {"empty": 0.0, "typical": 1 / 3, "busy": 1.0}[fill]
    heat = tuple(round(rng.uniform(5, 120), 2) if rng.random() < share else 0.0 for _ in range(cells))

    def zone(zone_id: str) -> ZoneFigures:
        visits = rng.randint(5, 40) if busy else 0
        counts = (0, rng.randint(0, 9), rng.randint(5, 30), rng.randint(0, 9), 0) if busy else (0, 0, 0, 0, 0)
        peak = rng.randint(0, 25) * busy  # the hub refuses current or mean above max
        return ZoneFigures(zone_id, rng.randint(0, peak), peak, round(rng.uniform(0, peak), 3), visits,
                           DwellHistogram((10.0, 30.0, 120.0, 300.0), counts,
                                          round(rng.uniform(8, 200), 2) if busy else None, visits))

    def mascot(mascot_id: str) -> MascotFigures:
        return MascotFigures(mascot_id, 60, round(rng.uniform(0.5, 1.0), 3) if busy else 1.0,
                             rng.randint(0, 12) * busy, round(rng.uniform(3, 30), 2) if busy else None)

    lines = tuple(LineTotals(lid, rng.randint(0, 80) * busy, rng.randint(0, 80) * busy) for lid in ("door", "stairs"))
    return WindowAggregate(
        STORE_ID, camera_id, start, start + timedelta(seconds=60), 600, lines,
        zones=(zone("till"), zone("promo-table")),
        heatmap=Heatmap(16, 9, heat),
        mascots=(mascot("mascot-fox"), mascot("mascot-panda")),
    )


def heartbeat_message(at: datetime) -> Message:
    """The agent's heartbeat for a 4-camera box (edge/agent.py fields; heartbeat-v1 schema)."""
    document = {
        "schema_version": 1, "kind": "heartbeat", "store_id": STORE_ID, "agent_id": AGENT_ID,
        "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cameras": [{"camera_id": c, "state": "streaming", "fps": 9.87, "inference_ms": 41.25,
                     "dropped_frames": 1234, "reconnects": 2} for c in CAMERAS],
    }
    # the backlog counters (integers; their names have changed before): every other required field
    schema = load_schema("heartbeat-v1")
    document.update({name: 0 for name in schema["required"] if name not in document})
    return agent_message("heartbeat", STORE_ID, AGENT_ID, document)


def mqtt5_publish_bytes(topic: str, payload_len: int, qos: int) -> int:
    """Bytes of an MQTT v5 PUBLISH packet with no properties (what the agent sends)."""
    remaining = 2 + len(topic.encode()) + (2 if qos else 0) + 1 + payload_len
    length_bytes = 1 if remaining < 128 else 2 if remaining < 16_384 else 3
    return 1 + length_bytes + remaining


def hub_bytes_per_window(windows_per_camera: int, rng: random.Random) -> dict:
    """Write one store's cameras × windows through the hub's writer; measure the database."""
    from hub.ingest.validate import validate
    from hub.ingest.writer import write_batch
    from hub.store.db import open_db

    start = datetime(2026, 11, 11, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hub.db"
        db = open_db(path)
        now = start + timedelta(days=2)
        spent = {"build": 0.0, "validate": 0.0, "write": 0.0}
        batch = []

        def timed(phase: str, fn, *a):
            began = time.perf_counter()
            out = fn(*a)
            spent[phase] += time.perf_counter() - began
            return out

        for camera_id in CAMERAS:
            for i in range(windows_per_camera):
                window = make_window(camera_id, start + timedelta(minutes=i), "typical", rng)
                m = timed("build", window_message, window, AGENT_ID)
                batch.append(timed("validate", validate, m.topic, m.payload, now))
                if len(batch) == 500:  # the subscriber's batch_max
                    timed("write", write_batch, db, batch, now)
                    batch = []
        if batch:
            timed("write", write_batch, db, batch, now)
        rejected = db.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0]
        if rejected:
            raise RuntimeError(f"{rejected} generated windows were rejected by the hub: fix make_window")
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.execute("VACUUM")
        db.close()
        total = path.stat().st_size
        conn = sqlite3.connect(path)
        try:
            tables = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"))
        except sqlite3.OperationalError:  # SQLite built without DBSTAT_VTAB
            tables = {}
        rows = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
                for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.close()
    n = len(CAMERAS) * windows_per_camera
    rollup = sum(v for k, v in tables.items() if k.startswith("rollup_") or "autoindex_rollup" in k)
    return {"windows": n, "file_bytes": total, "bytes_per_window": round(total / n),
            "rollup_bytes": rollup, "tables": tables, "rows": rows,
            "ms_per_window": {k: round(v / n * 1000, 2) for k, v in spent.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--windows", type=int, default=1440, help="windows per camera for the hub database")
    args = parser.parse_args(argv)
    rng = random.Random(7)
    start = datetime(2026, 11, 11, 9, tzinfo=UTC)
    result: dict = {"window": {}}
    for fill in ("empty", "typical", "busy"):
        m = window_message(make_window("entrance", start, fill, rng), AGENT_ID)
        result["window"][fill] = {"payload_bytes": len(m.payload), "topic": m.topic,
                                  "publish_bytes": mqtt5_publish_bytes(m.topic, len(m.payload), 1)}
    hb = heartbeat_message(start)
    result["heartbeat"] = {"payload_bytes": len(hb.payload), "publish_bytes": mqtt5_publish_bytes(hb.topic,
                                                                                                 len(hb.payload), 0)}
    result["hub"] = hub_bytes_per_window(args.windows, rng)
    if args.json:
        print(json.dumps(result))
        return 0
    for fill, w in result["window"].items():
        print(f"window {fill:8s} payload {w['payload_bytes']:5d} B   MQTT v5 PUBLISH {w['publish_bytes']:5d} B")
    print(f"heartbeat (4 cameras) payload {result['heartbeat']['payload_bytes']} B   "
          f"PUBLISH {result['heartbeat']['publish_bytes']} B")
    hub = result["hub"]
    print(f"hub db: {hub['windows']} windows → {hub['file_bytes']:,} B = {hub['bytes_per_window']} B/window "
          f"(rollups {hub['rollup_bytes']:,} B)")
    print("  ms per window (one core): " + ", ".join(f"{k} {v}" for k, v in hub["ms_per_window"].items()))
    for name, size in hub["tables"].items():
        print(f"  {name:40s} {size:>12,} B")
    print("  rows: " + ", ".join(f"{t} {n}" for t, n in hub["rows"].items() if n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
