"""The Tracks batch: the people followed in one frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.detections.detections import Detections

__all__ = ["Tracks"]


@dataclass(frozen=True, slots=True)
class Tracks:
    """Confirmed tracks in one frame.

    Args:
        detections: the box of each track (the matched detection, or the motion prediction
            when the frame was not run through the detector).
        track_id: (n,) int64 ids, random per run; they never leave tracks/ and events/.
    """

    detections: Detections
    track_id: np.ndarray

    def __post_init__(self) -> None:
        if self.track_id.shape != (len(self.detections),):
            raise ValueError(f"track_id: expected shape ({len(self.detections)},), got {self.track_id.shape}")

    @classmethod
    def empty(cls) -> Tracks:
        return cls(Detections.empty(), np.zeros((0,), np.int64))

    def __len__(self) -> int:
        return len(self.detections)

    def anchors(self) -> np.ndarray:
        return self.detections.anchors()
