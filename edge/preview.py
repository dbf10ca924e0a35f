"""preview(): the camera pipeline drawn on the video, so an installer can check lines and zones.

Each output frame: faces blurred first (edge/privacy/blur.py, also the head region of every
tracked person), then person boxes (no track ids: privacy), lines with their A→B direction and
in/out counts so far, zones with their current occupancy. With a top-down camera (`view:
top-down`) it also tints what the background-modelling detector sees: red where it finds people,
blue where it drops a shadow, so an installer can check `person_size` and the lighting.
Written as an MP4 (`out`) and/or as a PNG every `snapshot_every` frames (`out_dir`). Nothing
else is written; frames are not kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.config import CameraConfig
from edge.detections.factory import make_detector
from edge.errors import ConfigError
from edge.frames.sources import open_source
from edge.frames.video_out import open_video_writer, write_image
from edge.pipeline import CameraPipeline
from edge.tracks.tracks import Tracks

__all__ = ["PreviewResult", "preview", "draw_overlay", "draw_detector_view"]

LINE_COLOUR = (0, 200, 255)   # BGR amber
ZONE_COLOUR = (255, 160, 0)   # BGR blue
BOX_COLOUR = (80, 220, 80)    # BGR green
MASK_COLOURS = {"shadow": (255, 80, 0), "people": (0, 0, 255)}  # BGR: shadows blue, people red


@dataclass(frozen=True, slots=True)
class PreviewResult:
    frames: int
    written: tuple[Path, ...]


def draw_overlay(image: np.ndarray, config: CameraConfig, tracks: Tracks,
                 line_totals: dict[str, dict[str, int]], occupancy: dict[str, int]) -> np.ndarray:
    """Draw zones, lines, counts and boxes on a copy of a (blurred) BGR frame; config in pixels."""
    out = image.copy()
    shade = out.copy()
    for zone in config.zones:
        pts = np.round(np.asarray(zone.polygon)).astype(np.int32)
        cv2.fillPoly(shade, [pts], ZONE_COLOUR)
    out = cv2.addWeighted(shade, 0.25, out, 0.75, 0)
    for zone in config.zones:
        pts = np.round(np.asarray(zone.polygon)).astype(np.int32)
        cv2.polylines(out, [pts], True, ZONE_COLOUR, 2)
        x, y = pts.min(axis=0)
        _label(out, f"{zone.zone_id}: {occupancy.get(zone.zone_id, 0)} inside", (int(x) + 4, int(y) + 18))
    for line in config.lines:
        a = (round(line.a[0]), round(line.a[1]))
        b = (round(line.b[0]), round(line.b[1]))
        cv2.arrowedLine(out, a, b, LINE_COLOUR, 2, tipLength=0.03)
        # "in" is the right-hand side of A→B in image coordinates (y down): normal (−dy, dx).
        dx, dy = b[0] - a[0], b[1] - a[1]
        norm = max(float(np.hypot(dx, dy)), 1.0)
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        tip = (round(mid[0] - 30 * dy / norm), round(mid[1] + 30 * dx / norm))
        cv2.arrowedLine(out, (round(mid[0]), round(mid[1])), tip, LINE_COLOUR, 1, tipLength=0.3)
        t = line_totals.get(line.line_id, {"in": 0, "out": 0})
        _label(out, f"{line.line_id}: in {t['in']} out {t['out']}", (tip[0] + 4, tip[1]))
    for x1, y1, x2, y2 in np.round(tracks.detections.xyxy).astype(int).tolist():
        cv2.rectangle(out, (x1, y1), (x2, y2), BOX_COLOUR, 2)
    return out


def draw_detector_view(image: np.ndarray, masks: dict[str, np.ndarray], person_size: float | None = None,
                       alpha: float = 0.4) -> np.ndarray:
    """Tint the top-down detector's masks (its working size) onto a copy of the frame, and draw
    the person it expects (an ellipse `person_size` wide, top left) to compare with real people."""
    out = image.copy()
    h, w = out.shape[:2]
    for name, colour in MASK_COLOURS.items():
        mask = masks.get(name)
        if mask is None or not mask.any():
            continue
        full = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        out[full] = (out[full] * (1 - alpha) + np.array(colour) * alpha).astype(np.uint8)
    if person_size is not None:
        half = max(2, round(person_size * min(w, h) / 2))
        centre = (half + 10, half + 30)
        cv2.ellipse(out, centre, (half, max(1, round(half * 2 / 3))), 0, 0, 360, MASK_COLOURS["people"], 2)
        _label(out, f"person_size {person_size:g}", (10, centre[1] + half + 20))
    return out


def _label(image: np.ndarray, text: str, org: tuple[int, int]) -> None:
    """White text on a dark box (an outline drawn with a thicker stroke is offset in OpenCV 5)."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    x, y = org
    cv2.rectangle(image, (x - 2, y - h - 3), (x + w + 2, y + base), (0, 0, 0), -1)
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)


def preview(
    source: str,
    config: CameraConfig,
    out: Path | None = None,
    out_dir: Path | None = None,
    snapshot_every: int | None = None,
    max_frames: int | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
    stop: threading.Event | None = None,
) -> PreviewResult:
    """Write the annotated, face-blurred video and/or PNG snapshots (until the source ends, or
    `stop` is set: the video written so far is then closed properly and plays).

    Raises:
        ConfigError: neither an output file nor a snapshot folder is given.
        SourceError, ModelError: the source or a model cannot be opened.
    """
    from edge.privacy.blur import FaceBlurrer

    if out is None and (out_dir is None or not snapshot_every):
        raise ConfigError("preview: give --out FILE.mp4, or --out-dir DIR with --snapshot-every N")
    if snapshot_every is not None and snapshot_every < 1:
        raise ConfigError(f"--snapshot-every: expected a whole number of frames ≥ 1, got {snapshot_every}")
    detector = make_detector(config)
    written: list[Path] = []
    totals = {ln.line_id: {"in": 0, "out": 0} for ln in config.lines}
    frames = 0
    writer = None
    with open_source(source) as video, FaceBlurrer() as blurrer:
        pipeline = CameraPipeline(config, detector, window_s=3600)
        try:
            for frame in video.frames(max_frames, stop):
                result = pipeline.process(frame, frame.ts)
                for e in result.events:
                    totals[e.line_id][e.direction] += 1
                monitor = pipeline.zone_monitor
                occupancy = monitor.occupancy() if monitor is not None else {}
                safe = blurrer.blur(frame.image, result.tracks.detections.xyxy)
                masks = getattr(detector, "last_masks", None)
                if masks:
                    safe = draw_detector_view(safe, masks, detector.person_size)  # as "auto" has it now
                drawn = draw_overlay(safe, pipeline.config, result.tracks, totals, occupancy)
                if out is not None:
                    if writer is None:
                        writer = open_video_writer(out, video.fps, drawn.shape[1::-1])
                        written.append(out)
                    writer.write(drawn)
                if out_dir is not None and snapshot_every and frame.index % snapshot_every == 0:
                    path = out_dir / f"preview-{frame.index:06d}.png"
                    write_image(path, drawn)
                    written.append(path)
                frames += 1
                if on_progress is not None:
                    on_progress(frames, video.frame_count)
        finally:
            if writer is not None:
                writer.release()
    return PreviewResult(frames, tuple(written))
