"""③ Tracks: detections linked over time. Track ids are random per run and stay in memory."""

from edge.tracks.tracks import Tracks

__all__ = ["Tracks"]
