"""One camera's pipeline: the only place that knows the order of the stages.

    Frame ─▶ Detector ─▶ Detections ─▶ ByteTracker ─▶ Tracks ─┬▶ LineCounter(s) ─▶ CrossingEvents ─┐
             (TiledDetector when                              ├▶ ZoneMonitor ("zones")            ├▶ Aggregator
              detector.tiles is set)                          └▶ HeatmapAccumulator ("heatmap") ──┘   ─▶ WindowAggregate

The Aggregator first closes the windows that ended before this frame (asking each part for its
figures), then the parts take in the frame, so a frame always counts in the window it falls in.
On the first frame (and when the frame size changes) the lines and zones are checked against it
(`edge.events.placement`): one lying wholly outside is an error, one mostly outside a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from edge.config import DEFAULT_MIN_COUNT, CameraConfig
from edge.detections.detector import Detector
from edge.detections.tiling import TiledDetector
from edge.errors import ConfigError
from edge.events.events import CrossingEvent
from edge.events.heatmap import HeatmapAccumulator
from edge.events.lines import LineCounter
from edge.events.placement import Placement, check_placement
from edge.events.zones import ZoneMonitor
from edge.frames.frame import Frame
from edge.tracks.bytetrack import ByteTracker
from edge.tracks.tracks import Tracks
from edge.windows.aggregate import Aggregator, WindowAggregate, WindowPart

__all__ = ["CameraPipeline", "FrameResult"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What one frame produced. `tracks` stays in memory (preview drawing); never published."""

    tracks: Tracks
    events: tuple[CrossingEvent, ...]
    windows: tuple[WindowAggregate, ...]


class CameraPipeline:
    """process(frame, ts) per frame, finish() at the end of the stream.

    Args:
        config: lines, zones, heatmap grid, anchor and detector options of this camera.
        detector: any Detector (YOLOX on onnxruntime in production); wrapped in a TiledDetector
            when config.detector.tiles is set.
        window_s: aggregation window length in seconds.
        store_id, camera_id: the ids the windows carry.
        min_count: the small-cell rule's k for heatmap and dwell (privacy.min_count).
        extra_parts: further WindowParts (mascots); the caller feeds them frames.
        strict_placement: a line or zone wholly outside the first frame raises ConfigError (a
            one-shot `count`); otherwise it is logged as an error and the rest goes on (the agent).

    Normalised coordinates without a frame_size are turned into pixels on the first frame.
    """

    def __init__(
        self,
        config: CameraConfig,
        detector: Detector,
        window_s: int = 60,
        store_id: str = "local",
        camera_id: str = "local",
        min_count: int = DEFAULT_MIN_COUNT,
        extra_parts: list[WindowPart] | tuple[WindowPart, ...] = (),
        strict_placement: bool = False,
    ) -> None:
        self.config = config
        self.camera_id = camera_id
        self.strict_placement = strict_placement
        self.placement = Placement()
        self._placed_on: tuple[int, int] | None = None
        tiles = config.detector.tiles
        if config.view == "top-down":
            tiles = None  # the top-down detector sees the whole frame at once; tiles are for small people
        self.detector = detector if tiles is None else TiledDetector(detector, tiles, config.detector.tile_overlap)
        self.tracker = ByteTracker()
        self.min_count = min_count
        self._extra_parts = list(extra_parts)
        self.aggregator = Aggregator(store_id, camera_id, window_s, [ln.line_id for ln in config.lines],
                                     self._extra_parts)
        self.line_counters: list[LineCounter] = []
        self.zone_monitor: ZoneMonitor | None = None
        self.heatmap: HeatmapAccumulator | None = None
        if not config.is_normalized:
            self._build(config)

    def _build(self, config: CameraConfig) -> None:
        """Make the geometric stages from a camera config in pixels."""
        self.config = config
        self.line_counters = [LineCounter(line, anchor=config.anchor) for line in config.lines]
        self.zone_monitor = (ZoneMonitor(config.zones, config.dwell_edges_s, self.min_count, config.anchor)
                             if config.zones else None)
        self.heatmap = HeatmapAccumulator(config.heatmap.cols, config.heatmap.rows, self.min_count, config.anchor)
        parts: list[WindowPart] = [p for p in (self.zone_monitor, self.heatmap) if p is not None]
        self.aggregator.parts = parts + self._extra_parts

    def process(self, frame: Frame, ts: float, detect: bool = True) -> FrameResult:
        """Run one frame; ts is the time the windows use (Unix seconds, UTC).

        detect=False skips the detector: the tracker moves its tracks by their motion model
        (detection on every k-th frame, see detector.every).
        """
        h, w = frame.image.shape[:2]
        if self.config.is_normalized:
            self._build(self.config.in_pixels((w, h)))
        if self._placed_on != (w, h):
            self._check_placement((w, h))
        if detect:
            tracks = self.tracker.update(self.detector.detect(frame.image, ts), ts)
        else:
            tracks = self.tracker.predict(ts)
        events = [e for counter in self.line_counters for e in counter.update(tracks, ts, (w, h))]
        windows = self.aggregator.add(events, ts)
        if self.zone_monitor is not None:
            self.zone_monitor.update(tracks, ts)
        if self.heatmap is not None:
            self.heatmap.update(tracks, ts, (w, h))
        return FrameResult(tracks, tuple(events), tuple(windows))

    def _check_placement(self, frame_wh: tuple[int, int]) -> None:
        self._placed_on = frame_wh
        self.placement = check_placement(self.config.lines, self.config.zones, frame_wh)
        if self.placement.errors and self.strict_placement:
            raise ConfigError("; ".join(self.placement.errors))
        for message in self.placement.errors:
            log.error("camera %s: %s", self.camera_id, message)
        for message in self.placement.warnings:
            log.warning("camera %s: %s", self.camera_id, message)

    def finish(self) -> list[WindowAggregate]:
        """Close the last, partial window."""
        return self.aggregator.flush()
