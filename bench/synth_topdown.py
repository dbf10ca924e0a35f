"""Synthetic door-camera clips seen from straight above, with their crossings known by construction.

The one real labelled ceiling clip has four crossings; one error there is 25 %. These clips give
the top-down path dozens of crossings per clip, in the situations the issue lists: hard sun
shadows, auto-exposure steps, people side by side and one behind the other, bags and trolleys,
someone standing near the door, people who turn back before the line, light and dark clothes on
plain, tiled and speckled floors; then the copies a cheap door camera gives (low resolution, out
of focus).

A person from above is drawn as shoulders (an ellipse across the walking direction, clothes of
one colour with stripes or noise), two swinging arms and a head (hair or a cap), at a shoulder
width of about `person_size` × the frame's shorter side (± 15 %). This is a model of a person,
not a photograph: the figures it gives say how the detector, tracker and line logic handle
these situations, not how they do on a real camera.

    .venv/bin/python bench/synth_topdown.py --seed 1 --out /tmp/door1.mp4   # the clip; prints its truth

The door line is horizontal across the middle, "0,H/2,W,H/2": walking down the image is `in`
(from the left of A→B to its right, docs/CONFIG.md).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

SHOULDER_M = 0.45  # shoulder width of an adult, metres


@dataclass
class Walker:
    """One person's path: positions (x, y) in px per frame index from `start`."""

    start: int
    xy: np.ndarray  # (n, 2) px
    heading: np.ndarray  # (n,) radians, direction of travel
    shoulder: float  # px
    clothes: tuple[int, int, int]
    pattern: str  # "plain" | "stripes" | "noise"
    hair: tuple[int, int, int]
    carries: str  # "none" | "bag" | "trolley"
    seed: int = 0

    def at(self, frame: int) -> tuple[float, float, float] | None:
        k = frame - self.start
        if 0 <= k < len(self.xy):
            return float(self.xy[k, 0]), float(self.xy[k, 1]), float(self.heading[k])
        return None


@dataclass
class Clip:
    size: tuple[int, int]
    fps: float
    frames: int
    line_y: float
    walkers: list[Walker]
    floor: np.ndarray
    sun: tuple[float, float] | None  # shadow offset per px of shoulder (dx, dy), or None
    shade: float  # floor brightness inside a shadow
    exposure: np.ndarray  # (frames,) gain
    noise: float
    truth: dict[str, int] = field(default_factory=dict)


