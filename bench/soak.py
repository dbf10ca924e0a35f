"""Soak: does the agent's memory stay flat over hours of frames?

    .venv/bin/python bench/soak.py --passes 20      # 20 × 139 s of video, one continuous timeline

One CameraWorker-equivalent loop (pipeline with lines, a zone and the heatmap; windows of 60 s
turned into schema-valid messages) replays the sample video again and again on one continuous
timeline, so tracks come and go, windows close and per-track state must be pruned. After each
pass it records the process's resident memory, the tracker's and line counter's state sizes.
Growth is judged on the last half of the passes (the first ones warm caches and allocators).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT / "media" / "one-by-one-person-detection.mp4"


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    from edge.config import load_camera_config
    from edge.detections.yolox import YoloxDetector
    from edge.frames.frame import Frame
    from edge.pipeline import CameraPipeline
    from edge.protocol.messages import window_message

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=10)
    args = ap.parse_args()
    camera = load_camera_config(ROOT / "bench" / "groundtruth" / "one-by-one-person-detection.camera.yaml")
    pipeline = CameraPipeline(camera, YoloxDetector(threads=os.cpu_count() or 1), 60, "soak", "cam")
    offset, samples, windows = 0.0, [], 0
    started = time.perf_counter()
    for n in range(args.passes):
        cap = cv2.VideoCapture(str(VIDEO))
        fps = cap.get(cv2.CAP_PROP_FPS) or 10.0
        index = 0
        while True:
            ok, image = cap.read()
            if not ok:
                break
            ts = offset + index / fps
            result = pipeline.process(Frame(index, ts, image), ts)
            for w in result.windows:
                window_message(w, "soak-agent")
                windows += 1
            index += 1
        cap.release()
        offset += index / fps + 5.0  # a short pause between passes: every track must end
        samples.append({"pass": n + 1, "rss_mb": round(rss_mb(), 1),
                        "tracker_tracks": pipeline.tracker.active_count,
                        "line_states": sum(c.state_count for c in pipeline.line_counters)})
    half = samples[len(samples) // 2:]
    growth = half[-1]["rss_mb"] - half[0]["rss_mb"]
    print(json.dumps({"passes": args.passes, "video_hours": round(offset / 3600, 2), "windows": windows,
                      "wall_s": round(time.perf_counter() - started), "rss_growth_last_half_mb": round(growth, 1),
                      "samples": samples}, indent=1))


if __name__ == "__main__":
    main()
