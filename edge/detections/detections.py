"""The Detections batch passed from the detector to the tracker."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.geometry import anchor_points

__all__ = ["Detections"]


@dataclass(frozen=True, slots=True)
class Detections:
    """People detected in one frame.

    Args:
        xyxy: (n, 4) float32 boxes, original-frame pixels.
        confidence: (n,) float32 scores in 0–1 (objectness × person-class score).

    Example:
        >>> d = Detections.empty(); len(d)
        0
    """

    xyxy: np.ndarray
    confidence: np.ndarray

    def __post_init__(self) -> None:
        if self.xyxy.ndim != 2 or self.xyxy.shape[1] != 4:
            raise ValueError(f"xyxy: expected shape (n, 4), got {self.xyxy.shape}")
        if self.confidence.shape != (self.xyxy.shape[0],):
            raise ValueError(
                f"confidence: expected shape ({self.xyxy.shape[0]},), got {self.confidence.shape}"
            )

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32))

    @classmethod
    def concat(cls, parts: list[Detections]) -> Detections:
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.xyxy for p in parts]).astype(np.float32),
            np.concatenate([p.confidence for p in parts]).astype(np.float32),
        )

    def __len__(self) -> int:
        return int(self.xyxy.shape[0])

    def __getitem__(self, index) -> Detections:
        return Detections(self.xyxy[index].reshape(-1, 4), self.confidence[index].reshape(-1))

    def anchors(self) -> np.ndarray:
        """(n, 2) bottom-centre points: where each person stands."""
        return anchor_points(self.xyxy)
