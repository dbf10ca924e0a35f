"""Agent throughput on one small box: one 1280×720 stream, then N at once, and memory per camera.

    .venv/bin/python bench/pipeline_bench.py                 # all three measurements
    .venv/bin/python bench/pipeline_bench.py --frames 300 --max-cameras 6

1. A 1280×720 test video is made from the bundled sample (upscaled, 10 fps), once, in /tmp.
2. Detector-only: decode + YOLOX inference per frame, nothing else, in one thread (the limit).
3. Full pipeline, same frames, same run: the agent's CameraWorker (decode on its capture thread,
   detector → tracker → lines, zone, heatmap → windows) with a no-op outbox.
   Ratio = pipeline fps / detector-only fps.
4. Cameras: 1, 2, … N CameraWorkers in one process, each on its own copy of the video, unpaced;
   each camera's fps = its frames / wall time. The answer is the largest N with every camera at
   ≥ 10 fps. onnxruntime threads per camera = cores // N, as the agent does.
5. Memory: the process's peak resident set size (ru_maxrss) in a fresh process per N; the cost
   of a camera is the slope between N and N+1.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import threading
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "media" / "one-by-one-person-detection.mp4"
VIDEO_720 = Path("/tmp/retail-edge-bench-720p.mp4")


def make_video(frames: int) -> Path:
    if VIDEO_720.exists() and int(cv2.VideoCapture(str(VIDEO_720)).get(cv2.CAP_PROP_FRAME_COUNT)) >= frames:
        return VIDEO_720
    src = cv2.VideoCapture(str(SAMPLE))
    out = cv2.VideoWriter(str(VIDEO_720), cv2.VideoWriter_fourcc(*"mp4v"), 10, (1280, 720))
    for _ in range(frames):
        ok, frame = src.read()
        if not ok:
            break
        out.write(cv2.resize(frame, (1280, 720), interpolation=cv2.INTER_LINEAR))
    out.release()
    return VIDEO_720


def camera_config(camera_id: str, source: str, input_size: int | str = "auto"):
    from edge.config import CameraConfig, DetectorConfig, parse_line_arg
    from edge.events.zones import Zone

    zone = Zone("table", ((400.0, 300.0), (900.0, 300.0), (900.0, 720.0), (400.0, 720.0)))
    return CameraConfig(lines=(parse_line_arg("830,0,830,720", "door"),), zones=(zone,), camera_id=camera_id,
                        source=source, detector=DetectorConfig(input_size=input_size))


def detector_only(video: Path, frames: int, threads: int, input_size: int | str) -> float:
    from edge.detections.factory import make_detector

    detector = make_detector(camera_config("cam", str(video), input_size), threads)  # as the agent builds it
    cap = cv2.VideoCapture(str(video))
    ok, frame = cap.read()
    detector.detect(frame)  # warm-up
    cap = cv2.VideoCapture(str(video))
    t0 = time.perf_counter()
    n = 0
    while n < frames:
        ok, frame = cap.read()
        if not ok:
            break
        detector.detect(frame)
        n += 1
    return n / (time.perf_counter() - t0)


def run_cameras(video: Path, frames: int, n: int, input_size: int | str, queue) -> None:
    """In a fresh process: n CameraWorkers at once; puts per-camera fps and peak RSS."""
    from edge.camera_worker import CameraWorker
    from edge.detections.factory import make_detector

    stop = threading.Event()
    threads = max(1, (os.cpu_count() or 1) // n)
    configs = [camera_config(f"cam-{i}", str(video), input_size) for i in range(n)]
    workers = [CameraWorker(config, make_detector(config, threads), "bench", 60,
                            lambda windows: None, stop, max_frames=frames) for config in configs]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    queue.put({"cameras": n, "fps_each": [round(w.health.frames / wall, 1) for w in workers],
               "frames_each": [w.health.frames for w in workers],
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})


def in_fresh_process(video: Path, frames: int, n: int, input_size: int | str) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=run_cameras, args=(video, frames, n, input_size, q))
    p.start()
    result = q.get(timeout=3600)
    p.join()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300, help="frames per camera")
    ap.add_argument("--max-cameras", type=int, default=6)
    ap.add_argument("--input-size", type=lambda v: v if v == "auto" else int(v), default="auto",
                    help='detector.input_size: "auto" (the default; the first minute of a stream it probes '
                         "at 1280 every 2 s, so short runs measure that phase) or a fixed size such as 416")
    args = ap.parse_args()
    video = make_video(args.frames)
    cores = os.cpu_count() or 1
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    det = detector_only(video, args.frames, cores, args.input_size)
    single = in_fresh_process(video, args.frames, 1, args.input_size)
    runs = [single]
    for n in range(2, args.max_cameras + 1):
        r = in_fresh_process(video, args.frames, n, args.input_size)
        runs.append(r)
        if min(r["fps_each"]) < 10:
            break
    served = max((r["cameras"] for r in runs if min(r["fps_each"]) >= 10), default=0)
    rss = [r["peak_rss_mb"] for r in runs]
    per_camera = round((rss[-1] - rss[0]) / (len(rss) - 1), 1) if len(rss) > 1 else None
    print(json.dumps({
        "machine": f"{platform.machine()}, {cores} cores ({cpu}), Python {platform.python_version()}",
        "video": "1280x720, 10 fps (sample upscaled)", "frames_per_camera": args.frames,
        "input_size": args.input_size,
        "detector_only_fps": round(det, 1), "pipeline_fps": single["fps_each"][0],
        "pipeline_to_detector_ratio": round(single["fps_each"][0] / det, 3),
        "runs": runs, "cameras_at_10fps_or_better": served,
        "rss_one_camera_mb": rss[0], "rss_per_extra_camera_mb": per_camera,
    }, indent=2))


if __name__ == "__main__":
    main()
