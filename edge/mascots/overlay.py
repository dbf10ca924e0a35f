"""Campaign overlay drawn in the mascot's own plane and warped onto the frame.

The overlay is rendered on a canvas in card coordinates (so it tilts, shrinks and rotates with
the printed card) and mapped into the frame through the homography of the card's corners:

    canvas (card px, with a margin around the card)  ──H──▶  frame px

It has a coupon badge above the card, a ring pulsing around it and sparkles circling it; the
animation is a pure function of `t_s`, so a replay draws the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["OverlayStyle", "draw_overlay"]

_CANVAS_SCALE = 0.4  # canvas px per card px: enough detail for a 500 px card, cheap to warp


@dataclass(frozen=True, slots=True)
class OverlayStyle:
    """Args:
        coupon_text: text of the coupon badge.
        colour_bgr: badge and ring colour.
        pulse_hz: ring pulses per second.
        margin: canvas margin around the card, as a fraction of the card size.
    """

    coupon_text: str = "SCAN & WIN -20%"
    colour_bgr: tuple[int, int, int] = (40, 40, 220)
    pulse_hz: float = 1.2
    margin: float = 0.35


def _canvas(ref_wh: tuple[int, int], t_s: float, style: OverlayStyle) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BGR canvas, alpha (0–1) and the canvas→card-px transform."""
    w, h = ref_wh
    m = style.margin
    cw, ch = int((1 + 2 * m) * w * _CANVAS_SCALE), int((1 + 2 * m) * h * _CANVAS_SCALE)
    img = np.zeros((ch, cw, 3), np.uint8)
    alpha = np.zeros((ch, cw), np.float32)
    s = _CANVAS_SCALE
    ox, oy = m * w * s, m * h * s  # card origin on the canvas
    centre = (int(ox + w * s / 2), int(oy + h * s / 2))
    phase = 0.5 + 0.5 * np.sin(2 * np.pi * style.pulse_hz * t_s)
    # 1. pulsing ring around the card
    ring = np.zeros_like(alpha)
    axes = (int(w * s * (0.62 + 0.08 * phase)), int(h * s * (0.62 + 0.08 * phase)))
    cv2.ellipse(ring, centre, axes, 0, 0, 360, 1.0, max(2, int(6 * s / 0.4)), cv2.LINE_AA)
    img[ring > 0] = style.colour_bgr
    alpha = np.maximum(alpha, ring * (0.35 + 0.5 * phase))
    # 2. sparkles circling the card
    for k in range(6):
        a = 2 * np.pi * (k / 6 + 0.15 * t_s)
        p = (int(centre[0] + axes[0] * 1.08 * np.cos(a)), int(centre[1] + axes[1] * 1.08 * np.sin(a)))
        r = int((6 + 4 * np.sin(3 * t_s + k)) * s / 0.4) + 2
        star = np.zeros_like(alpha)
        cv2.line(star, (p[0] - r, p[1]), (p[0] + r, p[1]), 1.0, 2, cv2.LINE_AA)
        cv2.line(star, (p[0], p[1] - r), (p[0], p[1] + r), 1.0, 2, cv2.LINE_AA)
        cv2.circle(star, p, max(1, r // 3), 1.0, -1, cv2.LINE_AA)
        img[star > 0] = (80, 230, 255)
        alpha = np.maximum(alpha, star * 0.9)
    # 3. coupon badge above the card, bobbing gently
    bw, bh = int(w * s * 0.95), int(h * s * 0.16)
    bx = int(ox + (w * s - bw) / 2)
    by = int(oy - bh - 0.04 * h * s - 0.02 * h * s * phase)
    badge = np.zeros_like(alpha)
    cv2.rectangle(badge, (bx, by), (bx + bw, by + bh), 1.0, -1)
    img[badge > 0] = style.colour_bgr
    cv2.rectangle(img, (bx, by), (bx + bw, by + bh), (255, 255, 255), 2)
    scale = bh / 40.0
    size, _ = cv2.getTextSize(style.coupon_text, cv2.FONT_HERSHEY_DUPLEX, scale, 2)
    fit = min(1.0, 0.9 * bw / max(1, size[0]))
    size, _ = cv2.getTextSize(style.coupon_text, cv2.FONT_HERSHEY_DUPLEX, scale * fit, 2)
    cv2.putText(img, style.coupon_text, (bx + (bw - size[0]) // 2, by + (bh + size[1]) // 2),
                cv2.FONT_HERSHEY_DUPLEX, scale * fit, (255, 255, 255), 2, cv2.LINE_AA)
    alpha = np.maximum(alpha, badge * 0.92)
    to_card = np.array([[1 / s, 0, -ox / s], [0, 1 / s, -oy / s], [0, 0, 1]], np.float64)
    return img, alpha, to_card


def draw_overlay(frame: np.ndarray, homography: np.ndarray, ref_wh: tuple[int, int], t_s: float,
                 style: OverlayStyle | None = None) -> None:
    """Draw the animated overlay of a card (reference px → frame px homography) in place."""
    style = style or OverlayStyle()
    img, alpha, to_card = _canvas(ref_wh, t_s, style)
    m = homography @ to_card
    fh, fw = frame.shape[:2]
    # warp only the frame area the canvas can reach
    ch, cw = alpha.shape
    corners = cv2.perspectiveTransform(
        np.float32([[[0, 0]], [[cw, 0]], [[cw, ch]], [[0, ch]]]), m).reshape(4, 2)
    x0, y0 = np.clip(np.floor(corners.min(axis=0)), 0, [fw, fh]).astype(int)
    x1, y1 = np.clip(np.ceil(corners.max(axis=0)), 0, [fw, fh]).astype(int)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ m
    size = (int(x1 - x0), int(y1 - y0))
    warped = cv2.warpPerspective(img, shift, size, flags=cv2.INTER_LINEAR)
    a = cv2.warpPerspective(alpha, shift, size, flags=cv2.INTER_LINEAR)[..., None]
    roi = frame[y0:y1, x0:x1]
    roi[:] = (roi * (1 - a) + warped * a).astype(np.uint8)
