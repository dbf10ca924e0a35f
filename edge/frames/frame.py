"""One decoded frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Frame"]


@dataclass(frozen=True, slots=True)
class Frame:
    """A BGR image with its place in time.

    Args:
        index: 0-based index of the frame among those read from the source.
        ts: seconds; on a file, the video's own timeline (index / fps); on a live source, the
            wall clock (Unix time) at which it was read.
        image: (h, w, 3) uint8 BGR. Lives in memory only: never written to disk.
    """

    index: int
    ts: float
    image: np.ndarray
