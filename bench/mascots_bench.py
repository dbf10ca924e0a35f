"""Mascot detector benchmark: precision, recall, false detections and ms per 1280×720 frame.

Runs `MascotDetector` (two registered mascots from media/mascots/) on
1. the 20 labelled samples in tests/data/mascot_samples/, and
2. a synthetic set from bench/synth_mascots.py (registered cards + look-alike distractors).

A detection is a true positive when its id is right and its bbox IoU with a labelled card of
that id is ≥ 0.5 (each label matched once); anything else is a false detection.

    .venv/bin/python bench/mascots_bench.py --synthetic 200 --write bench/results/mascots.md

Other questions, each its own mode (BENCHMARKS.md has their tables): `--draws N` (recall per
random LSH draw), `--sequence K` (a fixed camera: detection with confirmation), `--frame-sizes
WxH,…` (frames of other sizes, `--searched-at`, `--heights`), `--reference-scale F` (references
registered from larger or smaller images), `--cutouts N` (cut-out references and look-alikes),
`--conditions` (camera faults: JPEG, noise, blur, dark, low resolution; glare; a wide-angle lens).

Run it alone: the machine has 2 cores and timing is wall-clock per `detect` call.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from edge.mascots.detection import iou_xywh  # noqa: E402
from edge.mascots.detector import DetectorSettings, MascotDetector, with_confirmed  # noqa: E402
from edge.mascots.registry import MascotRegistry  # noqa: E402

SAMPLES = ROOT / "tests" / "data" / "mascot_samples"


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fp_on_distractor: int = 0
    distractors: int = 0
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)
    tp_scores: list[float] = field(default_factory=list)
    fp_scores: list[float] = field(default_factory=list)

    def line(self, name: str) -> str:
        labelled = self.tp + self.fn
        precision = self.tp / max(1, self.tp + self.fp)
        recall = self.tp / max(1, labelled)
        ms = np.array(self.ms)
        return (f"| {name} | {len(ms)} | {labelled} | {self.distractors} | {self.tp} | "
                f"{precision:.3f} | {recall:.3f} | "
                f"{self.fp} ({self.fp_on_distractor} on distractors) | {ms.mean():.1f} | "
                f"{np.percentile(ms, 95):.1f} | {np.mean(self.cpu_ms):.1f} |")


def score_image(detector: MascotDetector, image: np.ndarray, labels: list[dict],
                distractors: list[dict], name: str, tally: Tally) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    detections = detector.detect(image)
    tally.ms.append((time.perf_counter() - t0) * 1000)
    tally.cpu_ms.append((time.process_time() - c0) * 1000)  # all threads of this process
    tally.distractors += len(distractors)
    used: set[int] = set()
    for d in detections:
        hit = next((i for i, lab in enumerate(labels) if i not in used
                    and lab["mascot"] == d.mascot_id and iou_xywh(d.bbox_xywh, lab["bbox"]) >= 0.5), None)
        if hit is None:
            tally.fp += 1
            tally.fp_scores.append(d.score)
            on_distractor = any(iou_xywh(d.bbox_xywh, _box(x["corners"])) > 0.3 for x in distractors)
            tally.fp_on_distractor += on_distractor
            tally.false.append(f"{name} {d.mascot_id} score {d.score:.2f}"
                               f"{' (distractor)' if on_distractor else ''}")
        else:
            used.add(hit)
            tally.tp += 1
            tally.tp_scores.append(d.score)
    for i, lab in enumerate(labels):
        if i not in used:
            tally.fn += 1
            tally.misses.append(f"{name} {lab['mascot']} {lab['height_px']:.0f}px "
                                f"occluded {lab.get('occluded_fraction', 0):.2f}")


def _box(corners) -> tuple[float, float, float, float]:
    c = np.asarray(corners, np.float32)
    x0, y0 = c.min(0)
    x1, y1 = c.max(0)
    return (float(x0), float(y0), float(x1 - x0), float(y1 - y0))


def run_samples(detector: MascotDetector) -> Tally:
    labels = json.loads((SAMPLES / "labels.json").read_text())
    tally = Tally()
    for name in sorted(labels["images"]):
        image = cv2.imread(str(SAMPLES / name))
        score_image(detector, image, labels["images"][name], [], name, tally)
    return tally


def run_synthetic(detector: MascotDetector, n: int, seed: int) -> Tally:
    from synth_mascots import generate

    tally = Tally()
    for scene in generate(n, seed):
        score_image(detector, scene.image, scene.labels, scene.distractors, scene.name, tally)
    return tally


def best_of(detector: MascotDetector, repeat: int) -> str:
    """Mean over the samples of each image's fastest of `repeat` runs: a contention-robust
    estimate of the wall time on an idle machine."""
    best = []
    for path in sorted(SAMPLES.glob("*.jpg")):
        image = cv2.imread(str(path))
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            detector.detect(image)
            runs.append((time.perf_counter() - t0) * 1000)
        best.append(min(runs))
    return (f"Best-of-{repeat} wall time on the 20 samples: mean {np.mean(best):.1f} ms, "
            f"p95 {np.percentile(best, 95):.1f} ms, fastest {min(best):.1f} ms.")


def hash_draws(registry: MascotRegistry, draws: int, synthetic: int, seed: int,
               settings: DetectorSettings | None = None) -> int:
    """Recall of `draws` detectors built one after another in this process. The matcher's LSH
    index draws random hash functions when it is built (deterministic per process, so one detector
    gives the same answers run after run), and which weak matches of a small card it finds depends
    on them: this is the spread of recall that comes from that draw alone."""
    for k in range(draws):
        with MascotDetector(registry, settings) as detector:
            rows = [("samples", run_samples(detector))]
            if synthetic:
                rows.append((f"synthetic n={synthetic} seed={seed}", run_synthetic(detector, synthetic, seed)))
        print(f"draw {k}: " + "; ".join(f"{name} recall {t.tp / max(1, t.tp + t.fn):.3f} "
                                          f"({t.tp}/{t.tp + t.fn}), false {t.fp}" for name, t in rows), flush=True)
    return 0


def sequences(registry: MascotRegistry, frames: int, seed: int) -> int:
    """Each sample as `frames` frames of a fixed camera (sensor noise σ 4 and JPEG quality 60–95
    drawn per frame): the share of labelled cards found per frame by `detect` alone, and by
    `detect` plus `confirm` of what the previous frame found (as `MascotSampler` does)."""
    labels = json.loads((SAMPLES / "labels.json").read_text())
    rng = np.random.default_rng(seed)
    alone, kept, false, cards, confirm_ms = 0, 0, 0, 0, []
    with MascotDetector(registry) as detector:
        timed = _Timed(detector, confirm_ms)
        for name in sorted(labels["images"]):
            base = cv2.imread(str(SAMPLES / name)).astype(np.float32)
            last: list = []
            for _ in range(frames):
                noisy = np.clip(base + rng.normal(0.0, 4.0, base.shape), 0, 255).astype(np.uint8)
                quality = int(rng.integers(60, 96))
                image = cv2.imdecode(cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, quality])[1],
                                     cv2.IMREAD_COLOR)
                found = detector.detect(image)
                with_memory = last = with_confirmed(timed, image, found, last)
                for lab in labels["images"][name]:
                    cards += 1
                    alone += _hit(found, lab)
                    kept += _hit(with_memory, lab)
                false += sum(not any(_hit([d], lab) for lab in labels["images"][name]) for d in with_memory)
    print(f"{frames} frames of each of the 20 samples, {cards} labelled cards in all: found per frame "
          f"{alone / cards:.3f} by detect alone, {kept / cards:.3f} with confirmation; false {false}; "
          f"confirm {np.mean(confirm_ms):.2f} ms a call (mean of {len(confirm_ms)})")
    return 0


class _Timed:
    """The detector's `confirm`, with each call's wall time recorded."""

    def __init__(self, detector: MascotDetector, ms: list[float]) -> None:
        self.detector, self.ms = detector, ms

    def confirm(self, image, last):
        t0 = time.perf_counter()
        again = self.detector.confirm(image, last)
        self.ms.append((time.perf_counter() - t0) * 1000)
        return again


def frame_sizes(registry: MascotRegistry, sizes: list[tuple[int, int]], heights: tuple[float, float] | None,
                searched: list[tuple[int, int]] | None, n: int, seed: int) -> int:
    """Recall and time on synthetic scenes of other frame sizes, searched at each of `searched`
    sizes that is not larger (`max_pixels`; default: the default and their own size). Cards are
    `heights` px tall, by default the issue's 60–500 px scaled with the frame (60–500 at 1280×720
    is 180–1500 at 3840×2160)."""
    from synth_mascots import generate

    print("| frame | card heights px | searched at | found | false | wall ms/frame mean | CPU ms/frame mean |\n"
          "|---|---|---|---|---|---|---|")
    for wh in sizes:
        k = wh[1] / 720
        hs = heights or (60 * k, 500 * k)
        scenes = generate(n, seed, wh, hs)
        default = DetectorSettings().max_pixels
        for max_pixels in sorted({w * h for w, h in searched or []} | ({default} if not searched else set())
                                 | {wh[0] * wh[1]}):
            if max_pixels > wh[0] * wh[1]:
                continue
            with MascotDetector(registry, DetectorSettings(max_pixels=max_pixels)) as detector:
                detector.detect(np.zeros((wh[1], wh[0], 3), np.uint8))  # warm-up
                tally = Tally()
                for scene in scenes:
                    score_image(detector, scene.image, scene.labels, scene.distractors, scene.name, tally)
            at = ("its own size" if max_pixels == wh[0] * wh[1] else
                  f"{max_pixels} px{' (default)' if max_pixels == default else ''}")
            print(f"| {wh[0]}×{wh[1]} | {hs[0]:.0f}–{hs[1]:.0f} | {at} | {tally.tp} of {tally.tp + tally.fn} | "
                  f"{tally.fp} | {np.mean(tally.ms):.1f} | {np.mean(tally.cpu_ms):.1f} |", flush=True)
    return 0


def cutouts(n: int, seed: int) -> int:
    """Mascots registered as cut-outs (RGBA PNGs, `synth_mascots.CUTOUTS`): on the 3 sample photos
    without a mascot, `n` poses of each cut-out (80–450 px tall) and of a cut-out look-alike at the
    same pose (the card's character replaced, or a procedural card of the campaign's style)."""
    import tempfile

    from synth_mascots import (
        CUTOUTS,
        cutout_alpha,
        paste_cutout,
        procedural_card,
        random_pose,
        recomposed_card,
        write_cutouts,
    )

    with tempfile.TemporaryDirectory() as tmp:
        write_cutouts(Path(tmp))
        detector = MascotDetector(MascotRegistry.from_directory(tmp, cache_dir=Path(tmp) / "cache"))
    backgrounds = [cv2.resize(cv2.imread(str(SAMPLES / f)), (1280, 720)) for f in ("010.jpg", "017.jpg", "002.jpg")]
    rng = np.random.default_rng(seed)
    reported, scores = [], []
    for i in range(n):
        name = list(CUTOUTS)[i % 2]
        card = cv2.imread(str(ROOT / "media" / "mascots" / f"{name}.png"))
        look_alike = recomposed_card(rng, card) if i % 4 < 3 else procedural_card(rng)
        h = random_pose(rng, float(np.exp(rng.uniform(np.log(80), np.log(450)))))
        alpha = cutout_alpha(CUTOUTS[name])
        found = detector.detect(paste_cutout(backgrounds[i % 3], card, alpha, h))
        scores.append(max([d.score for d in found if d.mascot_id == name], default=0.0))
        reported += [f"{i} {d.mascot_id} {d.score:.2f}"
                     for d in detector.detect(paste_cutout(backgrounds[i % 3], look_alike, alpha, h))]
    s = np.array(scores)
    print(f"cut-outs found: {(s > 0).sum()} of {n}; score of those found: median {np.median(s[s > 0]):.3f}, "
          f"10th percentile {np.percentile(s[s > 0], 10):.3f}")
    print(f"cut-out look-alikes reported: {len(reported)} of {n}", *reported, sep="\n  ")
    return 0


def _hit(detections, label: dict) -> bool:
    return any(d.mascot_id == label["mascot"] and iou_xywh(d.bbox_xywh, label["bbox"]) >= 0.5 for d in detections)


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        load = "?"
    return (f"{os.cpu_count()} cores (nproc), {cpu}, Python {platform.python_version()}, "
            f"OpenCV {cv2.__version__}; 1-min load average when the report was written: {load} "
            "(the machine is shared; timings grow with its load)")


def conditions(detector: MascotDetector, n: int, seed: int) -> int:
    """Recall and false detections on the samples and `n` synthetic scenes, each spoilt one way
    beyond what the synthetic set already varies: camera faults, glare, a wide-angle lens
    (bench/mascot_conditions.py)."""
    from mascot_conditions import spoilers
    from synth_mascots import generate

    labels = json.loads((SAMPLES / "labels.json").read_text())
    scenes = [(name, cv2.imread(str(SAMPLES / name)), labels["images"][name], []) for name in sorted(labels["images"])]
    scenes += [(s.name, s.image, s.labels, s.distractors) for s in generate(n, seed)]
    rng = np.random.default_rng(seed)
    print("| frames | cards found | false detections |\n|---|---|---|")
    for name, spoil in spoilers(rng).items():
        tally = Tally()
        for image_name, image, labs, distractors in scenes:
            score_image(detector, *spoil(image, labs, distractors), image_name, tally)
        print(f"| {name} | {tally.tp} of {tally.tp + tally.fn} | {tally.fp} |", flush=True)
    return 0


def _scaled_registry(f: float) -> MascotRegistry:
    """The mascots registered from copies of their images scaled by `f`."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for p in sorted((ROOT / "media" / "mascots").glob("*.png")):
            image = cv2.imread(str(p))
            cv2.imwrite(str(Path(tmp) / p.name), cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC))
        return MascotRegistry.from_directory(tmp, cache_dir=Path(tmp) / "cache")


