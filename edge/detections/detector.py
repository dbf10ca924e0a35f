"""The Detector protocol: one frame (BGR image) in, person Detections out."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from edge.detections.detections import Detections

__all__ = ["Detector"]


class Detector(Protocol):
    def detect(self, image: np.ndarray) -> Detections:
        """People in a BGR uint8 image (h, w, 3), boxes in that image's pixels."""
        ...
