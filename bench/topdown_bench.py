"""Top-down cameras: count error per direction on the labelled ceiling clip and on degraded copies
of it, sensitivity to `person_size`, and frames per second of the top-down path beside the
angled one on a 1280×720 stream.

    .venv/bin/python bench/topdown_bench.py [--out bench/results/topdown.md]

Clips (made once in /tmp from media/luxonis-topdown-passage-left.mp4, whose crossings of x = 640
are hand-labelled: 1 to the right = in, 3 to the left = out):
  original      1280×800, 30 fps
  low-res       320×200 (a cheap camera or a sub-stream)
  blurred       640×400, Gaussian σ = 3 px (out of focus, dirty dome)
  blurred 15fps the same at 15 fps
  15 fps        1280×800, every second frame
  rotated       turned 90° (people walk up the image; the line turns with it: truth in 3, out 1)
  zoomed        the central 640×400 enlarged to 1280×800 (a camera twice as low: people and
                leaf shadows twice as large), counted with person_size 0.4 and with the default
  720p          1280×720 (the central rows), for the speed figures

Camera and encoding faults (a second table, `degraded_clips()`; also alone with `--degraded-only`):
  monochrome, sensor noise σ 10, JPEG quality 30 and 15 per frame, under-exposed ×0.45, more
  contrast (γ 1.3), flatter (γ 0.7), crushed shadows (γ 1.6 × 0.6: shadows near black), a cheap
  CCTV stream (320×200, blur σ 1.5, JPEG 30, 15 fps), low frame rates of recorders and
  sub-streams (7.5 and 5 fps), mirrored (truth in 3, out 1), the rolling bands of mains-powered
  light (±10 % and ±20 %), and parts of the view that never change: an on-screen display (name
  and clock), a black privacy mask, black bars (pillarboxed)

Starting with people in view (a third table, `late_start_clips()`; also alone with
`--late-starts-only`): the original cut to start at 13 frames (`LATE_STARTS`), some with a person
in view about to cross, as when the agent starts or restarts; the truth is the labelled crossings
after the cut. And synthetic door clips (seeds 1–4, 8 people walking alone) cut 0.4 s after each
person comes into view, compared with what the uncut clip counts after the cut.

Synthetic door clips (`bench/synth_topdown.py`, crossings known by construction): seeds 1–3,
20 arrivals each, once with everyone walking alone and once with the default mix (a quarter
side by side, some one behind the other), each as 640×480, 320×240 and blurred σ 2.5.

Speed: decode + detector only, then the whole pipeline (`edge.counting.count`, as `retail-edge
count` runs it: detector → tracker → line → windows), each in one process, one after the other.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edge.config import CameraConfig, DetectorConfig, parse_line_arg, with_view  # noqa: E402
from edge.counting import WHOLE_RUN_WINDOW_S, count  # noqa: E402
from edge.detections.factory import make_detector, settled_camera  # noqa: E402
from edge.frames.sources import open_source  # noqa: E402
from edge.pipeline import CameraPipeline  # noqa: E402

CLIP = ROOT / "media" / "luxonis-topdown-passage-left.mp4"
TMP = Path("/tmp/retail-edge-topdown")


def _write(name: str, fps: float, size: tuple[int, int], transform, every: int = 1, start: int = 0,
           source: Path = CLIP) -> Path:
    """`transform` of every `every`-th frame of `source` from frame `start` on, written once to
    TMP/`name`.mp4."""
    path = TMP / f"{name}.mp4"
    if path.exists():
        return path
    TMP.mkdir(exist_ok=True)
    src = cv2.VideoCapture(str(source))
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    i = 0
    while True:
        ok, frame = src.read()
        if not ok:
            break
        if i >= start and (i - start) % every == 0:
            out.write(transform(frame))
        i += 1
    out.release()
    return path


def clips() -> list[tuple[str, Path, str, tuple[int, int], float]]:
    """(name, video, line, (true in, true out), person_size)."""
    def blur(f):
        return cv2.GaussianBlur(cv2.resize(f, (640, 400), interpolation=cv2.INTER_AREA), (0, 0), 3)

    def zoom(f):
        return cv2.resize(f[200:600, 320:960], (1280, 800), interpolation=cv2.INTER_LINEAR)

    zoomed = _write("zoom2", 30, (1280, 800), zoom)
    return [(*c, "auto") for c in [
        ("original 1280×800 30 fps", CLIP, "640,800,640,0", (1, 3)),
        ("low-res 320×200", _write("low", 30, (320, 200), lambda f: cv2.resize(f, (320, 200),
                                                                              interpolation=cv2.INTER_AREA)),
         "160,200,160,0", (1, 3)),
        ("blurred 640×400 σ3", _write("blur", 30, (640, 400), blur), "320,400,320,0", (1, 3)),
        ("blurred 640×400 σ3, 15 fps", _write("blur15", 15, (640, 400), blur, every=2), "320,400,320,0", (1, 3)),
        ("15 fps", _write("half15", 15, (1280, 800), lambda f: f, every=2), "640,800,640,0", (1, 3)),
        ("rotated 90°", _write("rot", 30, (800, 1280), lambda f: cv2.rotate(f, cv2.ROTATE_90_CLOCKWISE)),
         "800,640,0,640", (3, 1)),
    ]] + [
        ("zoomed ×2 (camera twice as low), person_size 0.4", zoomed, "640,800,640,0", (1, 3), 0.4),
        ("zoomed ×2, person_size left at its default (auto)", zoomed, "640,800,640,0", (1, 3), "auto"),
    ]


def _jpeg(f, quality: int):
    return cv2.imdecode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)


def _tone(f, gamma: float, gain: float = 1.0):
    return np.clip(255.0 * (f.astype(np.float32) / 255.0) ** gamma * gain, 0, 255).astype(np.uint8)


def degraded_clips() -> list[tuple[str, Path, str, tuple[int, int], float]]:
    """(name, video, line, (true in, true out), person_size) of the camera and encoding faults."""
    rng = np.random.default_rng(9)

    def noise(f):
        return np.clip(f + rng.normal(0.0, 10.0, f.shape), 0, 255).astype(np.uint8)

    def mono(f):
        return cv2.cvtColor(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)

    def cctv(f):
        small = cv2.resize(f, (320, 200), interpolation=cv2.INTER_AREA)
        return _jpeg(cv2.GaussianBlur(small, (0, 0), 1.5), 30)

    def flicker(amplitude: float):
        """Rolling-shutter bands of mains-powered light: 100 Hz seen by a 30 fps camera reading
        800 rows in a frame time are bands 240 rows apart, rolling a third of a band a frame."""
        frames = itertools.count()

        def f(frame):
            rows = np.arange(frame.shape[0], dtype=np.float32)[:, None, None]
            gain = 1 + amplitude * np.sin(2 * np.pi * (rows / 240 + next(frames) / 3))
            return np.clip(frame * gain, 0, 255).astype(np.uint8)
        return f

    def stamp():
        """A camera's on-screen display: a dark band with its name and the time, ticking each second."""
        frames = itertools.count()

        def f(frame):
            out = frame.copy()
            out[:60] = 20
            seconds = next(frames) // 30
            cv2.putText(out, f"DOOR 01  2026-11-24 10:00:{seconds:02d}", (20, 45), cv2.FONT_HERSHEY_SIMPLEX,
                        1.4, (235, 235, 235), 3)
            return out
        return f

    def privacy_mask(f):
        out = f.copy()
        out[:200, :400] = 0
        return out

    full, line = (1280, 800), "640,800,640,0"
    return [(*c, "auto") for c in [
        ("monochrome", _write("mono", 30, full, mono), line, (1, 3)),
        ("sensor noise σ 10", _write("noise10", 30, full, noise), line, (1, 3)),
        ("JPEG quality 30", _write("jpeg30", 30, full, lambda f: _jpeg(f, 30)), line, (1, 3)),
        ("JPEG quality 15", _write("jpeg15", 30, full, lambda f: _jpeg(f, 15)), line, (1, 3)),
        ("under-exposed ×0.45", _write("gain045", 30, full, lambda f: _tone(f, 1.0, 0.45)), line, (1, 3)),
        ("more contrast γ 1.3", _write("gamma13", 30, full, lambda f: _tone(f, 1.3)), line, (1, 3)),
        ("flatter γ 0.7", _write("gamma07", 30, full, lambda f: _tone(f, 0.7)), line, (1, 3)),
        ("crushed shadows γ 1.6 ×0.6", _write("crushed", 30, full, lambda f: _tone(f, 1.6, 0.6)), line, (1, 3)),
        ("cheap CCTV 320×200, blur σ 1.5, JPEG 30, 15 fps", _write("cctv", 15, (320, 200), cctv, every=2),
         "160,200,160,0", (1, 3)),
        ("7.5 fps (every 4th frame)", _write("fps7.5", 7.5, full, lambda f: f, every=4), line, (1, 3)),
        ("5 fps (every 6th frame: a recorder's sub-stream)", _write("fps5", 5, full, lambda f: f, every=6),
         line, (1, 3)),
        ("mirrored", _write("mirror", 30, full, lambda f: cv2.flip(f, 1)), line, (3, 1)),
        ("flicker bands ±10 % (rolling shutter under mains light)", _write("flicker10", 30, full, flicker(0.1)),
         line, (1, 3)),
        ("flicker bands ±20 %", _write("flicker20", 30, full, flicker(0.2)), line, (1, 3)),
        ("on-screen display: name and clock in a dark band", _write("osd", 30, full, stamp()), line, (1, 3)),
        ("privacy mask: a black 400×200 corner", _write("privmask", 30, full, privacy_mask), line, (1, 3)),
        ("pillarboxed: black bars to 1600×800", _write("pillar", 30, (1600, 800), lambda f: cv2.copyMakeBorder(
            f, 0, 0, 160, 160, cv2.BORDER_CONSTANT, value=(0, 0, 0))), "800,800,800,0", (1, 3)),
    ]]


