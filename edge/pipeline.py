"""One camera's pipeline: the only place that knows the order of the stages.

    Frame ─▶ Detector ─▶ Detections ─▶ ByteTracker ─▶ Tracks ─▶ LineCounter(s) ─▶ CrossingEvents
                                                                              └─▶ Aggregator ─▶ WindowAggregate
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.config import CameraConfig
from edge.detections.detector import Detector
from edge.events.events import CrossingEvent
from edge.events.lines import LineCounter
from edge.frames.frame import Frame
from edge.tracks.bytetrack import ByteTracker
from edge.tracks.tracks import Tracks
from edge.windows.aggregate import Aggregator, WindowAggregate

__all__ = ["CameraPipeline", "FrameResult"]


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What one frame produced. `tracks` stays in memory (preview drawing); never published."""

    tracks: Tracks
    events: tuple[CrossingEvent, ...]
    windows: tuple[WindowAggregate, ...]


class CameraPipeline:
    """process(frame, ts) per frame, finish() at the end of the stream.

    Args:
        config: lines (and zones) of this camera.
        detector: any Detector (YOLOX on onnxruntime in production).
        window_s: aggregation window length in seconds.
        store_id, camera_id: the ids the windows carry.
    """

    def __init__(
        self,
        config: CameraConfig,
        detector: Detector,
        window_s: int = 60,
        store_id: str = "local",
        camera_id: str = "local",
    ) -> None:
        self.config = config
        self.detector = detector
        self.tracker = ByteTracker()
        self.line_counters = [LineCounter(line) for line in config.lines]
        self.aggregator = Aggregator(store_id, camera_id, window_s, [ln.line_id for ln in config.lines])

    def process(self, frame: Frame, ts: float) -> FrameResult:
        """Run one frame; ts is the time the windows use (Unix seconds, UTC)."""
        detections = self.detector.detect(frame.image)
        tracks = self.tracker.update(detections, ts)
        events = [e for counter in self.line_counters for e in counter.update(tracks, ts)]
        windows = self.aggregator.add(events, ts)
        return FrameResult(tracks, tuple(events), tuple(windows))

    def finish(self) -> list[WindowAggregate]:
        """Close the last, partial window."""
        return self.aggregator.flush()
