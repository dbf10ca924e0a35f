"""Hub ingest: sustained messages/s from publishers through Mosquitto into SQLite, and the
latency from window close (publish) to the row being stored, at a fixed offered rate.

    .venv/bin/python bench/hub_ingest.py                 # both measurements, defaults below
    .venv/bin/python bench/hub_ingest.py --messages 30000 --rate 1000 --rate-seconds 20

1. A private Mosquitto on a free port; `retail-hub serve` as a real process (its own DB).
2. Throughput: 4 publisher processes each send N/4 distinct, schema-valid window messages
   (QoS 1, as the agents do) as fast as the broker takes them; the clock runs from the first
   publish to the moment the hub's `windows` table holds all N rows.
3. Latency: one publisher offers `--rate` msg/s for `--rate-seconds`; each message's publish
   time is recorded; the hub stamps each row with its write time (received_at, ms precision);
   the difference gives p50/p99 (same machine, same clock).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from edge.protocol.messages import window_message  # noqa: E402
from edge.windows.aggregate import LineTotals, WindowAggregate  # noqa: E402
from helpers import Mosquitto, cli, wait_for_port  # noqa: E402,F401

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def build_messages(store: str, count: int, offset_min: int = 0):
    out = []
    for i in range(count):
        start = BASE + timedelta(minutes=offset_min + i)
        w = WindowAggregate(store, f"cam-{i % 4}", start, start + timedelta(minutes=1), 600,
                            (LineTotals("door", i % 7, i % 5), LineTotals("side", i % 3, i % 2)))
        out.append(window_message(w, "bench-agent"))
    return out


def publisher(port: int, store: str, count: int, rate: float, times_path: str | None, ready, go) -> None:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    messages = build_messages(store, count)
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"pub-{store}",
                         protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    ready.set()
    go.wait()
    sent: dict[str, float] = {}
    interval = 1.0 / rate if rate else 0.0
    t0 = time.perf_counter()
    infos = []
    for i, m in enumerate(messages):
        if interval:
            due = t0 + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        sent[m.message_id] = time.time()
        infos.append(client.publish(m.topic, m.payload, qos=1))
    for info in infos[-100:]:
        info.wait_for_publish(60)
    client.loop_stop()
    client.disconnect()
    if times_path:
        Path(times_path).write_text(json.dumps(sent))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rows(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM windows").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def start_hub(broker: Mosquitto, db: Path, log: Path, worker: int | None = None) -> subprocess.Popen:
    group = ["--group", "bench", "--client-id", f"hub-{worker}"] if worker is not None else []
    proc = subprocess.Popen([cli("retail-hub"), "serve", "--broker", broker.url, "--db", str(db), *group],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 20
    while time.time() < deadline and "connected to" not in log.read_text():
        time.sleep(0.1)
    return proc


def throughput(total: int, publishers: int, workers: int = 1) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    broker = Mosquitto().start()
    hubs = [start_hub(broker, work / "hub.db", work / f"hub{i}.log", i if workers > 1 else None)
            for i in range(workers)]
    ctx = mp.get_context("spawn")
    ready = [ctx.Event() for _ in range(publishers)]
    go = ctx.Event()
    procs = [ctx.Process(target=publisher, args=(broker.port, f"store-{k}", total // publishers, 0.0, None,
                                                 ready[k], go)) for k in range(publishers)]
    for p in procs:
        p.start()
    for e in ready:
        e.wait(60)
    cpu0 = sum(cpu_seconds(h.pid) for h in hubs)
    broker_cpu0 = cpu_seconds(broker.proc.pid)
    pubs_cpu0 = sum(cpu_seconds(p.pid) for p in procs)  # building the messages is not publishing
    t0 = time.perf_counter()
    go.set()
    while rows(work / "hub.db") < total and time.perf_counter() - t0 < 600:
        time.sleep(0.05)
    elapsed = time.perf_counter() - t0
    hub_cpu = sum(cpu_seconds(h.pid) for h in hubs) - cpu0
    broker_cpu = cpu_seconds(broker.proc.pid) - broker_cpu0
    pubs_cpu = sum(cpu_seconds(p.pid) for p in procs) - pubs_cpu0  # still running: waiting for acks
    stored = rows(work / "hub.db")
    for p in procs:
        p.join(60)
    for hub in hubs:
        os.killpg(hub.pid, signal.SIGTERM)
        hub.wait(20)
    broker.stop()
    return {"hub_workers": workers, "messages": stored, "seconds": round(elapsed, 2),
            "msgs_per_s": round(stored / elapsed),
            "hub_cpu_ms_per_msg": round(hub_cpu * 1000 / max(stored, 1), 3),
            "broker_cpu_ms_per_msg": round(broker_cpu * 1000 / max(stored, 1), 3),
            "publishers_cpu_ms_per_msg": round(pubs_cpu * 1000 / max(stored, 1), 3)}


def latency(rate: float, seconds: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    broker = Mosquitto().start()
    hub = start_hub(broker, work / "hub.db", work / "hub.log")
    count = int(rate * seconds)
    ctx = mp.get_context("spawn")
    ready, go = ctx.Event(), ctx.Event()
    times_path = work / "sent.json"
    p = ctx.Process(target=publisher, args=(broker.port, "lat-store", count, rate, str(times_path), ready, go))
    p.start()
    ready.wait(60)
    go.set()
    p.join(seconds + 120)
    deadline = time.time() + 60
    while rows(work / "hub.db") < count and time.time() < deadline:
        time.sleep(0.1)
    os.killpg(hub.pid, signal.SIGTERM)
    hub.wait(20)
    broker.stop()
    sent = json.loads(times_path.read_text())
    with sqlite3.connect(work / "hub.db") as conn:
        stored = dict(conn.execute("SELECT message_id, received_at FROM windows").fetchall())
    lat = sorted((datetime.fromisoformat(stored[mid].replace("Z", "+00:00")).timestamp() - t) * 1000
                 for mid, t in sent.items() if mid in stored)
    q = statistics.quantiles(lat, n=100)
    return {"offered_per_s": rate, "messages": len(sent), "stored": len(stored),
            "p50_ms": round(q[49], 1), "p99_ms": round(q[98], 1), "max_ms": round(lat[-1], 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=40000)
    ap.add_argument("--publishers", type=int, default=4)
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--rate-seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=1, help="hub workers sharing the load (--group)")
    args = ap.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    print(json.dumps({"machine": machine, "throughput": throughput(args.messages, args.publishers, args.workers),
                      "latency": latency(args.rate, args.rate_seconds)}, indent=2))


if __name__ == "__main__":
    main()
