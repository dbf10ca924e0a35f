"""count(): run a camera pipeline over a source and total the crossings (no network)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from edge.config import CameraConfig
from edge.detections.yolox import YoloxDetector
from edge.frames.sources import open_source
from edge.pipeline import CameraPipeline

__all__ = ["CountResult", "count"]


@dataclass(frozen=True, slots=True)
class CountResult:
    """Totals over all lines. seconds: source time covered; fps: frames per wall-clock second."""

    in_count: int
    out_count: int
    frames: int
    seconds: float
    fps: float
    lines: dict[str, dict[str, int]]

    def to_json(self) -> dict:
        return {
            "in": self.in_count,
            "out": self.out_count,
            "frames": self.frames,
            "seconds": round(self.seconds, 3),
            "fps": round(self.fps, 2),
            "lines": self.lines,
        }


def count(
    source: str,
    config: CameraConfig,
    on_progress: Callable[[int, int | None], None] | None = None,
    max_frames: int | None = None,
) -> CountResult:
    """Count line crossings over a whole source (a live source: until it ends).

    Raises:
        SourceError: the source cannot be opened.
        ModelError: the model is missing or corrupt.
    """
    detector = YoloxDetector()
    started = time.perf_counter()
    totals: dict[str, dict[str, int]] = {ln.line_id: {"in": 0, "out": 0} for ln in config.lines}
    frames = 0
    first_ts = last_ts = 0.0
    with open_source(source) as video:
        pipeline = CameraPipeline(config, detector, window_s=3600)
        for frame in video.frames(max_frames):
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
    wall = time.perf_counter() - started
    return CountResult(
        sum(t["in"] for t in totals.values()),
        sum(t["out"] for t in totals.values()),
        frames,
        seconds,
        frames / wall if wall > 0 else 0.0,
        totals,
    )