# Clips cut to start at these frames of the original: on a person about to cross (35, 45: the
# first crossing at frame 65; 215, 225: the crossing at 241; 385, 400, 410: the one at 426), and
# on an empty passage (20, 150, 200, 350, 480, 495) for comparison.
LATE_STARTS = (20, 35, 45, 150, 200, 215, 225, 350, 385, 400, 410, 480, 495)
_LATE_MARGIN = 10  # a crossing this many frames or fewer after the cut is not expected to count


def late_start_clips() -> list[tuple[str, Path, str, tuple[int, int], float]]:
    """(name, video, line, (true in, true out), person_size) of the clip cut to start at each of
    LATE_STARTS: the agent starting (or restarting) with people already in view. The truth is
    the labelled crossings more than _LATE_MARGIN frames after the cut."""
    labels = json.loads(CLIP.with_suffix(".crossings.json").read_text())[CLIP.name]
    ins = [c["frame"] for c in labels["crossings_in_down"]]
    outs = [c["frame"] for c in labels["crossings_out_up"]]
    out = []
    for start in LATE_STARTS:
        truth = (sum(f > start + _LATE_MARGIN for f in ins), sum(f > start + _LATE_MARGIN for f in outs))
        video = _write(f"from{start}", 30, (1280, 800), lambda f: f, start=start)
        out.append((f"from frame {start}", video, "640,800,640,0", truth, "auto"))
    return out


