"""One mascot found in a frame (`MascotDetection`), box overlap and the suppression of overlapping
detections: the data the detector returns and the live agent, `mascots detect` and the AR render
take."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["MascotDetection", "iou_xywh", "suppress"]


@dataclass(frozen=True, slots=True)
class MascotDetection:
    """One mascot found in a frame.

    Args:
        mascot_id: id of the registered mascot.
        corners: (4, 2) float32, the reference's TL, TR, BR, BL corners in frame px.
        bbox_xywh: box of the corners, frame px (x, y, width, height).
        score: 0–1 appearance agreement with the reference.
        homography: 3×3 float64, reference px (of the reference as described, `Reference.wh`)
            → frame px.
        reference: index of the mascot's reference image the homography maps from.
    """

    mascot_id: str
    corners: np.ndarray
    bbox_xywh: tuple[float, float, float, float]
    score: float
    homography: np.ndarray = field(repr=False, compare=False)
    reference: int = field(default=0, repr=False, compare=False)

    @classmethod
    def at_pose(cls, mascot_id: str, homography: np.ndarray, corners: np.ndarray, score: float = 0.0,
                reference: int = 0) -> MascotDetection:
        """The detection of a card whose reference corners land on `corners` through `homography`."""
        corners = np.asarray(corners, np.float32)
        x0, y0 = corners.min(axis=0)
        x1, y1 = corners.max(axis=0)
        box = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))
        return cls(mascot_id, corners, box, round(score, 4), homography, reference)

    @property
    def xyxy(self) -> tuple[float, float, float, float]:
        x, y, w, h = self.bbox_xywh
        return (x, y, x + w, y + h)


def iou_xywh(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two (x, y, w, h) boxes (also the benchmark's scoring rule)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def suppress(found: list[MascotDetection], iou: float = 0.3) -> list[MascotDetection]:
    """The best-scoring of detections that overlap (IoU ≥ `iou`), across mascots too: one card is
    one mascot."""
    kept: list[MascotDetection] = []
    for det in sorted(found, key=lambda d: d.score, reverse=True):
        if all(iou_xywh(det.bbox_xywh, k.bbox_xywh) < iou for k in kept):
            kept.append(det)
    return kept
