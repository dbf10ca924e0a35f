"""The Detector protocol: one frame (BGR image) in, person Detections out."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from edge.detections.detections import Detections

__all__ = ["Detector"]


class Detector(Protocol):
    def detect(self, image: np.ndarray, ts: float | None = None) -> Detections:
        """People in a BGR uint8 image (h, w, 3), boxes in that image's pixels.

        `ts` is the frame's capture time in seconds: detectors with a state that evolves over
        time (the top-down background model) learn by it; single-image detectors ignore it.
        """
        ...