def crossing_times(video: Path, config: CameraConfig, every: int = 1,
                   settle_first: bool = False) -> list[tuple[float, str]]:
    """(time s, direction) of every crossing counted in `video`, as `count` runs the pipeline;
    with `every` N, on one frame in N only (a camera or recorder at 1/N of the frame rate). With
    `settle_first`, as `retail-edge count --settle-first` counts a file: again at the size an
    "auto" detector settled on, when it moved; without, as the agent counts (each frame once)."""
    detector = make_detector(config)
    out = []
    with open_source(str(video)) as source:
        pipeline = CameraPipeline(config, detector, window_s=WHOLE_RUN_WINDOW_S)
        for i, frame in enumerate(source.frames()):
            if i % every == 0:
                out += [(frame.ts, e.direction) for e in pipeline.process(frame, frame.ts).events]
        pipeline.finish()
    settled = settled_camera(config, detector) if settle_first else None
    return out if settled is None else crossing_times(video, settled, every)


def synthetic_late_starts(seeds=(1, 2, 3, 4), arrivals: int = 8) -> tuple[list[str], list[dict]]:
    """Synthetic door clips (people walking alone) cut 0.4 s after each person comes into view:
    does the cut clip count what the uncut one counts after the cut? (The uncut clip's own misses,
    measured in the synthetic doors table, are not the start's.)"""
    import synth_topdown

    data, same, cuts_n, diff = [], 0, 0, 0
    settle = 0.4  # crossings this soon after the cut are not compared
    for seed in seeds:
        clip = synth_topdown.make_clip(seed, people=arrivals, groups={"one": 1.0})
        full = synth_topdown.write(clip, {"640×480": TMP / f"late-door-{seed}.mp4"})["640×480"]
        config = camera(synth_topdown.line_spec(clip))
        uncut = crossing_times(full, config)
        for walker in clip.walkers:
            start = walker.start + int(0.4 * clip.fps)
            t0 = start / clip.fps
            cut = _write(f"late-door-{seed}-{start}", clip.fps, clip.size, lambda f: f, start=start, source=full)
            got = crossing_times(cut, config)
            want = [sum(t > t0 + settle and d == k for t, d in uncut) for k in ("in", "out")]
            counted = [sum(t > settle and d == k for t, d in got) for k in ("in", "out")]
            off = abs(counted[0] - want[0]) + abs(counted[1] - want[1])
            same += off == 0
            cuts_n += 1
            diff += off
            data.append({"seed": seed, "cut_s": round(t0, 2), "uncut": want, "cut": counted})
    return [f"| {cuts_n} | {same} | {diff} |"], data


