"""Scenes spoilt one way at a time, for `mascots_bench.py --conditions`.

Camera faults change only the pixels (`PIXEL_FAULTS`). Two store conditions move or hide part of
the cards, so they change the labels too (`SCENE_FAULTS`):
- glare: a soft, saturated ellipse of light over a share of each card (a laminated print under a
  spotlight);
- lens distortion: the barrel distortion of a wide-angle store camera, `k` the radial term at the
  frame's corner (the frame zoomed so that it stays filled); the labels' corners and boxes are
  mapped through it.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Cards = list[dict]


def spoilers(rng: np.random.Generator) -> dict[str, Callable[[np.ndarray, Cards, Cards], tuple]]:
    """name → spoil(image, labels, distractors) → (image, labels, distractors): every fault."""
    out = {name: _pixels_only(fault) for name, fault in pixel_faults(rng).items()}
    out.update(scene_faults(rng))
    return out


def _pixels_only(fault: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray, Cards, Cards], tuple]:
    return lambda image, labels, distractors: (fault(image), labels, distractors)


def pixel_faults(rng: np.random.Generator) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    def jpeg(im: np.ndarray, q: int) -> np.ndarray:
        return cv2.imdecode(cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, q])[1], cv2.IMREAD_COLOR)

    def noise(im: np.ndarray, sigma: float) -> np.ndarray:
        return np.clip(im + rng.normal(0, sigma, im.shape), 0, 255).astype(np.uint8)

    def motion(im: np.ndarray, length: int) -> np.ndarray:
        k = np.zeros((length, length), np.float32)
        k[length // 2] = 1.0 / length
        return cv2.filter2D(im, -1, k)

    return {
        "as they are": lambda im: im,
        "JPEG quality 15": lambda im: jpeg(im, 15),
        "sensor noise σ 15": lambda im: noise(im, 15),
        "horizontal motion blur 9 px": lambda im: motion(im, 9),
        "out of focus, Gaussian σ 2.5": lambda im: cv2.GaussianBlur(im, (0, 0), 2.5),
        "out of focus, Gaussian σ 3.5": lambda im: cv2.GaussianBlur(im, (0, 0), 3.5),
        "dark: ×0.2 and noise σ 3": lambda im: noise((im * 0.2).astype(np.uint8), 3),
        "a 640×360 camera upscaled, JPEG 40": lambda im: jpeg(cv2.resize(
            cv2.resize(im, (640, 360), interpolation=cv2.INTER_AREA), (im.shape[1], im.shape[0])), 40),
    }


def scene_faults(rng: np.random.Generator) -> dict[str, Callable[[np.ndarray, Cards, Cards], tuple]]:
    """name → spoil(image, labels, distractors) → (image, labels, distractors)."""
    return {
        "glare over 10 % of each card": lambda im, labs, dis: (glare(im, labs + dis, 0.10, rng), labs, dis),
        "glare over 20 % of each card": lambda im, labs, dis: (glare(im, labs + dis, 0.20, rng), labs, dis),
        "wide-angle lens, barrel k 0.3": lambda im, labs, dis: barrel(im, labs, dis, 0.3),
        "wide-angle lens, barrel k 0.5": lambda im, labs, dis: barrel(im, labs, dis, 0.5),
    }


def glare(image: np.ndarray, cards: Cards, share: float, rng: np.random.Generator) -> np.ndarray:
    """A soft ellipse (2:1, any angle) of near-white light over `share` of each card's area,
    somewhere in its middle half."""
    out = image.astype(np.float32)
    for card in cards:
        c = np.asarray(card["corners"], np.float32)
        minor = np.sqrt(share * cv2.contourArea(c) / np.pi / 2)
        u, v = rng.uniform(0.25, 0.75, 2)
        top, bottom = c[0] + u * (c[1] - c[0]), c[3] + u * (c[2] - c[3])
        centre = top + v * (bottom - top)
        mask = np.zeros(image.shape[:2], np.float32)
        cv2.ellipse(mask, (int(centre[0]), int(centre[1])), (int(2 * minor), int(minor)),
                    float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, minor / 3))[..., None]
        out = out * (1 - mask) + 250 * mask
    return out.astype(np.uint8)


def barrel(image: np.ndarray, labels: Cards, distractors: Cards, k: float) -> tuple[np.ndarray, Cards, Cards]:
    """`image` through a radial distortion r_u = r_d (1 + k r_d²) (r in half-diagonals), zoomed
    by 1/(1 + k) to stay filled; labels and distractors mapped alike."""
    h, w = image.shape[:2]
    cx, cy, radius = w / 2, h / 2, float(np.hypot(w / 2, h / 2))
    zoom = 1 / (1 + k)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xd, yd = (xs - cx) / radius, (ys - cy) / radius
    f = (1 + k * (xd**2 + yd**2)) * zoom
    out = cv2.remap(image, xd * f * radius + cx, yd * f * radius + cy, cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REFLECT)

    def forward(points) -> np.ndarray:  # undistorted px → distorted px (fixed-point inverse)
        p = np.asarray(points, np.float64)
        u = np.stack([(p[:, 0] - cx) / radius / zoom, (p[:, 1] - cy) / radius / zoom], 1)
        d = u.copy()
        for _ in range(30):
            d = u / (1 + k * (d**2).sum(1, keepdims=True))
        return np.stack([d[:, 0] * radius + cx, d[:, 1] * radius + cy], 1)

    def mapped(card: dict) -> dict:
        c = np.asarray(card["corners"], np.float64)
        outline = forward(np.array([c[i] + t * (c[(i + 1) % 4] - c[i])
                                    for i in range(4) for t in np.linspace(0, 1, 20)]))
        (x0, y0), (x1, y1) = outline.min(0), outline.max(0)
        return dict(card, corners=forward(c).tolist(), bbox=[x0, y0, x1 - x0, y1 - y0])

    return out, [mapped(c) for c in labels], [mapped(c) for c in distractors]
