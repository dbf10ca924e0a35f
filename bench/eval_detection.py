"""Small-person recall and cost: full frame vs tiled inference (edge/detections/tiling.py).

    .venv/bin/python bench/eval_detection.py [--out bench/results/detection.md]

No labelled small-person video ships with the project, so one is made: frames of the sample
video in which the detector finds people confidently at full size (score ≥ 0.5: the reference
boxes) are shrunk by k and laid out k × k as a mosaic of the original frame size, so every
person becomes k times smaller, with the reference boxes moved along. Each detector setting is
run on the mosaics; a reference box counts as found when a detection (score ≥ 0.3) overlaps it
with IoU ≥ 0.3. Recall is reported by the person's height in the mosaic, with extra detections
(not matching any reference) and the mean inference time per frame.

Caveat: the shrunk people are sharp copies, and the reference is the same model at full size,
so this measures how recall falls with size, not absolute recall in a real store.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edge.detections.autosize import AutoInputSize  # noqa: E402
from edge.detections.detections import Detections  # noqa: E402
from edge.detections.tiling import TiledDetector  # noqa: E402
from edge.detections.yolox import YoloxDetector  # noqa: E402
from edge.tracks.matching import iou_matrix, match  # noqa: E402

VIDEO = ROOT / "media" / "one-by-one-person-detection.mp4"
BUCKETS = [(0, 24), (24, 32), (32, 48), (48, 64), (64, 10_000)]
SCALES = (4, 6, 8)


def sample_frames(detector: YoloxDetector, step: int = 7) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    cap = cv2.VideoCapture(str(VIDEO))
    i = 0
    while True:
        ok, image = cap.read()
        if not ok:
            break
        if i % step == 0:
            d = detector.detect(image)
            ref = d.xyxy[d.confidence >= 0.5]
            h = ref[:, 3] - ref[:, 1]
            ref = ref[h >= 150]  # whole people only: the reference must be trustworthy
            if len(ref):
                out.append((image, ref))
        i += 1
    return out


def mosaics(samples, k: int):
    h, w = samples[0][0].shape[:2]
    cw, ch = w // k, h // k
    for start in range(0, len(samples) - k * k + 1, k * k):
        canvas = np.full((h, w, 3), 114, np.uint8)
        refs = []
        for n, (image, ref) in enumerate(samples[start:start + k * k]):
            r, c = divmod(n, k)
            canvas[r * ch:(r + 1) * ch, c * cw:(c + 1) * cw] = cv2.resize(image, (cw, ch), interpolation=cv2.INTER_AREA)
            sx, sy = cw / w, ch / h
            refs.append(ref * np.array([sx, sy, sx, sy]) + np.array([c * cw, r * ch, c * cw, r * ch]))
        yield canvas, np.concatenate(refs)


def run(name: str, detector, images) -> dict:
    found = np.zeros(len(BUCKETS), int)
    total = np.zeros(len(BUCKETS), int)
    extra = 0
    spent = 0.0
    for n, (image, ref) in enumerate(images):
        began = time.perf_counter()
        d: Detections = detector.detect(image, float(n))  # one mosaic a second (AutoInputSize probes by time)
        spent += time.perf_counter() - began
        d = d[d.confidence >= 0.3]
        pairs, _, unmatched = match(iou_matrix(ref, d.xyxy), 0.3)
        matched = {r for r, _ in pairs}
        heights = ref[:, 3] - ref[:, 1]
        for i, height in enumerate(heights):
            b = next(j for j, (lo, hi) in enumerate(BUCKETS) if lo <= height < hi)
            total[b] += 1
            found[b] += i in matched
        extra += len(unmatched)
    return {"name": name, "found": found, "total": total, "extra": extra, "ms": 1000 * spent / max(len(images), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    base = YoloxDetector(score_threshold=0.1)
    samples = sample_frames(base)
    images = [m for k in SCALES for m in mosaics(samples, k)]
    settings = [("full frame (tiles: none)", base),
                ("tiles: 2x2 + full", TiledDetector(base, (2, 2), 0.2)),
                ("tiles: 3x2 + full", TiledDetector(base, (3, 2), 0.2)),
                ("tiles: 3x3 + full", TiledDetector(base, (3, 3), 0.2))]
    settings += [(f"input size {size}", YoloxDetector(input_size=size)) for size in (640, 832, 1088)]
    results = [run(name, det, images) for name, det in settings]
    auto = AutoInputSize(YoloxDetector())
    run("", auto, images)  # its first pass over the mosaics: 15 s of probes, once a second
    results.append(run(f"input size auto, settled at {auto.input_size} (second pass)", auto, images))
    head = " | ".join(f"h {lo}–{hi if hi < 10_000 else '∞'} px" for lo, hi in BUCKETS)
    lines = [f"| setting | {head} | all | extra boxes | ms/frame |", "|---" * (len(BUCKETS) + 4) + "|"]
    for r in results:
        cells = " | ".join(f"{100 * f / t:.0f} % ({f}/{t})" if t else "–" for f, t in zip(r["found"], r["total"],
                                                                                           strict=True))
        lines.append(f"| {r['name']} | {cells} | {100 * r['found'].sum() / r['total'].sum():.0f} % | "
                     f"{r['extra']} | {r['ms']:.0f} |")
    text = (f"{len(images)} mosaics of {images[0][0].shape[1]}x{images[0][0].shape[0]} px "
            f"(k = {', '.join(map(str, SCALES))}), {sum(len(r) for _, r in images)} reference people.\n\n"
            + "\n".join(lines) + "\n")
    print(text)
    if args.out:
        from eval_counting import machine

        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("# Small-person recall and cost of tiled detection\n\n"
                            f"Command: `python bench/eval_detection.py --out {args.out}`\n\n"
                            f"Machine: {machine()}\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
