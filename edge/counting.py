"""count(): run a camera pipeline over a source and total lines and zones (no network).

A detector size set to "auto" is chosen from what the camera shows, so the people who pass before
it settles are counted at the size it starts from, by `count` as by the agent (the two agree on
the same file). A recording can do better when asked (`settle_first`, `--settle-first`): when its
detector moved during the run, the file is counted a second time from its first frame at the
size it settled on (edge.detections.factory.settled_camera), and that second count is reported.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from edge.config import DEFAULT_MIN_COUNT, CameraConfig
from edge.detections.detector import Detector
from edge.detections.factory import make_detector, settled_camera, working_size
from edge.events.zones import ZoneFigures
from edge.frames.sources import open_source, parse_source
from edge.pipeline import CameraPipeline

__all__ = ["CountResult", "count"]

log = logging.getLogger(__name__)

# One window for the whole run: [0, 1e9) holds any file's timeline, [1e9, 2e9) any live run
# until 2033, so zone figures need no merging across windows.
WHOLE_RUN_WINDOW_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class CountResult:
    """Totals over all lines. seconds: source time covered; fps: frames per wall-clock second.

    lines: line id → {"in", "out"}; zones: each zone's figures over the whole run (occupancy
    current at the last frame, max, time-weighted mean; entries; dwell of completed visits,
    after the small-cell rule). detector: the size the detector counted at (working_size);
    passes: 2 when a recording was counted again at the size its detector settled on.
    """

    in_count: int
    out_count: int
    frames: int
    seconds: float
    fps: float
    lines: dict[str, dict[str, int]]
    zones: tuple[ZoneFigures, ...] = ()
    detector: dict[str, int | float] = field(default_factory=dict)
    passes: int = 1

    def to_json(self) -> dict:
        zones = {}
        for z in self.zones:
            payload = z.to_payload()
            del payload["zone_id"]
            zones[z.zone_id] = payload
        return {
            "in": self.in_count,
            "out": self.out_count,
            "frames": self.frames,
            "seconds": round(self.seconds, 3),
            "fps": round(self.fps, 2),
            "lines": self.lines,
            "zones": zones,
            "detector": self.detector,
            "passes": self.passes,
        }


def count(
    source: str,
    config: CameraConfig,
    on_progress: Callable[[int, int | None], None] | None = None,
    max_frames: int | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    stop: threading.Event | None = None,
    settle_first: bool = False,
) -> CountResult:
    """Count line crossings and zone figures over a whole source (a live source: until it ends),
    or until `stop` is set: the totals are then those of the frames read so far.

    With `settle_first`, a video file whose "auto" detector size moved during the count is counted
    again from its start at the settled size (module docstring); without it (the default), or on a
    live source, every frame is counted once, as the agent counts it.

    Raises:
        SourceError: the source cannot be opened.
        ConfigError: a line or zone lies wholly outside the frame (edge.events.placement).
        ModelError: the model is missing or corrupt.
    """
    started = time.perf_counter()
    detector = make_detector(config)
    result = _count_once(source, config, detector, on_progress, max_frames, min_count, stop)
    settled = settled_camera(config, detector) if settle_first and parse_source(source).kind == "file" else None
    if settled is not None and not (stop is not None and stop.is_set()):
        log.info("the detector settled at %s during the count; counting %s again from its start at that size",
                 _sizes(working_size(detector)), source)
        again = _count_once(source, settled, make_detector(settled), on_progress, max_frames, min_count, stop)
        wall = time.perf_counter() - started  # the command's speed: every frame decoded, both passes
        result = replace(again, fps=(result.frames + again.frames) / wall if wall > 0 else 0.0, passes=2)
    return result


def _count_once(source: str, config: CameraConfig, detector: Detector,
                on_progress: Callable[[int, int | None], None] | None, max_frames: int | None, min_count: int,
                stop: threading.Event | None) -> CountResult:
    """One pass over the source with `detector` (count's arguments)."""
    started = time.perf_counter()
    totals: dict[str, dict[str, int]] = {ln.line_id: {"in": 0, "out": 0} for ln in config.lines}
    frames = 0
    first_ts = last_ts = 0.0
    with open_source(source) as video:
        pipeline = CameraPipeline(config, detector, window_s=WHOLE_RUN_WINDOW_S, min_count=min_count,
                                  strict_placement=True)
        for frame in video.frames(max_frames, stop):
            result = pipeline.process(frame, frame.ts)
            for e in result.events:
                totals[e.line_id][e.direction] += 1
            if frames == 0:
                first_ts = frame.ts
            frames += 1
            last_ts = frame.ts
            if on_progress is not None:
                on_progress(frames, video.frame_count)
        seconds = (last_ts - first_ts + 1.0 / video.fps) if frames else 0.0
        windows = pipeline.finish()
    wall = time.perf_counter() - started
    return CountResult(
        sum(t["in"] for t in totals.values()),
        sum(t["out"] for t in totals.values()),
        frames,
        seconds,
        frames / wall if wall > 0 else 0.0,
        totals,
        windows[-1].zones if windows else (),
        working_size(detector),
    )


def _sizes(size: dict[str, int | float]) -> str:
    return ", ".join(f"{k} {v}" for k, v in size.items())