def _sizes(text: str) -> list[tuple[int, int]]:
    return [(int(w), int(h)) for w, h in (s.split("x") for s in text.split(","))]


def _pair(text: str) -> tuple[float, float]:
    lo, hi = (float(v) for v in text.split(","))
    return (lo, hi)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=200, help="synthetic scenes (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--min-score", type=float, default=None,
                        help="override DetectorSettings.min_score (calibration)")
    parser.add_argument("--no-centre-peaks", action="store_true",
                        help="DetectorSettings(centre_peaks=False): the faster detector")
    parser.add_argument("--coarse", action="store_true",
                        help="DetectorSettings(scale_factor=1.44, upscaled_levels=1, levels=4, n_features=3000): "
                             "the coarse pyramid, as measured in session 12")
    parser.add_argument("--write", type=Path, help="write a markdown report here")
    parser.add_argument("--verbose", action="store_true", help="list misses and false detections")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs per sample for the best-of-N timing (0: skip)")
    parser.add_argument("--sequence", type=int, default=0,
                        help="instead: each sample as K frames of a fixed camera (fresh noise and JPEG each); "
                             "per-frame recall of detect alone and with the live agent's confirmation")
    parser.add_argument("--draws", type=int, default=0,
                        help="instead: recall with N detectors, each with its own random LSH hash functions")
    parser.add_argument("--reference-scale", type=float, default=1.0,
                        help="register the mascots from copies of their images scaled by this (3: a print file)")
    parser.add_argument("--conditions", action="store_true",
                        help="instead: the samples and --synthetic scenes spoilt one way at a time "
                             "(camera faults, glare, a wide-angle lens)")
    parser.add_argument("--cutouts", type=int, default=0,
                        help="instead: N scenes of mascots registered as cut-outs (PNG with transparency) "
                             "and N of cut-out look-alikes")
    parser.add_argument("--frame-sizes", type=_sizes, default=None,
                        help="instead: synthetic scenes of these sizes (WxH,WxH…) searched at the default "
                             "max_pixels (1920×1080) and at their own size")
    parser.add_argument("--searched-at", type=_sizes, default=None,
                        help="with --frame-sizes: search them at these sizes too (WxH,…; max_pixels)")
    parser.add_argument("--heights", type=_pair, default=None,
                        help="with --frame-sizes: card heights LO,HI in px (default 60–500 scaled with the frame)")
    args = parser.parse_args()
    cv2.setNumThreads(2)
    registry = MascotRegistry.from_directory(ROOT / "media" / "mascots")
    if args.reference_scale != 1.0:
        registry = _scaled_registry(args.reference_scale)
    if args.cutouts:
        return cutouts(args.cutouts, args.seed)
    if args.frame_sizes:
        return frame_sizes(registry, args.frame_sizes, args.heights, args.searched_at, args.synthetic, args.seed)
    options: dict = {"centre_peaks": not args.no_centre_peaks}
    if args.min_score is not None:
        options["min_score"] = args.min_score
    if args.coarse:
        options.update(scale_factor=1.44, upscaled_levels=1, levels=4, n_features=3000)
    settings = DetectorSettings(**options)
    if args.draws:
        return hash_draws(registry, args.draws, args.synthetic, args.seed, settings)
    if args.sequence:
        return sequences(registry, args.sequence, args.seed)
    detector = MascotDetector(registry, settings)
    detector.detect(np.zeros((720, 1280, 3), np.uint8))  # warm-up
    if args.conditions:
        return conditions(detector, args.synthetic, args.seed)
    header = ("| set | images | labelled cards | distractor cards | found | precision | recall | "
              "false detections | wall ms/frame mean | wall ms/frame p95 | CPU ms/frame mean |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|")
    rows = [("20 labelled samples", run_samples(detector))]
    if args.synthetic:
        rows.append((f"synthetic n={args.synthetic} seed={args.seed}",
                     run_synthetic(detector, args.synthetic, args.seed)))
    lines = [header] + [t.line(n) for n, t in rows]
    if args.repeat:
        lines += ["", best_of(detector, args.repeat)]
    print("\n".join(lines))
    for name, t in rows:
        if args.verbose:
            print(f"\n{name}: misses", *t.misses, sep="\n  ")
            print(f"{name}: false detections", *t.false, sep="\n  ")
        if t.tp_scores:
            print(f"{name}: true-positive score min {min(t.tp_scores):.3f}, "
                  f"false score max {max(t.fp_scores, default=0):.3f}")
    if args.write:
        cmd = "\n".join(["```", ".venv/bin/python bench/mascots_bench.py "
                         f"--synthetic {args.synthetic} --seed {args.seed} --repeat {args.repeat}"
                         f"{' --no-centre-peaks' if args.no_centre_peaks else ''}"
                         f" --write {args.write}", "```"])
        misses = "\n".join(f"- {m}" for _, t in rows for m in t.misses) or "- none"
        false = "\n".join(f"- {m}" for _, t in rows for m in t.false) or "- none"
        args.write.write_text(
            f"# Mascot detector benchmark\n\nMachine: {machine()}.\n\n{cmd}\n\n"
            "Two registered mascots, 1280×720 frames. Wall ms: per `detect` call; CPU ms: the "
            "process CPU time of that call summed over its 2 threads (what it costs the machine, "
            "independent of other load).\n\n"
            + "\n".join(lines) + f"\n\n## Misses\n{misses}\n\n## False detections\n{false}\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
