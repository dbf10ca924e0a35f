"""What the mascot detector makes of a frame before it looks for cards in it.

    frame ─▶ grey ─▶ working size (≤ max_pixels) ─▶ ORB budget and levels for that size
                                                 ─▶ FAST threshold (contrast, focus)
                                                 ─▶ `halvings` (appearance check, ECC)
    detections in the working size ─▶ `to_frame_pixels` ─▶ the frame's own pixels

Everything in `detector.py` is tuned for cards 60–500 px tall in a 1280×720 frame that is
normally exposed and in focus; these functions bring other frames to that, or adapt to them.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.mascots.detection import MascotDetection

__all__ = ["fast_threshold", "grey", "halvings", "orb_budget", "softness", "to_frame_pixels", "working_scale"]

# The FAST threshold is for a normally exposed frame (grey standard deviation ≥ 40: all 20
# samples but one are 44–75); a dimmer or flatter frame or crop gets a proportionally lower one,
# down to 3. At a fifth of their brightness the samples kept 17 of 20 cards (12 at a fixed 12);
# on normal synthetic scenes (~40 % are below 40) held-out recall rose 0.963 -> 0.969.
_NORMAL_CONTRAST = 40.0
_MIN_FAST_THRESHOLD = 3
# Out of focus: above this `softness` (a σ 1.5 blur keeping this share of the frame's gradients)
# the FAST threshold is lowered, to half at 1 - (1 - _SOFT_FROM) / 2
_SOFTNESS_SIGMA = 1.5
_SOFT_FROM = 0.75
# The frame size the detector is tuned for (cards 60–500 px tall)
_TUNED_PIXELS = 1280 * 720
# A frame of under this share of the tuned pixels is searched upscaled to them, by at most ×4
_SMALL = 0.5
_MAX_UPSCALE = 4.0


def grey(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def working_scale(shape: tuple[int, ...], max_pixels: int) -> float:
    """The factor by which an image of `shape` is searched: down to at most `max_pixels`, or up
    to the tuned 1280×720's pixels for a clearly smaller one (at most ×4; a 640×360 camera's
    cards are then the sizes the detector is tuned for: 65 of 68 cards found instead of 56)."""
    pixels = shape[0] * shape[1]
    if pixels > max_pixels:
        return float(np.sqrt(max_pixels / pixels))
    if pixels < _SMALL * _TUNED_PIXELS:
        return float(min(_MAX_UPSCALE, np.sqrt(_TUNED_PIXELS / pixels)))
    return 1.0


def to_frame_pixels(d: MascotDetection, work: tuple[int, ...], full: tuple[int, ...]) -> MascotDetection:
    """`d`, found in a resized copy of shape `work`, in the pixels of the frame of shape `full`."""
    sx, sy = full[1] / work[1], full[0] / work[0]
    up = np.diag([sx, sy, 1.0]) @ d.homography
    return MascotDetection.at_pose(d.mascot_id, up, d.corners * np.float32([sx, sy]), d.score, d.reference)


def orb_budget(shape: tuple[int, ...], n_features: int, levels: int, upscaled_levels: int,
               scale_factor: float) -> tuple[int, int]:
    """(ORB features, levels at and below full resolution) for a frame of `shape`, whose ORB
    pyramid steps by `scale_factor`.

    `levels` reach down far enough for the largest card of a 1280×720 frame. A larger frame
    (`max_pixels` raised) gets one more level per `scale_factor` of size, so that its largest
    cards still meet the references, and the budget of those levels on top, so that the others
    keep theirs.
    """
    extra = max(0, round(np.log(np.sqrt(shape[0] * shape[1] / _TUNED_PIXELS)) / np.log(scale_factor)))
    if extra == 0:
        return n_features, levels
    n = levels + upscaled_levels
    keep = (1 - (1 / scale_factor) ** (n + extra)) / (1 - (1 / scale_factor) ** n)
    return round(n_features * keep), levels + extra


def fast_threshold(gray: np.ndarray, normal: int, soft: bool = False) -> int:
    """The FAST threshold `normal` (for a normally exposed, sharp image) lowered in proportion for
    an image of less contrast (grey standard deviation below _NORMAL_CONTRAST): a dim frame's
    corners are as dim as the frame, and a fixed threshold loses the card's. With `soft`, lowered
    as well, down to half, for an out-of-focus frame (`softness`)."""
    contrast = float(cv2.meanStdDev(gray)[1][0, 0])
    t = normal
    if soft:
        t *= float(np.clip((1.0 - softness(gray)) / (1.0 - _SOFT_FROM), 0.5, 1.0))
    return int(np.clip(round(t * contrast / _NORMAL_CONTRAST), _MIN_FAST_THRESHOLD, t))


def softness(gray: np.ndarray) -> float:
    """How little a slight blur changes the gradients of the middle quarter of the frame (0–1):
    0.43–0.74 on the samples and synthetic scenes, 0.78–0.9 out of focus by σ 1.5 px, 0.87–0.95
    by σ 2.5 px."""
    h, w = gray.shape[:2]
    middle = gray[h // 4:h - h // 4, w // 4:w - w // 4]

    def energy(image: np.ndarray) -> float:
        return float(cv2.norm(cv2.Sobel(image, cv2.CV_32F, 1, 0), cv2.NORM_L1)
                     + cv2.norm(cv2.Sobel(image, cv2.CV_32F, 0, 1), cv2.NORM_L1))

    sharp = energy(middle)
    return energy(cv2.GaussianBlur(middle, (0, 0), _SOFTNESS_SIGMA)) / sharp if sharp > 0 else 1.0


def halvings(gray: np.ndarray) -> list[np.ndarray]:
    """The grey frame and 4 halvings (the appearance check and ECC sample the fitting one)."""
    levels = [gray]
    for _ in range(4):
        levels.append(cv2.pyrDown(levels[-1]))
    return levels
