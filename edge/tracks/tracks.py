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
        born_xyxy: (n, 4) where each track was first detected, given in the frame in which the
            track is first reported (a track is reported once confirmed, a frame or more after it
            was born) if that is `TrackerSettings.sparse_s` or more after its birth, NaN
            otherwise and in every later frame; None when no track has one. A line counter takes
            a new track's history from it: at 5 fps a walker can cross a line between the frame
            that starts their track and the one that confirms it.
    """

    detections: Detections
    track_id: np.ndarray
    born_xyxy: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.track_id.shape != (len(self.detections),):
            raise ValueError(f"track_id: expected shape ({len(self.detections)},), got {self.track_id.shape}")
        if self.born_xyxy is not None and self.born_xyxy.shape != (len(self.detections), 4):
            raise ValueError(f"born_xyxy: expected shape ({len(self.detections)}, 4), got {self.born_xyxy.shape}")

    def born_box(self, i: int) -> np.ndarray | None:
        """Track i's birth box if this is the first frame it is reported in, else None."""
        if self.born_xyxy is None or not np.isfinite(self.born_xyxy[i]).all():
            return None
        return self.born_xyxy[i]

    @classmethod
    def empty(cls) -> Tracks:
        return cls(Detections.empty(), np.zeros((0,), np.int64))

    def __len__(self) -> int:
        return len(self.detections)

    def anchors(self) -> np.ndarray:
        return self.detections.anchors()
