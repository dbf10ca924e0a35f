"""Render the AR campaign overlay on a video: detect, track, draw, blur faces, write mp4.

Per frame:
1. Every `detect_every`-th frame, the mascot detector runs; between detections each mascot's
   corners follow the card with pyramidal Lucas–Kanade optical flow (corner points inside the
   card, a RANSAC homography between their old and new positions).
   A flowed pose is kept only if the card there still looks as it did at its last detection
   (normalised correlation of a small grey patch, against the pose it had): a passer-by walking
   in front of the card carries the flow's points along, and the overlay used to go with them.
2. Corners are smoothed with an exponential filter (`smoothing`) so the overlay does not jitter
   with detection noise; a detection far from the tracked pose (a jump) resets the filter.
3. A mascot is dropped after `lost_after_frames` frames without a detection; while optical flow
   finds nothing to follow, its pose stays where it was. On a detection frame, a tracked mascot
   the detector misses is confirmed at its tracked pose (`MascotDetector.confirm`: aligned and
   checked as a detection is), so a card that is hard to detect keeps its overlay while it
   still looks like itself.
4. The overlay (`overlay.draw_overlay`) is warped onto each tracked mascot.
5. Faces are found on the raw frame and blurred on the composed frame, then the frame is written.
   No frame is written without the face blurrer having run on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.frames.sources import open_source
from edge.frames.video_out import open_video_writer
from edge.mascots.detection import MascotDetection
from edge.mascots.detector import MascotDetector, with_confirmed
from edge.mascots.overlay import OverlayStyle, draw_overlay
from edge.mascots.registry import Reference
from edge.privacy.blur import FaceBlurrer, blur_regions

__all__ = ["ArResult", "CornerTracker", "PoseFollower", "render_ar"]


@dataclass(frozen=True, slots=True)
class ArResult:
    """Summary of a render.

    Args:
        frames: frames written.
        mascots_seen: ids of the mascots detected at least once, sorted.
        frames_with_overlay: frames on which at least one overlay was drawn.
        faces_blurred: face regions blurred over all frames.
        out_path: the mp4 written.
    """

    frames: int
    mascots_seen: tuple[str, ...]
    frames_with_overlay: int
    faces_blurred: int
    out_path: Path


@dataclass
class _Track:
    corners: np.ndarray  # (4, 2) float32, smoothed
    frames_since_detection: int = 0
    look: np.ndarray | None = None  # the card's patch at its last detection (`_patch`)


class CornerTracker:
    """Keeps a smoothed, flow-propagated pose per mascot between detections; a flowed pose where
    the card no longer looks like itself (hidden by someone passing) is not taken.

    Args:
        smoothing: weight of the previous pose in the exponential filter (0 = no smoothing).
        lost_after_frames: frames without a detection after which a mascot is dropped.
        jump_fraction: a detection further than this × card height from the track resets it.
    """

    def __init__(self, smoothing: float = 0.6, lost_after_frames: int = 15,
                 jump_fraction: float = 0.25) -> None:
        self.smoothing = smoothing
        self.lost_after_frames = lost_after_frames
        self.jump_fraction = jump_fraction
        self._tracks: dict[str, _Track] = {}
        self._prev_gray: np.ndarray | None = None

    def update(self, gray: np.ndarray, detections: list[MascotDetection] | None) -> dict[str, np.ndarray]:
        """Advance to a new grey frame; `detections` is None on frames where none ran."""
        small = cv2.pyrDown(gray) if self._tracks or detections else None
        if self._prev_gray is not None:
            for track in self._tracks.values():
                moved = _flow(self._prev_gray, gray, track.corners)
                # no texture to follow, or what the flow followed is not the card (someone
                # walking in front of it): keep the pose until the card is seen again
                if moved is not None and _shows_card(small, track, moved):
                    track.corners = moved
                track.frames_since_detection += 1
        self._prev_gray = gray
        for det in detections or []:
            track = self._tracks.get(det.mascot_id)
            corners = det.corners.astype(np.float32)
            if track is None or self._jumped(track.corners, corners):
                track = self._tracks[det.mascot_id] = _Track(corners)
            else:
                a = self.smoothing
                track.corners = (a * track.corners + (1 - a) * corners).astype(np.float32)
                track.frames_since_detection = 0
            track.look = _patch(small, track.corners)
        for mascot_id, track in list(self._tracks.items()):
            if track.frames_since_detection > self.lost_after_frames:
                del self._tracks[mascot_id]
        return {k: t.corners.copy() for k, t in self._tracks.items()}

    def _jumped(self, old: np.ndarray, new: np.ndarray) -> bool:
        height = max(1.0, float(np.ptp(new[:, 1])))
        return float(np.abs(old - new).max()) > self.jump_fraction * height


class PoseFollower:
    """Each registered mascot's pose in every frame of a video: `detector` on every
    `detect_every`-th frame (a mascot tracked but missed there is confirmed at its tracked pose),
    `CornerTracker` in between and for smoothing. What `render_ar` draws on, and what
    bench/ar_bench.py measures.

    Args:
        detector: the mascot detector (its registry gives each mascot's reference corners).
        detect_every: run the detector on every n-th frame (≥ 1).
        smoothing: see `CornerTracker`.
    """

    def __init__(self, detector: MascotDetector, detect_every: int = 3, smoothing: float = 0.6) -> None:
        self.detector = detector
        self.detect_every = detect_every
        self.tracker = CornerTracker(smoothing=smoothing)
        self.refs = {m.mascot_id: m.references[0] for m in detector.registry.mascots}
        self.seen: set[str] = set()  # mascots detected at least once
        self._poses: dict[str, np.ndarray] = {}
        self._frames = 0

    def update(self, frame: np.ndarray) -> dict[str, np.ndarray]:
        """mascot id → its (4, 2) corners TL, TR, BR, BL in `frame` (BGR), the next frame of the video."""
        detections = None
        if self._frames % self.detect_every == 0:
            detections = with_confirmed(self.detector, frame, self.detector.detect(frame),
                                        _as_detections(self._poses, self.refs))
            self.seen.update(d.mascot_id for d in detections)
        self._frames += 1
        self._poses = self.tracker.update(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), detections)
        return self._poses

    def homography(self, mascot_id: str, corners: np.ndarray) -> np.ndarray:
        """Reference px → frame px of `mascot_id`'s card at `corners`."""
        return _homography(self.refs[mascot_id], corners)


_PATCH = 48  # px side of the grey patch a card's look is compared in
# A flowed pose is taken only where the card looks at least this much like itself (normalised
# correlation); below it the card is mostly hidden, and the flow follows whoever hides it
_MIN_LIKENESS = 0.5


def _patch(small: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The card at `corners` (frame px) in `small` (the frame halved), warped to a square patch,
    zero mean and unit norm."""
    square = np.float32([[0, 0], [_PATCH, 0], [_PATCH, _PATCH], [0, _PATCH]])
    h = cv2.getPerspectiveTransform(square, (corners / 2).astype(np.float32))
    patch = cv2.warpPerspective(small, h, (_PATCH, _PATCH), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    patch -= patch.mean()
    return patch / max(float(np.linalg.norm(patch)), 1e-6)


def _shows_card(small: np.ndarray, track: _Track, moved: np.ndarray) -> bool:
    """Whether the flowed pose `moved` shows `track`'s card: as like its look at the last
    detection as the pose it had, and at least _MIN_LIKENESS (a track not yet seen: yes)."""
    if track.look is None:
        return True
    return _likeness(small, moved, track.look) >= max(_MIN_LIKENESS, _likeness(small, track.corners, track.look))


def _likeness(small: np.ndarray, corners: np.ndarray, look: np.ndarray) -> float:
    """Normalised correlation of the card at `corners` with its `look` (−1 … 1)."""
    return float((_patch(small, corners) * look).sum())


def _flow(prev: np.ndarray, cur: np.ndarray, corners: np.ndarray) -> np.ndarray | None:
    """Corners moved by the optical flow of corner points inside the card, or None if lost."""
    mask = np.zeros(prev.shape, np.uint8)
    cv2.fillConvexPoly(mask, corners.astype(np.int32), 255)
    pts = cv2.goodFeaturesToTrack(prev, 80, 0.01, 4, mask=mask)
    if pts is None or len(pts) < 8:
        return None
    nxt, status, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None, winSize=(15, 15), maxLevel=3)
    good = status.ravel() == 1
    if good.sum() < 8:
        return None
    h, inliers = cv2.findHomography(pts[good], nxt[good], cv2.RANSAC, 2.0)
    if h is None or inliers.sum() < 6:
        return None
    return cv2.perspectiveTransform(corners.reshape(-1, 1, 2), h).reshape(4, 2).astype(np.float32)


def _as_detections(poses: dict[str, np.ndarray], refs: dict[str, Reference]) -> list[MascotDetection]:
    """Tracked poses as detections of each mascot's first reference (what `confirm` checks)."""
    return [MascotDetection.at_pose(mascot_id, _homography(refs[mascot_id], corners), corners)
            for mascot_id, corners in poses.items()]


def _homography(ref: Reference, corners: np.ndarray) -> np.ndarray:
    """Reference px → frame px of the card whose TL, TR, BR, BL corners are `corners`."""
    return cv2.getPerspectiveTransform(ref.corners, corners.astype(np.float32)).astype(np.float64)


def render_ar(
    source: str | Path,
    mascots_dir: str | Path,
    out_path: str | Path,
    *,
    detect_every: int = 3,
    smoothing: float = 0.6,
    max_frames: int | None = None,
    style: OverlayStyle | None = None,
    blurrer: FaceBlurrer | None = None,
    detector: MascotDetector | None = None,
    on_progress: Callable[[int], None] | None = None,
    max_pixels: int | None = None,
    stop: threading.Event | None = None,
) -> ArResult:
    """Render `source` with the overlay on every registered mascot into `out_path` (mp4v), until
    the source ends or `stop` is set (a live camera runs until stopped; the video written so far
    is then closed properly and plays).

    Args:
        source: a file, stream URL or USB camera index, as `--source` takes it (`open_source`).
        mascots_dir: registered mascots (see `MascotRegistry.from_directory`).
        out_path: mp4 file to write (its folder is made if missing).
        detect_every: run the detector on every n-th frame, track in between (≥ 1).
        smoothing: exponential smoothing of the corners (0 = raw detections).
        max_frames: stop after this many frames.
        style: overlay look; default `OverlayStyle()`.
        blurrer: an open `FaceBlurrer` to reuse; by default one is opened and closed here.
        detector: a detector to reuse; by default built from `mascots_dir`.
        max_pixels: the built detector searches larger frames downscaled to this many pixels
            (default: `DetectorSettings.max_pixels`).
        on_progress: called with the number of frames written so far.
        stop: when set, no further frame is read.

    Raises:
        ConfigError: bad mascots directory or `detect_every` < 1.
        SourceError: the source cannot be opened.
        RetailEdgeError: the output cannot be written.
    """
    from edge.errors import ConfigError

    if detect_every < 1:
        raise ConfigError(f"detect_every: expected >= 1, got {detect_every}")
    follower = PoseFollower(detector or MascotDetector.from_directory(mascots_dir, max_pixels),
                            detect_every, smoothing)
    video = open_source(str(source))
    out_path = Path(out_path)
    own_blurrer = blurrer is None
    writer = None
    try:
        blurrer = blurrer or FaceBlurrer()
        fps = video.fps
        frames = with_overlay = faces = 0
        for item in video.frames(max_frames, stop):
            frame = item.image
            if writer is None:
                writer = open_video_writer(out_path, fps, (frame.shape[1], frame.shape[0]))
            poses = follower.update(frame)
            regions = blurrer.regions(frame)  # faces of the raw frame, before anything is drawn
            composed = frame.copy()
            t_s = frames / fps
            for mascot_id, corners in poses.items():
                draw_overlay(composed, follower.homography(mascot_id, corners), follower.refs[mascot_id].wh,
                             t_s, style)
            with_overlay += bool(poses)
            faces += len(regions)
            writer.write(blur_regions(composed, regions))
            frames += 1
            if on_progress:
                on_progress(frames)
    finally:
        video.close()
        if writer is not None:
            writer.release()
        if own_blurrer and blurrer is not None:
            blurrer.close()
    return ArResult(frames, tuple(sorted(follower.seen)), with_overlay, faces, out_path)
