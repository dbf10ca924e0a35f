"""Which point of a person counts: the anchor (see CONVENTIONS.md and docs/CONFIG.md `anchor`).

    bottom  bottom-centre of the box, the feet: right for oblique cameras, where the feet are
            on the floor plane the lines and zones are drawn on.
    center  the box centre: for cameras looking straight down, where the box is the head and
            shoulders seen from above and the "feet" edge is just the far side of the body.
"""

from __future__ import annotations

import numpy as np

from edge.geometry import anchor_points

__all__ = ["ANCHORS", "anchor_xy"]

ANCHORS = ("bottom", "center")


def anchor_xy(xyxy: np.ndarray, anchor: str = "bottom") -> np.ndarray:
    """(n, 4) boxes → (n, 2) anchor points."""
    if anchor == "bottom":
        return anchor_points(xyxy)
    if anchor == "center":
        b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
        return np.stack([(b[:, 0] + b[:, 2]) / 2.0, (b[:, 1] + b[:, 3]) / 2.0], axis=1)
    raise ValueError(f"anchor: expected one of {ANCHORS}, got {anchor!r}")
