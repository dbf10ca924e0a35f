"""What keeping a live camera's open window on disk costs the camera's thread.

`OpenWindows.save` runs at each crossing and every 5 s (edge/windows/open_windows.py), on the
camera's own thread, with synchronous=FULL (an fsync per save). This times it on a file in the
given directory (default /var/tmp: a real disk, not a RAM-backed /tmp):

    .venv/bin/python bench/open_windows_bench.py [--dir DIR] [--saves N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edge.events.events import CrossingEvent  # noqa: E402
from edge.events.heatmap import HeatmapAccumulator  # noqa: E402
from edge.events.zones import Zone, ZoneMonitor  # noqa: E402
from edge.windows.aggregate import Aggregator  # noqa: E402
from edge.windows.open_windows import OpenWindows  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="/var/tmp")
    ap.add_argument("--saves", type=int, default=500)
    args = ap.parse_args(argv)
    # a camera with two lines, two zones (60 completed visits each) and the default 16 × 9 heatmap
    zones = ZoneMonitor([Zone(z, ((0, 0), (10, 0), (10, 10))) for z in ("till", "promo")], (10.0, 30.0, 120.0), 5)
    visits = {"entries": 60, "max": 4, "person_s": 900.0, "dwells_s": [12.3] * 60}
    zones.resume({"covered_s": 0.0, "zones": {"till": visits, "promo": visits}})
    aggregator = Aggregator("s1", "door", 60, ["entrance", "exit"], parts=[zones, HeatmapAccumulator()])
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        store = OpenWindows(Path(tmp) / "open-windows.db")
        took = []
        for i in range(args.saves):
            aggregator.add([CrossingEvent("entrance", "in", 1e9 + i)], 1e9 + i * 0.01)
            began = time.perf_counter()
            store.save("door", aggregator.partial())
            took.append((time.perf_counter() - began) * 1000)
        store.close()
    took.sort()
    print(f"{args.saves} saves in {args.dir}: median {statistics.median(took):.2f} ms, "
          f"p95 {took[int(0.95 * len(took))]:.2f} ms, max {took[-1]:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
