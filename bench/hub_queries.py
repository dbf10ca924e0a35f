"""Benchmark: the dashboard's API calls over a year of one-minute windows for 20 cameras.

    .venv/bin/python bench/hub_queries.py --db /tmp/hub-bench.db            # generate, then measure
    .venv/bin/python bench/hub_queries.py --db /tmp/hub-bench.db --reuse    # measure an existing one

1. Generate: 5 stores × 4 cameras, one window a minute for --days days, straight into SQLite.
   Every window goes through the hub's own rollup code (hub/store/figures.py figures_of → merge →
   hub/store/rollups.py write_bucket), and the raw rows are the writer's own row builders; the
   last --raw-days days of raw windows are kept (default 90: what a hub with the default
   retention holds; --raw-days 365 keeps the whole year raw).
2. Serve: the real web app (hub/web/app.py) on a free port, its clock pinned to the last
   generated hour, so "today" is the newest full day.
3. Measure: each round requests what the store page and the chain page request (dashboard,
   chain, changes) plus the API calls a client of the series, rollup, heatmap and health
   endpoints makes; p50 and p95 per call and overall, over HTTP.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edge.protocol.messages import message_id_for  # noqa: E402
from edge.windows.clock import iso_z  # noqa: E402
from hub.ingest.validate import MetricRow  # noqa: E402
from hub.ingest.writer import _line_rows, _window_row, _zone_rows  # noqa: E402  (the writer's own rows)
from hub.store.db import open_db  # noqa: E402
from hub.store.figures import figures_of, merge  # noqa: E402
from hub.store.rollups import DAY, HOUR, hour_bucket, write_bucket  # noqa: E402
from hub.store.stores import put_store  # noqa: E402

STORES = [("berlin-mitte", "Europe/Berlin"), ("hamburg-hbf", "Europe/Berlin"), ("paris-opera", "Europe/Paris"),
          ("london-soho", "Europe/London"), ("new-york-5th", "America/New_York")]
EDGES_S = [10, 30, 60, 120, 300]


def _payload(store_id: str, camera_id: str, role: int, start: datetime, hour_local: int, rng: random.Random) -> dict:
    """One camera's window: every camera counts a line; camera 1 also has zones, camera 2 a heatmap
    and a mascot."""
    is_open = 8 <= hour_local < 20
    busy = (1.6 if hour_local in (12, 13, 17, 18) else 1.0) if is_open else 0.0
    i = rng.randint(0, int(4 * busy)) if busy else 0
    o = rng.randint(0, int(4 * busy)) if busy else 0
    p: dict = {"schema_version": 1, "kind": "window",
               "message_id": message_id_for(store_id, camera_id, "window", start), "store_id": store_id,
               "camera_id": camera_id, "agent_id": f"{store_id}-box", "frames": 600,
               "window": {"start": iso_z(start), "end": iso_z(start + timedelta(minutes=1))},
               "lines": [{"line_id": "door", "in": i, "out": o}]}
    if role == 1:
        counts = [rng.randint(0, 2), rng.randint(0, 2), rng.randint(0, 1), 0, 0, 0] if busy else [0] * 6
        p["zones"] = [{"zone_id": "checkout", "entries": sum(counts),
                       "occupancy": {"current": min(2, sum(counts)), "max": sum(counts), "mean": sum(counts) / 2},
                       "dwell": {"edges_s": EDGES_S, "counts": counts, "median_s": 20.0 if busy else None,
                                 "visits": sum(counts)}}]
    if role == 2:
        p["heatmap"] = {"cols": 8, "rows": 6,
                        "person_seconds": [round(rng.random() * 20, 1) if busy and rng.random() < 0.3 else 0
                                           for _ in range(48)]}
        p["mascots"] = [{"mascot_id": "bear", "samples": 60, "visible_fraction": 0.9 if busy else 0.0,
                         "engagements": rng.randint(0, 2) if busy else 0, "median_dwell_s": 8.0 if busy else None}]
    return p


def generate(db_path: Path, days: int, raw_days: int, end: datetime, seed: int = 1) -> dict:
    rng = random.Random(seed)
    db = open_db(db_path)
    conn = db.conn
    start = end - timedelta(days=days)
    raw_from = end - timedelta(days=raw_days)
    window_cols = ["message_id", "store_id", "camera_id", "agent_id", "start", "end", "frames", "in_count",
                   "out_count", "payload", "received_at"]
    line_cols = ["message_id", "store_id", "camera_id", "start", "line_id", "in_count", "out_count"]
    zone_cols = ["message_id", "store_id", "camera_id", "start", "zone_id", "occupancy_current", "occupancy_max",
                 "occupancy_mean", "entries", "dwell_visits", "dwell_median_s", "dwell_counts", "dwell_edges_s"]

    def insert(table, cols, rows):
        conn.executemany(f"INSERT OR REPLACE INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         [[r[c] for c in cols] for r in rows])

    t0 = time.perf_counter()
    n_windows = 0
    conn.execute("PRAGMA synchronous=OFF")
    for store_id, tz_name in STORES:
        tz = ZoneInfo(tz_name)
        with conn:
            put_store(db, store_id, tz=tz_name, now=end)
        cameras = [f"cam-{n}" for n in range(1, 5)]
        day_parts: dict[tuple[str, str], list] = {}
        hour = start
        while hour < end:
            local = hour.astimezone(tz)
            windows, lines, zones = [], [], []
            with conn:
                for role, camera_id in enumerate(cameras):
                    payloads = [_payload(store_id, camera_id, role, hour + timedelta(minutes=m), local.hour, rng)
                                for m in range(60)]
                    fig = figures_of(payloads)
                    write_bucket(db, store_id, camera_id, HOUR, hour_bucket(hour), fig)
                    day_parts.setdefault((camera_id, local.date().isoformat()), []).append(fig)
                    if hour >= raw_from:
                        received = iso_z(hour + timedelta(minutes=61))
                        for p in payloads:
                            s = datetime.fromisoformat(p["window"]["start"].replace("Z", "+00:00"))
                            row = MetricRow(p["message_id"], store_id, camera_id, p["agent_id"], s,
                                            s + timedelta(minutes=1), p)
                            windows.append(_window_row(row, received))
                            lines.extend(_line_rows(row))
                            zones.extend(_zone_rows(row))
                    n_windows += 60
                if windows:
                    insert("windows", window_cols, windows)
                    insert("window_lines", line_cols, lines)
                    if zones:
                        insert("window_zones", zone_cols, zones)
                nxt = hour + timedelta(hours=1)
                if nxt.astimezone(tz).date() != local.date() or nxt >= end:  # a local day is complete
                    for camera_id in cameras:
                        parts = day_parts.pop((camera_id, local.date().isoformat()), [])
                        write_bucket(db, store_id, camera_id, DAY, local.date().isoformat(), merge(parts))
            hour = nxt
        with conn:
            for camera_id in cameras:
                conn.execute("INSERT OR REPLACE INTO cameras VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [store_id, camera_id, f"{store_id}-box", 60.0, iso_z(start), iso_z(end), iso_z(end)])
            beat = {"cameras": [{"camera_id": c, "state": "streaming", "fps": 10.0, "inference_ms": 40.0,
                                 "dropped_frames": 0, "reconnects": 0} for c in cameras],
                    "backlog_pending": 0, "backlog_dropped": 0}
            conn.execute("INSERT OR REPLACE INTO agents VALUES (?, ?, 'online', ?, ?, ?)",
                         [store_id, f"{store_id}-box", iso_z(start), iso_z(end), json.dumps(beat)])
        print(f"  {store_id}: done after {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("ANALYZE")
    db.close()
    return {"windows": n_windows, "seconds": time.perf_counter() - t0}


def measure(db_path: Path, now: datetime, rounds: int, seed: int = 2) -> dict[str, list[float]]:
    from hub.web.app import WebSettings, make_server

    server = make_server(WebSettings(db_path=db_path, clock=lambda: now), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rng = random.Random(seed)
    timings: dict[str, list[float]] = {}
    try:
        for r in range(rounds + 1):
            store_id = STORES[r % len(STORES)][0]
            past = (now - timedelta(days=rng.randint(1, 360))).date().isoformat()
            calls = {
                "chain": "/api/chain",
                "dashboard (today)": f"/api/stores/{store_id}/dashboard",
                "dashboard (a past day)": f"/api/stores/{store_id}/dashboard?date={past}",
                "changes": f"/api/changes?store={store_id}",
                "series in, window, today": f"/api/stores/{store_id}/series?metric=in&granularity=window",
                "series in, hour, 7 days": f"/api/stores/{store_id}/series?metric=in&granularity=hour&from="
                                           f"{(now - timedelta(days=7)).date()}",
                "series in, day, 365 days": f"/api/stores/{store_id}/series?metric=in&granularity=day&from="
                                            f"{(now - timedelta(days=364)).date()}",
                "rollups by zone, day, 30 days": f"/api/stores/{store_id}/rollups?by=zone",
                "heatmap": f"/api/stores/{store_id}/heatmap",
                "health": "/api/health",
            }
            for name, path in calls.items():
                t = time.perf_counter()
                with urllib.request.urlopen(base + path, timeout=30) as resp:
                    resp.read()
                    assert resp.status == 200, (path, resp.status)
                if r:  # round 0 warms the page cache and is not counted
                    timings.setdefault(name, []).append((time.perf_counter() - t) * 1000)
    finally:
        server.shutdown()
        server.server_close()
    return timings


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path("/tmp/hub-bench.db"))
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--raw-days", type=int, default=90, help="days of raw windows kept (the newest; default 90)")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--reuse", action="store_true", help="measure the database already at --db")
    ap.add_argument("--markdown", type=Path, help="append the results to this file")
    args = ap.parse_args()
    end = datetime(2026, 11, 11, 16, 0, tzinfo=UTC)
    gen = None
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        print(f"generating {args.days} days × 20 cameras into {args.db} …", file=sys.stderr)
        gen = generate(args.db, args.days, args.raw_days, end)
    size_gb = sum(Path(f"{args.db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{args.db}{s}").exists()) / 1e9
    timings = measure(args.db, end - timedelta(minutes=30), args.rounds)
    every = [v for vs in timings.values() for v in vs]
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    lines = [f"machine: {os.cpu_count()} CPUs (nproc), {cpu}, Python {platform.python_version()}, "
             f"SQLite {__import__('sqlite3').sqlite_version}",
             f"database: {size_gb:.1f} GB" + (f"; generated {gen['windows']:,} windows in {gen['seconds']:.0f} s"
                                               if gen else " (reused)"),
             "", "| call | n | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
    for name, vs in timings.items():
        lines.append(f"| {name} | {len(vs)} | {statistics.median(vs):.1f} | {pct(vs, 95):.1f} | {max(vs):.1f} |")
    lines.append(f"| **all calls** | {len(every)} | {statistics.median(every):.1f} | {pct(every, 95):.1f} | "
                 f"{max(every):.1f} |")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write(text + "\n")
    return 0 if pct(every, 95) < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
