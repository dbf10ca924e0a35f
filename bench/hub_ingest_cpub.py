"""Hub ingest with light publishers: Debian's `mosquitto_pub -l` (C) instead of Python clients,
so the publishers take little of the 2 cores and what is measured is the hub.

    .venv/bin/python bench/hub_ingest_cpub.py --workers 1     # one hub worker
    .venv/bin/python bench/hub_ingest_cpub.py --workers 2     # two workers on a shared subscription

4 publishers × 10,000 schema-valid window messages (QoS 1), one store each; the clock runs from
the first publish until the hub's windows table holds all 40,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import hub_ingest as hi  # noqa: E402

from edge.protocol.messages import window_message  # noqa: E402
from edge.windows.aggregate import LineTotals, WindowAggregate  # noqa: E402


def payload_file(path: Path, store_id: str, count: int) -> Path:
    lines = []
    for i in range(count):
        start = hi.BASE + timedelta(minutes=i)
        w = WindowAggregate(store_id, "cam-0", start, start + timedelta(minutes=1), 600,
                            (LineTotals("door", i % 7, i % 5), LineTotals("side", i % 3, i % 2)))
        lines.append(window_message(w, "bench-agent").payload.decode())
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--publishers", type=int, default=4)
    ap.add_argument("--per-publisher", type=int, default=10000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-cpub-"))
    files = [payload_file(work / f"p{k}.txt", f"store-{k}", args.per_publisher) for k in range(args.publishers)]
    broker = hi.Mosquitto().start()
    hubs = [hi.start_hub(broker, work / "hub.db", work / f"hub{i}.log", i if args.workers > 1 else None)
            for i in range(args.workers)]
    total = args.per_publisher * args.publishers
    cpu0 = sum(hi.cpu_seconds(h.pid) for h in hubs)
    broker_cpu0 = hi.cpu_seconds(broker.proc.pid)
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    pubs = [subprocess.Popen(["mosquitto_pub", "-p", str(broker.port), "-q", "1", "-l",
                              "-t", f"retail/v1/metrics/store-{k}/cam-0"], stdin=open(f))
            for k, f in enumerate(files)]
    while hi.rows(work / "hub.db") < total and time.perf_counter() - started < 300:
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    hub_cpu = sum(hi.cpu_seconds(h.pid) for h in hubs) - cpu0
    broker_cpu = hi.cpu_seconds(broker.proc.pid) - broker_cpu0
    stored = hi.rows(work / "hub.db")
    for p in pubs:
        p.wait(30)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    pubs_cpu = (children.ru_utime + children.ru_stime) - (children0.ru_utime + children0.ru_stime)
    for hub in hubs:
        os.killpg(hub.pid, signal.SIGTERM)
        hub.wait(20)
    broker.stop()
    print(json.dumps({"hub_workers": args.workers, "stored": stored, "seconds": round(elapsed, 2),
                      "msgs_per_s": round(stored / elapsed),
                      "hub_cpu_ms_per_msg": round(hub_cpu * 1000 / max(stored, 1), 3),
                      "broker_cpu_ms_per_msg": round(broker_cpu * 1000 / max(stored, 1), 3),
                      "publishers_cpu_ms_per_msg": round(pubs_cpu * 1000 / max(stored, 1), 3)}))


if __name__ == "__main__":
    main()
