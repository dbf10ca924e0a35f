"""Counting accuracy against hand-labelled ground truth, ours beside a peer on the same detections.

    .venv/bin/python bench/eval_counting.py [bench/groundtruth/*.json] [--out bench/results/counting.md]
                                            [--every N]

For each ground-truth file (bench/groundtruth/*.json: the video, its camera file, the crossings
labelled by hand) the video is run through the detector once (with the camera's `detector`
options, tiles included); the same Detections then feed
  * ours: edge.tracks ByteTracker → edge.events LineCounter (the production pipeline's stages), and
  * the peer: Roboflow `trackers` ByteTrackTracker → `supervision` LineZone (anchor matched to the
    camera's: bottom-centre or centre).
It prints, per line and direction, the true count, each counter's count and its error.
`--every N` keeps every Nth frame's detections, as a camera or recorder at 1/N of the frame rate
gives them (the sample is a 10 fps clip: `--every 2` is 5 fps).
`--far S` shows each frame shrunk by S in the middle of a grey 1920×1080 frame (lines moved with
it): the same scene from a camera farther away, whose people are S times as tall, with the
same hand-labelled crossings. `--input-size N|auto` sets the camera's `detector.input_size`;
`--two-pass` counts as `retail-edge count --settle-first` counts a file (again from its start at
the size `auto` settled on, when it grew), without it as the agent counts (each frame once).

The peer is a benchmark-only dependency. supervision ≥ 0.26 moved ByteTrack to the `trackers`
package, which declares opencv-python (it would overwrite the contrib cv2 MediaPipe needs), so
install it without dependencies:
    .venv/bin/pip install supervision==0.31.2 rich pydeprecate && .venv/bin/pip install --no-deps trackers==2.6.1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edge.config import CameraConfig, load_camera_config  # noqa: E402
from edge.detections.detections import Detections  # noqa: E402
from edge.detections.detector import Detector  # noqa: E402
from edge.detections.factory import make_detector, settled_camera  # noqa: E402
from edge.detections.tiling import TiledDetector  # noqa: E402
from edge.events.lines import LineCounter  # noqa: E402
from edge.frames.sources import open_source  # noqa: E402
from edge.tracks.bytetrack import ByteTracker  # noqa: E402

FAR_FRAME = (1920, 1080)


def far_view(image: np.ndarray, shrink: float) -> np.ndarray:
    """`image` shrunk by `shrink` in the middle of a grey FAR_FRAME (`--far`)."""
    (w, h), (fw, fh) = image.shape[1::-1], FAR_FRAME
    sw, sh = round(w * shrink), round(h * shrink)
    canvas = np.full((fh, fw, 3), 114, np.uint8)
    x, y = (fw - sw) // 2, (fh - sh) // 2
    canvas[y:y + sh, x:x + sw] = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA)
    return canvas


def far_lines(config: CameraConfig, frame_wh: tuple[int, int], shrink: float) -> CameraConfig:
    """The camera's lines (in pixels) where `far_view` puts them."""
    (w, h), (fw, fh) = frame_wh, FAR_FRAME
    x, y = (fw - round(w * shrink)) // 2, (fh - round(h * shrink)) // 2

    def moved(p: tuple[float, float]) -> tuple[float, float]:
        return (p[0] * shrink + x, p[1] * shrink + y)

    return replace(config, frame_size=FAR_FRAME,
                   lines=tuple(replace(ln, a=moved(ln.a), b=moved(ln.b)) for ln in config.lines))


def detect_all(video: str, config: CameraConfig, far: float | None = None,
               ) -> tuple[list[Detections], float, float, tuple[int, int], Detector]:
    """Detections of every frame (seen as `far_view` with `far`), the video's fps, the detector's
    mean ms per frame, the frame size and the detector as it ended (`auto` may have grown it)."""
    detector = make_detector(config)
    if config.detector.tiles is not None and config.view != "top-down":
        detector = TiledDetector(detector, config.detector.tiles, config.detector.tile_overlap)
    out, spent = [], 0.0
    with open_source(video) as source:
        size = (source.width, source.height) if far is None else FAR_FRAME
        for frame in source.frames():
            image = frame.image if far is None else far_view(frame.image, far)
            began = time.perf_counter()
            out.append(detector.detect(image, frame.ts))
            spent += time.perf_counter() - began
        fps = source.fps
    return out, fps, 1000 * spent / max(len(out), 1), size, detector


def video_size(video: str) -> tuple[int, int]:
    with open_source(video) as source:
        return source.width, source.height


def count_ours(detections: list[Detections], fps: float, config: CameraConfig,
               size: tuple[int, int]) -> dict[tuple[str, str], int]:
    tracker = ByteTracker()
    counters = [LineCounter(line, anchor=config.anchor) for line in config.lines]
    counts: dict[tuple[str, str], int] = {}
    for i, d in enumerate(detections):
        tracks = tracker.update(d, i / fps)
        for c in counters:
            for e in c.update(tracks, i / fps, size):
                counts[(e.line_id, e.direction)] = counts.get((e.line_id, e.direction), 0) + 1
    return counts


def _peer_line(line, anchor: str):
    import supervision as sv

    position = sv.Position.CENTER if anchor == "center" else sv.Position.BOTTOM_CENTER
    return sv.LineZone(start=sv.Point(*line.a), end=sv.Point(*line.b), triggering_anchors=[position])


def _peer_in_is_ours_in() -> bool:
    """supervision's in/out naming relative to CONVENTIONS.md, found by a synthetic crossing."""
    import supervision as sv

    from edge.events.lines import CountingLine

    zone = _peer_line(CountingLine("t", (0.0, 100.0), (200.0, 100.0)), "bottom")
    for y in (50.0, 150.0):  # moving down across a left-to-right line: ours says "in"
        d = sv.Detections(np.array([[90, y - 40, 110, y]], np.float32), tracker_id=np.array([1]))
        zone.trigger(d)
    return zone.in_count == 1