def _floor(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    kind = rng.choice(["plain", "tiles", "speckled", "mat"])
    base = rng.uniform(90, 190)
    tint = rng.uniform(0.85, 1.15, 3)
    grey = np.full((h, w), base, np.float32)
    if kind == "tiles":
        step = int(rng.integers(40, 90))
        grey[::step, :] -= 35
        grey[:, ::step] -= 35
        grey = cv2.GaussianBlur(grey, (0, 0), 0.8)
    elif kind == "speckled":
        speck = rng.normal(0, 1, (h // 4 + 1, w // 4 + 1)).astype(np.float32)
        grey += 18 * cv2.resize(speck, (w, h), interpolation=cv2.INTER_CUBIC)[:h, :w]
    elif kind == "mat":  # a darker door mat across the door line
        y0 = int(h * rng.uniform(0.35, 0.45))
        grey[y0:y0 + int(h * 0.2), int(w * 0.1):int(w * 0.9)] *= 0.45
    grey += rng.normal(0, 3, (h, w)).astype(np.float32)
    return np.clip(grey[..., None] * tint[None, None, :], 0, 255).astype(np.float32)


def _clothes(rng: np.random.Generator) -> tuple[int, int, int]:
    kind = rng.random()
    if kind < 0.3:  # dark coat
        v = rng.uniform(20, 60)
        return tuple(int(v * c) for c in rng.uniform(0.8, 1.2, 3))
    if kind < 0.55:  # light shirt
        v = rng.uniform(180, 245)
        return tuple(int(min(255, v * c)) for c in rng.uniform(0.9, 1.05, 3))
    return tuple(int(c) for c in rng.integers(30, 230, 3))  # any colour


def _walk(rng: np.random.Generator, start: int, fps: float, w: int, h: int, x0: float, down: bool,
          speed_px: float, turn_back: bool, stop_s: float, behind: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Positions from beyond one edge (`behind` px further back) to beyond the other (or back,
    for `turn_back`)."""
    margin = 0.3 * h
    y, x = (-margin - behind, x0) if down else (h + margin + behind, x0)
    vy = speed_px / fps * (1 if down else -1)
    drift = rng.uniform(-0.15, 0.15) * speed_px / fps
    turn_at = h * rng.uniform(0.15, 0.3) if down else h * rng.uniform(0.7, 0.85)
    stop_at = h * rng.uniform(0.2, 0.3) if down else h * rng.uniform(0.7, 0.8)
    stop_left = int(stop_s * fps)
    xs, ys, hd = [], [], []
    phase = rng.uniform(0, 2 * math.pi)
    turned = False
    while -margin - behind - 1 <= y <= h + margin + behind + 1 and len(xs) < 4000:
        xs.append(x)
        ys.append(y)
        hd.append(math.atan2(vy, drift))
        if stop_left and ((down and y >= stop_at) or (not down and y <= stop_at)):
            stop_left -= 1  # standing still (sway a little)
            x += rng.normal(0, 0.3)
            continue
        if turn_back and not turned and ((down and y >= turn_at) or (not down and y <= turn_at)):
            vy, turned = -vy, True
        phase += 0.15
        x = float(np.clip(x + drift + 0.6 * math.sin(phase), 0.05 * w, 0.95 * w))
        y += vy
    return np.array(list(zip(xs, ys, strict=True)), np.float32), np.array(hd, np.float32)


GROUPS = {"one": 0.6, "side by side": 0.25, "one behind the other": 0.15}


def make_clip(seed: int, size: tuple[int, int] = (640, 480), fps: float = 15.0, people: int = 40,
              person_size: float = 0.2, groups: dict[str, float] | None = None) -> Clip:
    """A clip of `people` arrivals at a door: each one person alone, or two side by side (shoulders
    0–0.5 of a shoulder width apart), or two one behind the other, drawn with the chances in
    `groups` (default `GROUPS`)."""
    groups = groups or GROUPS
    rng = np.random.default_rng(seed)
    w, h = size
    metre = person_size * min(w, h) / SHOULDER_M  # px per metre
    walkers: list[Walker] = []
    t = int(2 * fps)  # an empty floor first, as after installation
    for _ in range(people):
        t += int(rng.exponential(3.5) * fps) + int(0.8 * fps)
        down = bool(rng.random() < 0.5)
        group = rng.choice(list(GROUPS), p=[groups.get(g, 0.0) for g in GROUPS])
        n = 1 if group == "one" else 2
        speed = rng.uniform(0.9, 1.6) * metre
        x0 = rng.uniform(0.25, 0.75) * w
        turn = bool(rng.random() < 0.07) and group == "one"
        stop = float(rng.uniform(8, 20)) if (group == "one" and not turn and rng.random() < 0.05) else 0.0
        for k in range(n):
            shoulder = person_size * min(w, h) * rng.uniform(0.85, 1.15)
            dx = behind = 0.0
            if group == "side by side" and k:
                dx = shoulder * rng.uniform(1.05, 1.5) * rng.choice([-1, 1])
            if group == "one behind the other" and k:
                behind = rng.uniform(0.7, 1.3) * metre
            xy, hd = _walk(rng, t, fps, w, h, x0 + dx, down, speed, turn, stop, behind)
            carries = rng.choice(["none", "bag", "trolley"], p=[0.7, 0.2, 0.1])
            hair = tuple(int(v) for v in (rng.integers(20, 70, 3) if rng.random() < 0.6
                                          else rng.integers(60, 220, 3)))
            walkers.append(Walker(t, xy, hd, float(shoulder), _clothes(rng),
                                  str(rng.choice(["plain", "stripes", "noise"])), hair, str(carries),
                                  int(rng.integers(1 << 30))))
    frames = max(wk.start + len(wk.xy) for wk in walkers) + int(fps)
    sun = None
    if rng.random() < 0.6:
        a = rng.uniform(0, 2 * math.pi)
        length = rng.uniform(0.8, 2.0)
        sun = (length * math.cos(a), length * math.sin(a))
    exposure = np.ones(frames, np.float32)
    for start in np.sort(rng.integers(0, frames, max(1, frames // int(25 * fps)))):
        step = rng.uniform(0.72, 1.3)  # an auto-exposure step, settling back over ~2 s
        settle = np.exp(-np.arange(frames - start) / (2.0 * fps))
        exposure[start:] *= 1 + (step - 1) * settle
    clip = Clip(size, fps, frames, h / 2, walkers, _floor(rng, w, h), sun, float(rng.uniform(0.3, 0.55)),
                exposure, float(rng.uniform(1.5, 4.0)))
    clip.truth = crossings(clip)
    return clip


def crossing_events(clip: Clip) -> list[tuple[float, str, int]]:
    """(time s, direction, walker index) of every crossing of the door line by a person's centre
    seen from above, in time order: down = in."""
    out = []
    for i, wk in enumerate(clip.walkers):
        side = np.sign(wk.xy[:, 1] - clip.line_y)
        idx = np.flatnonzero(side != 0)
        s = side[idx]
        for f in np.flatnonzero(s[1:] != s[:-1]):
            out.append(((wk.start + idx[f + 1]) / clip.fps, "in" if s[f + 1] > 0 else "out", i))
    return sorted(out)


def crossings(clip: Clip) -> dict[str, int]:
    """Crossings of the door line per direction (`crossing_events`)."""
    directions = [direction for _, direction, _ in crossing_events(clip)]
    return {"in": directions.count("in"), "out": directions.count("out")}


def _ellipse(img: np.ndarray, c: tuple[float, float], axes: tuple[float, float], angle_rad: float,
             colour) -> None:
    cv2.ellipse(img, (int(round(c[0] * 4)), int(round(c[1] * 4))),
                (max(1, int(axes[0] * 4)), max(1, int(axes[1] * 4))), math.degrees(angle_rad), 0, 360,
                colour, -1, cv2.LINE_AA, shift=2)


def _draw_person(img: np.ndarray, shadow: np.ndarray, wk: Walker, x: float, y: float, heading: float,
                 frame: int, sun) -> None:
    s = wk.shoulder
    fx, fy = math.cos(heading), math.sin(heading)  # forward
    if sun is not None:  # the shadow: the body's outline stretched away from the sun
        sx, sy = sun[0] * s, sun[1] * s
        length = math.hypot(sx, sy)
        _ellipse(shadow, (x + sx / 2, y + sy / 2), (length / 2 + 0.35 * s, 0.32 * s),
                 math.atan2(sy, sx), 1.0)
    swing = 0.18 * s * math.sin(frame * 0.5 + wk.seed % 7)
    if wk.carries == "trolley":
        tx, ty = x + fx * 0.95 * s, y + fy * 0.95 * s
        box = cv2.boxPoints(((tx, ty), (0.8 * s, 0.9 * s), math.degrees(heading)))
        cv2.polylines(img, [np.int32(box)], True, (150, 150, 155), 2, cv2.LINE_AA)
        for k in range(1, 4):
            a, b = box[0] + (box[1] - box[0]) * k / 4, box[3] + (box[2] - box[3]) * k / 4
            cv2.line(img, tuple(np.int32(a)), tuple(np.int32(b)), (140, 140, 145), 1, cv2.LINE_AA)
        swing = 0.0
    for side in (-1, 1):  # arms, swinging against each other
        ax = x - fy * side * 0.45 * s + fx * swing * side
        ay = y + fx * side * 0.45 * s + fy * swing * side
        _ellipse(img, (ax, ay), (0.16 * s, 0.11 * s), heading, wk.clothes)
    if wk.carries == "bag":
        bx, by = x - fy * 0.62 * s, y + fx * 0.62 * s
        _ellipse(img, (bx, by), (0.22 * s, 0.1 * s), heading, (40, 60, 120))
    body = np.zeros_like(img[..., 0])
    _ellipse(body, (x, y), (0.32 * s, 0.5 * s), heading, 1.0)
    region = body > 0
    colour = np.array(wk.clothes, np.float32)
    if wk.pattern == "stripes":
        yy, xx = np.nonzero(region)
        along = (xx * fx + yy * fy) / max(2.0, 0.12 * s)
        light = (np.floor(along) % 2 == 0)[:, None]
        img[yy, xx] = np.where(light, colour, colour * 0.55)
    elif wk.pattern == "noise":
        img[region] = colour + np.random.default_rng(wk.seed + frame).normal(0, 14, (int(region.sum()), 1))
    else:
        img[region] = colour
    _ellipse(img, (x + fx * 0.05 * s, y + fy * 0.05 * s), (0.24 * s, 0.27 * s), heading, wk.hair)


def render(clip: Clip, frame: int, rng: np.random.Generator) -> np.ndarray:
    """One BGR uint8 frame."""
    w, h = clip.size
    img = clip.floor.copy()
    shadow = np.zeros((h, w), np.float32)
    people = np.zeros_like(img)
    mask = np.zeros((h, w), np.float32)
    for wk in clip.walkers:
        pos = wk.at(frame)
        if pos is None:
            continue
        layer = np.zeros_like(img)
        _draw_person(layer, shadow, wk, *pos, frame, clip.sun)
        drawn = layer.any(axis=2)
        people[drawn] = layer[drawn]
        mask[drawn] = 1.0
    if clip.sun is not None:
        soft = cv2.GaussianBlur(shadow, (0, 0), 1.2)
        img *= (1 - (1 - clip.shade) * np.clip(soft, 0, 1))[..., None]
    img = img * (1 - mask[..., None]) + people
    img = img * clip.exposure[frame] + rng.normal(0, clip.noise, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


VARIANTS = {
    "640×480": None,
    "low-res 320×240": lambda f: cv2.resize(f, (320, 240), interpolation=cv2.INTER_AREA),
    "low-res 240×180": lambda f: cv2.resize(f, (240, 180), interpolation=cv2.INTER_AREA),
    "QCIF 176×132": lambda f: cv2.resize(f, (176, 132), interpolation=cv2.INTER_AREA),
    "blurred σ2.5": lambda f: cv2.GaussianBlur(f, (0, 0), 2.5),
}


def write(clip: Clip, paths: dict[str, Path]) -> dict[str, Path]:
    """Write the clip as MP4, once per `VARIANTS` name in `paths` (each frame rendered once)."""
    rng = np.random.default_rng(0)
    writers = {}
    for name, path in paths.items():
        transform = VARIANTS[name]
        size = clip.size if transform is None else transform(
            np.zeros((clip.size[1], clip.size[0], 3), np.uint8)).shape[1::-1]
        writers[name] = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), clip.fps, tuple(size))
    for f in range(clip.frames):
        image = render(clip, f, rng)
        for name, out in writers.items():
            out.write(image if VARIANTS[name] is None else VARIANTS[name](image))
    for out in writers.values():
        out.release()
    return paths


def line_spec(clip: Clip, scale: float = 1.0) -> str:
    """The door line in `retail-edge` form, for a copy of the clip `scale` times its size."""
    w, h = (round(v * scale) for v in clip.size)
    return f"0,{h // 2},{w},{h // 2}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--people", type=int, default=40)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    clip = make_clip(args.seed, people=args.people)
    write(clip, {"640×480": args.out})
    print(json.dumps({"video": str(args.out), "line": line_spec(clip), "truth": clip.truth,
                      "frames": clip.frames, "fps": clip.fps}))


if __name__ == "__main__":
    main()
