"""② Detections: people found in one frame, in original-frame pixels."""

from edge.detections.detections import Detections

__all__ = ["Detections"]