def count_peer(detections: list[Detections], fps: float, config: CameraConfig) -> dict[tuple[str, str], int]:
    import supervision as sv
    from trackers import ByteTrackTracker

    tracker = ByteTrackTracker(frame_rate=fps)
    zones = {line.line_id: _peer_line(line, config.anchor) for line in config.lines}
    for d in detections:
        svd = sv.Detections(d.xyxy.astype(np.float32), confidence=d.confidence.astype(np.float32),
                            class_id=np.zeros(len(d), int))
        tracked = tracker.update(svd)
        if tracked.tracker_id is not None and len(tracked):
            tracked = tracked[tracked.tracker_id >= 0]
        for zone in zones.values():
            zone.trigger(tracked)
    same = _peer_in_is_ours_in()
    counts = {}
    for line_id, zone in zones.items():
        counts[(line_id, "in")] = zone.in_count if same else zone.out_count
        counts[(line_id, "out")] = zone.out_count if same else zone.in_count
    return counts


def evaluate(truth_path: Path, every: int = 1, far: float | None = None,
             input_size: int | str | None = None, two_pass: bool = False) -> tuple[list[str], dict]:
    truth = json.loads(truth_path.read_text())
    video = str((ROOT / truth["video"]).resolve())
    config = load_camera_config(truth_path.parent / truth["config"])
    if input_size is not None:
        config = replace(config, detector=replace(config.detector, input_size=input_size))
    detections, fps, ms, size, detector = detect_all(video, config, far)
    ended_at = getattr(detector, "input_size", None)
    settled = settled_camera(config, detector) if two_pass else None
    if settled is not None:  # as `count --settle-first` counts a file: again at the size auto settled on
        detections, fps, ms, size, _ = detect_all(video, settled, far)
    if far is not None:
        original = video_size(video)
        config = far_lines(config.in_pixels(original), original, far)
    elif config.is_normalized:
        config = config.in_pixels(size)
    expected: dict[tuple[str, str], int] = {}
    for c in truth["crossings"]:
        expected[(c["line"], c["direction"])] = expected.get((c["line"], c["direction"]), 0) + 1
    detections, fps = detections[::every], fps / every
    ours = count_ours(detections, fps, config, size)
    peer = count_peer(detections, fps, config)
    rows = []
    totals = {"truth": 0, "ours_abs_err": 0, "peer_abs_err": 0}
    for line in config.lines:
        for direction in ("in", "out"):
            key = (line.line_id, direction)
            t, o, p = expected.get(key, 0), ours.get(key, 0), peer.get(key, 0)
            totals["truth"] += t
            totals["ours_abs_err"] += abs(o - t)
            totals["peer_abs_err"] += abs(p - t)
            rows.append(f"| {truth_path.stem} | {line.line_id} | {direction} | {t} | {o} ({o - t:+d}) "
                        f"| {p} ({p - t:+d}) |")
    totals.update(frames=len(detections), detector_ms=round(ms, 1), anchor=config.anchor,
                  tiles=config.detector.tiles, input_size=config.detector.input_size, ended_at=ended_at,
                  passes=1 if settled is None else 2)
    return rows, totals


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth", nargs="*", type=Path,
                        help="ground-truth JSON files (default: bench/groundtruth/*.json)")
    parser.add_argument("--out", type=Path, help="also write the table to this markdown file")
    parser.add_argument("--every", type=int, default=1, help="keep every Nth frame (a lower frame rate)")
    parser.add_argument("--far", type=float, help="shrink the video by this in a 1920×1080 frame (a farther camera)")
    parser.add_argument("--input-size", type=lambda v: v if v == "auto" else int(v),
                        help='the camera\'s detector.input_size ("auto" or a multiple of 32)')
    parser.add_argument("--two-pass", action="store_true",
                        help="as `retail-edge count --settle-first` counts a file: again at the size auto settled on")
    args = parser.parse_args(argv)
    files = args.truth or sorted((ROOT / "bench" / "groundtruth").glob("*.json"))
    lines = ["| video | line | direction | truth | ours (error) | peer: trackers ByteTrack + sv.LineZone (error) |",
             "|---|---|---|---|---|---|"]
    summary = []
    for f in files:
        rows, totals = evaluate(f, args.every, args.far, args.input_size, args.two_pass)
        lines += rows
        t = max(totals["truth"], 1)
        far = "" if args.far is None else f" shrunk ×{args.far:g} in 1920×1080,"
        ended = f" → {totals['ended_at']}" if totals["input_size"] == "auto" and totals["ended_at"] else ""
        ended += ", counted again at that size" if totals["passes"] == 2 else ""
        summary.append(f"- {f.stem}:{far} {totals['frames']} frames, anchor {totals['anchor']}, tiles "
                       f"{totals['tiles'] or 'none'}, input size {totals['input_size']}{ended}, "
                       f"detector {totals['detector_ms']} ms/frame; "
                       f"absolute error summed over directions: ours {totals['ours_abs_err']}/{totals['truth']} "
                       f"({100 * totals['ours_abs_err'] / t:.0f} %), peer {totals['peer_abs_err']}/{totals['truth']} "
                       f"({100 * totals['peer_abs_err'] / t:.0f} %)")
    text = "\n".join(lines) + "\n\n" + "\n".join(summary) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        command = "python bench/eval_counting.py " + " ".join(str(a) for a in (argv or sys.argv[1:]))
        args.out.write_text(f"# Counting accuracy\n\nCommand: `{command.strip()}`\n\nMachine: {machine()}\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
