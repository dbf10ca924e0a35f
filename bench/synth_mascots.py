"""Synthetic mascot scenes: registered cards and look-alike distractor cards on backgrounds.

Deterministic for a seed. Each scene is a 1280×720 BGR image with 0–2 registered cards and 0–2
distractor cards, warped by random camera poses (out of plane up to 60°, roll ±25°, 60–500 px
tall), partly occluded (up to 30%), with lighting/colour changes, grey frames, blur, noise and
JPEG compression. Labels follow media/mascots/README.md (corners TL, TR, BR, BL; bbox x, y, w, h).

Distractors are never registered and must never be reported:
- `procedural`: a card drawn here in the campaign style (sunburst, 11.11 header, burst, ribbon,
  scan block, zig-zag or dotted border) with another animal;
- `recomposed`: a registered card whose character is replaced by another animal, keeping its
  header, burst, ribbon, scan block and border pixel for pixel (the hardest case).

Usage: python bench/synth_mascots.py --out /tmp/synth --n 200 --seed 7
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MASCOTS = ROOT / "media" / "mascots"
VIDEO = ROOT / "media" / "one-by-one-person-detection.mp4"
FRAME_WH = (1280, 720)
CARD_WH = (600, 800)
# where the character sits on the registered cards (x0, y0, x1, y1 in reference px)
CHARACTER_BOX = (110, 170, 540, 730)


@dataclass(frozen=True)
class Scene:
    name: str
    image: np.ndarray
    labels: list[dict]
    distractors: list[dict]
    meta: dict


def _sunburst(rng: np.random.Generator, wh: tuple[int, int], c1, c2) -> np.ndarray:
    w, h = wh
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w * rng.uniform(0.3, 0.7), h * rng.uniform(0.3, 0.6)
    rays = int(rng.integers(12, 28))
    ang = np.arctan2(y - cy, x - cx)
    t = (np.sin(ang * rays) > 0).astype(np.float32)[..., None]
    img = t * np.array(c1, np.float32) + (1 - t) * np.array(c2, np.float32)
    return img.astype(np.uint8)


def _animal(rng: np.random.Generator, img: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """Draw a simple cartoon animal (cat, bear, rabbit, owl or frog) in box."""
    x0, y0, x1, y1 = box
    cx, w, h = (x0 + x1) // 2, x1 - x0, y1 - y0
    fur = tuple(int(v) for v in rng.integers(0, 256, 3))
    light = tuple(min(255, int(v) + 90) for v in fur)
    dark = (30, 30, 30)
    kind = rng.choice(["cat", "bear", "rabbit", "owl", "frog"])
    head_c = (cx, y0 + int(h * 0.32))
    head_r = int(min(w, h) * rng.uniform(0.26, 0.34))
    # body
    cv2.ellipse(img, (cx, y0 + int(h * 0.75)), (int(w * 0.3), int(h * 0.24)), 0, 0, 360, fur, -1)
    cv2.ellipse(img, (cx, y0 + int(h * 0.78)), (int(w * 0.17), int(h * 0.17)), 0, 0, 360, light, -1)
    if kind in ("cat", "owl"):
        for s in (-1, 1):
            pts = np.array([[cx + s * head_r * 0.9, head_c[1] - head_r * 0.3],
                            [cx + s * head_r * 0.75, head_c[1] - head_r * 1.5],
                            [cx + s * head_r * 0.2, head_c[1] - head_r * 0.85]], np.int32)
            cv2.fillPoly(img, [pts], fur)
    elif kind == "bear":
        for s in (-1, 1):
            cv2.circle(img, (cx + s * int(head_r * 0.8), head_c[1] - int(head_r * 0.8)),
                       int(head_r * 0.35), fur, -1)
    elif kind == "rabbit":
        for s in (-1, 1):
            cv2.ellipse(img, (cx + s * int(head_r * 0.45), head_c[1] - int(head_r * 1.5)),
                        (int(head_r * 0.22), int(head_r * 0.8)), s * 10, 0, 360, fur, -1)
    cv2.circle(img, head_c, head_r, fur, -1)
    cv2.ellipse(img, (cx, head_c[1] + int(head_r * 0.35)), (int(head_r * 0.55), int(head_r * 0.4)),
                0, 0, 360, light, -1)
    eye_r = int(head_r * rng.uniform(0.14, 0.24))
    for s in (-1, 1):
        e = (cx + s * int(head_r * 0.4), head_c[1] - int(head_r * 0.1))
        cv2.circle(img, e, eye_r + 3, (255, 255, 255), -1)
        cv2.circle(img, e, eye_r, dark, -1)
        cv2.circle(img, (e[0] - eye_r // 3, e[1] - eye_r // 3), max(1, eye_r // 3), (255, 255, 255), -1)
    cv2.circle(img, (cx, head_c[1] + int(head_r * 0.25)), max(3, head_r // 9), dark, -1)
    if kind == "frog":
        cv2.ellipse(img, (cx, head_c[1] + int(head_r * 0.5)), (head_r // 2, head_r // 6), 0, 0, 180,
                    dark, 4)
    # a prop: box, bag or balloon
    px, py = cx + int(w * rng.uniform(-0.3, 0.3)), y0 + int(h * rng.uniform(0.6, 0.8))
    prop = tuple(int(v) for v in rng.integers(0, 256, 3))
    cv2.rectangle(img, (px - 35, py - 30), (px + 35, py + 30), prop, -1)
    cv2.line(img, (px, py - 30), (px, py + 30), (255, 255, 255), 6)


def _scan_block(rng: np.random.Generator, img: np.ndarray, x: int, y: int, size: int) -> None:
    cv2.rectangle(img, (x - 6, y - 6), (x + size + 6, y + size + 26), (255, 255, 255), -1)
    n = 21
    cell = size / n
    bits = rng.random((n, n)) > 0.5
    for i in range(n):
        for j in range(n):
            if bits[i, j]:
                cv2.rectangle(img, (int(x + j * cell), int(y + i * cell)),
                              (int(x + (j + 1) * cell), int(y + (i + 1) * cell)), (0, 0, 0), -1)
    for fx, fy in ((0, 0), (n - 7, 0), (0, n - 7)):
        p0 = (int(x + fx * cell), int(y + fy * cell))
        cv2.rectangle(img, p0, (int(p0[0] + 7 * cell), int(p0[1] + 7 * cell)), (0, 0, 0), -1)
        cv2.rectangle(img, (int(p0[0] + cell), int(p0[1] + cell)),
                      (int(p0[0] + 6 * cell), int(p0[1] + 6 * cell)), (255, 255, 255), -1)
        cv2.rectangle(img, (int(p0[0] + 2 * cell), int(p0[1] + 2 * cell)),
                      (int(p0[0] + 5 * cell), int(p0[1] + 5 * cell)), (0, 0, 0), -1)
    cv2.putText(img, "SCAN ME", (x + 8, y + size + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1,
                cv2.LINE_AA)


def procedural_card(rng: np.random.Generator) -> np.ndarray:
    """A campaign-style card (600×800 BGR) with an unregistered animal."""
    w, h = CARD_WH
    hue = rng.integers(0, 180)
    c1 = cv2.cvtColor(np.uint8([[[hue, 120, 250]]]), cv2.COLOR_HSV2BGR)[0, 0].tolist()
    c2 = cv2.cvtColor(np.uint8([[[hue, 200, 230]]]), cv2.COLOR_HSV2BGR)[0, 0].tolist()
    img = _sunburst(rng, (w, h), c1, c2)
    # confetti
    for _ in range(40):
        col = tuple(int(v) for v in rng.integers(0, 256, 3))
        p = (int(rng.integers(30, w - 30)), int(rng.integers(30, h - 30)))
        cv2.rectangle(img, p, (p[0] + 8, p[1] + 14), col, -1)
    _animal(rng, img, (130, 190, 520, 720))
    red = (40, 30, 210)
    left = bool(rng.random() < 0.5)
    hx = 50 if left else 300
    cv2.putText(img, "11.11", (hx + 4, 154), cv2.FONT_HERSHEY_TRIPLEX | cv2.FONT_ITALIC, 3.0,
                (255, 255, 255), 18, cv2.LINE_AA)
    cv2.putText(img, "11.11", (hx, 150), cv2.FONT_HERSHEY_TRIPLEX | cv2.FONT_ITALIC, 3.0, red, 10,
                cv2.LINE_AA)
    words = ["MEGA SALE", "BIG SAVINGS", "HAPPY DEALS", "SUPER WEEK", "BEST PRICE"]
    cv2.putText(img, str(rng.choice(words)), (hx + 10, 185), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                (40, 40, 40), 2, cv2.LINE_AA)
    # burst
    bx, by = (480, 110) if left else (120, 110)
    n = 16
    ang = np.linspace(0, 2 * np.pi, 2 * n, endpoint=False)
    rad = np.where(np.arange(2 * n) % 2 == 0, 80, 60)
    pts = np.stack([bx + rad * np.cos(ang), by + rad * np.sin(ang)], 1).astype(np.int32)
    cv2.fillPoly(img, [pts], tuple(int(v) for v in rng.integers(0, 256, 3)))
    cv2.putText(img, str(rng.choice(["-30%", "3 FOR 2", "-70%", "NEW"])), (bx - 50, by + 12),
                cv2.FONT_HERSHEY_DUPLEX, 1.1, (255, 255, 255), 3, cv2.LINE_AA)
    # ribbon
    rib = tuple(int(v) for v in rng.integers(0, 200, 3))
    cv2.rectangle(img, (50, 700), (550, 750), rib, -1)
    cv2.putText(img, str(rng.choice(["BUNNY DEALS", "KITTY SALE", "OWL OFFERS", "BEAR DAYS"])),
                (130, 738), cv2.FONT_HERSHEY_TRIPLEX | cv2.FONT_ITALIC, 1.2, (255, 255, 255), 2,
                cv2.LINE_AA)
    sx = 420 if rng.random() < 0.5 else 60
    _scan_block(rng, img, sx, 560, 100)
    # border: zig-zag or dotted
    border = tuple(int(v) for v in rng.integers(0, 200, 3))
    if rng.random() < 0.5:
        cv2.rectangle(img, (0, 0), (w - 1, h - 1), border, 30)
        tooth = 20
        for x in range(0, w, tooth):
            for y, s in ((30, 1), (h - 31, -1)):
                cv2.fillPoly(img, [np.array([[x, y], [x + tooth, y], [x + tooth // 2, y + s * 12]],
                                            np.int32)], border)
        for y in range(0, h, tooth):
            for x, s in ((30, 1), (w - 31, -1)):
                cv2.fillPoly(img, [np.array([[x, y], [x, y + tooth], [x + s * 12, y + tooth // 2]],
                                            np.int32)], border)
    else:
        cv2.rectangle(img, (0, 0), (w - 1, h - 1), border, 26)
        for x in range(13, w, 26):
            for y in (13, h - 13):
                cv2.circle(img, (x, y), 5, (230, 240, 255), -1)
        for y in range(13, h, 26):
            for x in (13, w - 13):
                cv2.circle(img, (x, y), 5, (230, 240, 255), -1)
    return img


def recomposed_card(rng: np.random.Generator, registered: np.ndarray) -> np.ndarray:
    """A registered card with its character replaced by another animal (same layout)."""
    img = registered.copy()
    x0, y0, x1, y1 = CHARACTER_BOX
    patch = img[y0:y1, x0:x1]
    # new background: the card's own dominant colours as a fresh sunburst
    c1 = patch.reshape(-1, 3).mean(0)
    c2 = np.clip(c1 * 0.8, 0, 255)
    img[y0:y1, x0:x1] = _sunburst(rng, (x1 - x0, y1 - y0), c1.tolist(), c2.tolist())
    _animal(rng, img, (x0 + 20, y0 + 10, x1 - 20, y1 - 10))
    return img


# Cut-out versions of the registered cards (a standee's outline), for mascots registered from a
# PNG with transparent parts: the fox as an oval, the panda as a head-and-body outline.
CUTOUTS = {"mascot-fox": "oval", "mascot-panda": "standee"}


def cutout_alpha(kind: str) -> np.ndarray:
    """uint8 alpha (255 opaque) of a 600×800 card cut out as an "oval" or a "standee" outline."""
    a = np.zeros(CARD_WH[::-1], np.uint8)
    if kind == "oval":
        cv2.ellipse(a, (300, 430), (250, 350), 0, 0, 360, 255, -1)
    else:
        cv2.ellipse(a, (300, 500), (270, 290), 0, 0, 360, 255, -1)
        cv2.circle(a, (300, 260), 200, 255, -1)
        cv2.circle(a, (150, 120), 90, 255, -1)
        cv2.circle(a, (450, 120), 90, 255, -1)
    return a


def write_cutouts(directory: Path) -> None:
    """The registered mascots as RGBA PNGs in `directory`, transparent (and black, as many
    exports leave it) outside their `CUTOUTS` outline."""
    for name, kind in CUTOUTS.items():
        card = cv2.imread(str(MASCOTS / f"{name}.png"))
        a = cutout_alpha(kind)
        cv2.imwrite(str(directory / f"{name}.png"), np.dstack([np.where(a[..., None] > 0, card, 0), a]))


def paste_cutout(scene: np.ndarray, card: np.ndarray, alpha: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """`scene` with the opaque part of `card` (`alpha`) warped onto it by `homography`."""
    wh = (scene.shape[1], scene.shape[0])
    m = cv2.warpPerspective(alpha.astype(np.float32) / 255, homography, wh)[..., None]
    warped = cv2.warpPerspective(card, homography, wh, flags=cv2.INTER_AREA)
    return (scene * (1 - m) + warped * m).astype(np.uint8)


def random_pose(rng: np.random.Generator, height_px: float,
                frame_wh: tuple[int, int] = FRAME_WH) -> np.ndarray:
    """Homography card px → frame px for a card of about `height_px` at a random 3-D pose."""
    w, h = CARD_WH
    tilt = np.deg2rad(rng.uniform(0, 60))
    axis = rng.uniform(0, 2 * np.pi)
    roll = np.deg2rad(rng.uniform(-25, 25))
    rx, ry = tilt * np.sin(axis), tilt * np.cos(axis)
    rmat = cv2.Rodrigues(np.array([rx, ry, 0.0]))[0] @ cv2.Rodrigues(np.array([0, 0, roll]))[0]
    f = 1000.0
    z = f * 1.0 / (height_px / h)  # card 1 unit per px of reference at distance z
    pts3 = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    cam = pts3 @ rmat.T + np.array([0, 0, z])
    proj = f * cam[:, :2] / cam[:, 2:3]
    proj -= proj.min(axis=0)
    span = proj.max(axis=0)
    fw, fh = frame_wh
    off = np.array([rng.uniform(0, max(1.0, fw - span[0])), rng.uniform(0, max(1.0, fh - span[1]))])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    return cv2.getPerspectiveTransform(src, (proj + off).astype(np.float32))


def _paste(scene: np.ndarray, card: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """Composite a card; returns its mask in the frame (float32 0–1)."""
    fh, fw = scene.shape[:2]
    warped = cv2.warpPerspective(card, homography, (fw, fh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones(card.shape[:2], np.float32), homography, (fw, fh),
                               flags=cv2.INTER_LINEAR)
    scene[:] = (scene * (1 - mask[..., None]) + warped * mask[..., None]).astype(np.uint8)
    return mask


def _occlude(rng: np.random.Generator, scene: np.ndarray, mask: np.ndarray,
             filler: np.ndarray, max_fraction: float) -> float:
    area = float(mask.sum())
    if area < 1 or max_fraction <= 0:
        return 0.0
    ys, xs = np.nonzero(mask > 0.5)
    target = rng.uniform(0.05, max_fraction)
    occ = np.zeros(mask.shape, np.uint8)
    i = int(rng.integers(len(xs)))
    cx, cy = int(xs[i]), int(ys[i])
    r = np.sqrt(target * area / np.pi)
    for _ in range(12):  # grow or shrink the blob until it covers about the target
        occ[:] = 0
        cv2.ellipse(occ, (cx, cy), (max(2, int(r * 1.3)), max(2, int(r * 0.8))),
                    float(rng.uniform(0, 180)), 0, 360, 1, -1)
        frac = float((occ * (mask > 0.5)).sum()) / area
        if frac > max_fraction:
            r *= 0.85
        elif frac < 0.5 * target:
            r *= 1.2
        else:
            break
    frac = float((occ * (mask > 0.5)).sum()) / area
    if frac > max_fraction:
        return 0.0
    scene[occ > 0] = filler[occ > 0]
    return frac


def _backgrounds(rng: np.random.Generator, n: int, frame_wh: tuple[int, int]) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    cap = cv2.VideoCapture(str(VIDEO))
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or 1
    for idx in sorted(rng.choice(total, size=max(1, n // 2), replace=False)):
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(idx))
        ok, frame = cap.read()
        if ok:
            out.append(cv2.resize(frame, frame_wh))
    cap.release()
    while len(out) < n:  # procedural clutter: gradients, shapes, lines, text
        fw, fh = frame_wh
        img = np.zeros((fh, fw, 3), np.uint8)
        img[:] = rng.integers(0, 256, 3)
        for _ in range(int(rng.integers(20, 80))):
            col = tuple(int(v) for v in rng.integers(0, 256, 3))
            kind = rng.integers(4)
            p = (int(rng.integers(0, fw)), int(rng.integers(0, fh)))
            if kind == 0:
                cv2.rectangle(img, p, (p[0] + int(rng.integers(10, 300)), p[1] + int(rng.integers(10, 300))), col, -1)
            elif kind == 1:
                cv2.circle(img, p, int(rng.integers(5, 120)), col, -1)
            elif kind == 2:
                cv2.line(img, p, (int(rng.integers(0, fw)), int(rng.integers(0, fh))), col, int(rng.integers(1, 8)))
            else:
                cv2.putText(img, str(rng.choice(["SALE", "11.11", "OPEN", "-20%", "NEW"])), p,
                            cv2.FONT_HERSHEY_DUPLEX, float(rng.uniform(0.5, 3)), col, 2, cv2.LINE_AA)
        out.append(cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.3, 1.5))))
    return out


def _photometric(rng: np.random.Generator, img: np.ndarray, meta: dict) -> np.ndarray:
    x = img.astype(np.float32) / 255.0
    gain = rng.uniform(0.55, 1.35) * rng.uniform(0.8, 1.2, 3)  # exposure and colour cast
    x = np.clip(x * gain, 0, 1) ** rng.uniform(0.75, 1.35)
    if rng.random() < 0.2:
        g = cv2.cvtColor((x * 255).astype(np.uint8), cv2.COLOR_BGR2GRAY)
        x = cv2.cvtColor(g, cv2.COLOR_GRAY2BGR).astype(np.float32) / 255.0
        meta["grey"] = True
    r = rng.random()
    if r < 0.3:
        s = float(rng.uniform(0.5, 1.8))
        x = cv2.GaussianBlur(x, (0, 0), s)
        meta["blur"] = f"gaussian sigma {s:.2f}"
    elif r < 0.5:
        length = int(rng.integers(3, 8))
        k = np.zeros((length, length), np.float32)
        k[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), float(rng.uniform(0, 180)), 1)
        k = cv2.warpAffine(k, rot, (length, length))
        x = cv2.filter2D(x, -1, k / max(k.sum(), 1e-6))
        meta["blur"] = f"motion {length}px"
    shot, read = float(rng.uniform(0, 0.25)), float(rng.uniform(1, 4)) / 255
    x = x + rng.normal(0, 1, x.shape).astype(np.float32) * np.sqrt(x * shot / 255 + read**2)
    q = int(rng.integers(60, 96))
    meta["jpeg_quality"] = q
    ok, buf = cv2.imencode(".jpg", (np.clip(x, 0, 1) * 255).astype(np.uint8),
                           [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def generate(n: int, seed: int = 7, frame_wh: tuple[int, int] = FRAME_WH,
             heights: tuple[float, float] = (60.0, 500.0)) -> list[Scene]:
    """`n` scenes of `frame_wh`; about 15% with no card at all, 40% with at least one distractor;
    cards `heights` px tall (log-uniform; the issue's 60–500 px are for a 1280×720 frame)."""
    rng = np.random.default_rng(seed)
    refs = {p.stem: cv2.imread(str(p)) for p in sorted(MASCOTS.glob("*.png"))}
    backgrounds = _backgrounds(rng, 24, frame_wh)
    scenes: list[Scene] = []
    for i in range(n):
        scene = backgrounds[int(rng.integers(len(backgrounds)))].copy()
        filler = backgrounds[int(rng.integers(len(backgrounds)))]
        meta: dict = {"grey": False, "blur": "none"}
        labels: list[dict] = []
        distractors: list[dict] = []
        kind = rng.random()
        n_pos = 0 if kind < 0.15 else int(rng.integers(1, 3))
        n_dis = int(rng.integers(1, 3)) if rng.random() < 0.4 else 0
        placed: list[np.ndarray] = []
        items = [("pos", None)] * n_pos + [("dis", None)] * n_dis
        for what, _ in items:
            height = float(np.exp(rng.uniform(np.log(heights[0]), np.log(heights[1]))))
            for _attempt in range(20):
                h = random_pose(rng, height, frame_wh)
                corners = cv2.perspectiveTransform(
                    np.float32([[0, 0], [600, 0], [600, 800], [0, 800]]).reshape(-1, 1, 2), h
                ).reshape(4, 2)
                box = np.r_[corners.min(0), corners.max(0)]
                if all(_overlap(box, b) == 0 for b in placed):
                    break
            else:
                continue
            placed.append(box)
            if what == "pos":
                mascot = str(rng.choice(sorted(refs)))
                mask = _paste(scene, refs[mascot], h)
                occluded = _occlude(rng, scene, mask, filler, 0.3) if rng.random() < 0.4 else 0.0
                labels.append({
                    "mascot": mascot,
                    "corners": corners.round(1).tolist(),
                    "bbox": [round(float(box[0]), 1), round(float(box[1]), 1),
                             round(float(box[2] - box[0]), 1), round(float(box[3] - box[1]), 1)],
                    "occluded_fraction": round(occluded, 3),
                    "height_px": round(float(box[3] - box[1]), 1),
                })
            else:
                if rng.random() < 0.5:
                    card, style = procedural_card(rng), "procedural"
                else:
                    card, style = recomposed_card(rng, refs[str(rng.choice(sorted(refs)))]), "recomposed"
                _paste(scene, card, h)
                distractors.append({"style": style, "corners": corners.round(1).tolist()})
        image = _photometric(rng, scene, meta)
        scenes.append(Scene(f"s{i:04d}.jpg", image, labels, distractors, meta))
    return scenes


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    labels = {"images": {}, "distractors": {}, "meta": {}}
    for s in generate(args.n, args.seed):
        cv2.imwrite(str(args.out / s.name), s.image, [cv2.IMWRITE_JPEG_QUALITY, 97])
        labels["images"][s.name] = s.labels
        labels["distractors"][s.name] = s.distractors
        labels["meta"][s.name] = s.meta
    (args.out / "labels.json").write_text(json.dumps(labels, indent=1))


if __name__ == "__main__":
    main()