def camera(line: str, person_size: float | str = "auto") -> CameraConfig:
    base = CameraConfig(lines=(parse_line_arg(line),), detector=DetectorConfig(person_size=person_size))
    return with_view(base, "top-down")


def accuracy(clip_list: list[tuple[str, Path, str, tuple[int, int], float]]) -> tuple[list[str], list[dict]]:
    """Count each (name, video, line, (true in, true out), person_size): table rows and data."""
    rows, data = [], []
    for name, video, line, (t_in, t_out), size in clip_list:
        r = count(str(video), camera(line, size))
        rows.append(f"| {name} | {t_in} | {r.in_count} ({r.in_count - t_in:+d}) | {t_out} | "
                    f"{r.out_count} ({r.out_count - t_out:+d}) |")
        data.append({"clip": name, "truth": [t_in, t_out], "counted": [r.in_count, r.out_count]})
    return rows, data


def sensitivity() -> tuple[list[str], list[dict]]:
    rows, data = [], []
    for size in (0.15, 0.2, 0.25, 0.3):
        r = count(str(CLIP), camera("640,800,640,0", size))
        rows.append(f"| {size} | {r.in_count} / {r.out_count} | {abs(r.in_count - 1) + abs(r.out_count - 3)} |")
        data.append({"person_size": size, "counted": [r.in_count, r.out_count]})
    return rows, data


def synthetic_doors(seeds=(1, 2, 3), arrivals: int = 20) -> tuple[list[str], list[dict]]:
    """Count error per direction on synthetic door clips, summed over `seeds`, per mix and copy."""
    import synth_topdown

    rows, data = [], []
    for mix, groups in (("alone", {"one": 1.0}), ("mixed", None)):
        totals = {name: [0, 0, 0, 0] for name in synth_topdown.VARIANTS}
        for seed in seeds:
            clip = synth_topdown.make_clip(seed, people=arrivals, groups=groups)
            paths = {name: TMP / f"door-{mix}-{seed}-{k}.mp4" for k, name in enumerate(synth_topdown.VARIANTS)}
            TMP.mkdir(exist_ok=True)
            synth_topdown.write(clip, paths)
            for name, path in paths.items():
                scale = video_width(path) / clip.size[0]  # a smaller copy's line is scaled with it
                r = count(str(path), camera(synth_topdown.line_spec(clip, scale)))
                t = totals[name]
                t[0] += clip.truth["in"]
                t[1] += r.in_count
                t[2] += clip.truth["out"]
                t[3] += r.out_count
                data.append({"mix": mix, "seed": seed, "copy": name, "sun": clip.sun is not None,
                             "truth": [clip.truth["in"], clip.truth["out"]], "counted": [r.in_count, r.out_count]})
        for name, (t_in, c_in, t_out, c_out) in totals.items():
            rows.append(f"| {mix} | {name} | {t_in} → {c_in} ({100 * (c_in - t_in) / t_in:+.0f} %) | "
                        f"{t_out} → {c_out} ({100 * (c_out - t_out) / t_out:+.0f} %) |")
    return rows, data


def video_width(video: Path) -> int:
    cap = cv2.VideoCapture(str(video))
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    finally:
        cap.release()


def speed_config(path: str) -> CameraConfig:
    """The camera for a speed row: "top-down", "angled" (input size auto, so a 21 s clip is all its
    first minute of probes) or "angled 416" (a fixed size: what auto costs after that minute
    when people are large)."""
    config = CameraConfig(lines=(parse_line_arg("640,720,640,0"),))
    if path == "angled 416":
        return replace(config, detector=DetectorConfig(input_size=416))
    return with_view(config, path)


def detector_fps(video: Path, path: str) -> float:
    config = speed_config(path)
    detector = make_detector(config, threads=os.cpu_count() or 1)
    frames, began = 0, time.perf_counter()
    with open_source(str(video)) as source:
        for frame in source.frames():
            detector.detect(frame.image)
            frames += 1
    return frames / (time.perf_counter() - began)


def pipeline_fps(video: Path, path: str) -> float:
    config = speed_config(path)
    began = time.perf_counter()
    r = count(str(video), config)
    return r.frames / (time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="also write the tables to this markdown file")
    ap.add_argument("--degraded-only", action="store_true",
                    help="only the camera and encoding faults table (about 3 minutes)")
    ap.add_argument("--speed-only", action="store_true",
                    help="only the speed of the top-down and angled paths on the 1280×720 copy (about a minute)")
    ap.add_argument("--late-starts-only", action="store_true",
                    help="only the tables of clips cut to start later (about 7 minutes)")
    args = ap.parse_args(argv)
    header = ["| clip | true in | counted in (error) | true out | counted out (error) |", "|---|---|---|---|---|"]

    def late_starts() -> tuple[str, list[dict]]:
        rows, data = accuracy(late_start_clips())
        synth_rows, synth = synthetic_late_starts()
        return "\n".join(["Starting with people in view: the original clip cut to start at a frame "
                          "(person_size auto, the default):", "", *header, *rows, "",
                          "Synthetic door clips (seeds 1–4, 8 people walking alone) cut 0.4 s after each person "
                          "comes into view, against the uncut clip's crossings after the cut:", "",
                          "| cuts | count as the uncut clip | crossings different |", "|---|---|---|",
                          *synth_rows, ""]), data + synth

    def speed() -> dict[str, dict[str, float]]:
        v720 = _write("720p", 30, (1280, 720), lambda f: f[40:760])
        return {view: {"detector_fps": round(detector_fps(v720, view), 1),
                       "pipeline_fps": round(pipeline_fps(v720, view), 1)}
                for view in ("top-down", "angled", "angled 416")}

    if args.speed_only:
        print(json.dumps({"speed_720p": speed(), "load_before": os.getloadavg()[0]}))
        return 0
    if args.late_starts_only:
        late_text, late = late_starts()
        print(late_text)
        print(json.dumps({"late_starts": late}))
        return 0
    deg_rows, deg = accuracy(degraded_clips())
    deg_text = "\n".join(["Camera and encoding faults (person_size auto, the default):", "", *header, *deg_rows, ""])
    if args.degraded_only:
        print(deg_text)
        print(json.dumps({"degraded": deg}))
        return 0
    late_text, late = late_starts()
    acc_rows, acc = accuracy(clips())
    sens_rows, sens = sensitivity()
    door_rows, doors = synthetic_doors()
    load = os.getloadavg()[0]
    speeds = speed()
    text = "\n".join([
        "Count per direction (person_size auto, the default):", "",
        *header, *acc_rows, "", deg_text, late_text,
        "Synthetic door clips (seeds 1–3, 20 arrivals each; truth → counted, summed):", "",
        "| mix | copy | in | out |", "|---|---|---|---|", *door_rows, "",
        "Sensitivity to person_size (original clip; truth in 1 / out 3):", "",
        "| person_size | counted in / out | absolute error |", "|---|---|---|", *sens_rows, "",
        "Speed on the 1280×720 copy (627 frames; decode included; load average before: "
        f"{load:.1f}):", "",
        "| path | decode + detector, fps | whole pipeline (`count`), fps |", "|---|---|---|",
        *(f"| {v} | {s['detector_fps']} | {s['pipeline_fps']} |" for v, s in speeds.items()), "",
    ])
    print(text)
    print(json.dumps({"accuracy": acc, "degraded": deg, "late_starts": late, "synthetic_doors": doors,
                      "sensitivity": sens, "speed_720p": speeds}))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("# Top-down cameras\n\nCommand: `.venv/bin/python bench/topdown_bench.py "
                            f"--out {args.out}`\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
