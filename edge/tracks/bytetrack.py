"""A ByteTrack-class multi-object tracker (Zhang et al., 2022), written for this project.

Why our own and not a library: `supervision`/`trackers` pull in opencv-python (which breaks the
contrib cv2 MediaPipe needs) and keep per-track state we could not bound; this is ~150 lines,
time-based (seconds, not frames, so it behaves the same at any frame rate or detection stride),
and tested on its own. supervision's ByteTrack is used as the peer in bench/.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import numpy as np

from edge.detections.detections import Detections
from edge.tracks.kalman import KalmanBoxFilter
from edge.tracks.matching import iou_matrix, match
from edge.tracks.tracks import Tracks

__all__ = ["TrackerSettings", "ByteTracker"]


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    """Thresholds and their trade-offs.

    Args:
        high_score: detections at or above this start and extend tracks in the first pass.
        low_score: detections between this and high_score can only extend existing tracks
            (second pass): this is what keeps a half-occluded person tracked.
        new_track_score: a detection must score this much to start a track (fewer ghosts).
        match_iou: minimum IoU between a predicted track and a high detection.
        low_match_iou: minimum IoU in the second, low-score pass (stricter: low boxes are noisy).
        confirm_hits: consecutive matches before a tentative track is reported (1 = at once).
        max_lost_s: seconds a track survives without detection, coasting on its motion model,
            before it is dropped; longer bridges occlusions but risks linking two people.
    """

    high_score: float = 0.5
    low_score: float = 0.1
    new_track_score: float = 0.6
    match_iou: float = 0.2
    low_match_iou: float = 0.4
    confirm_hits: int = 2
    max_lost_s: float = 1.5


@dataclass(slots=True, eq=False)
class _Track:
    track_id: int
    kalman: KalmanBoxFilter
    score: float
    last_seen_ts: float
    hits: int = 1
    is_confirmed: bool = False
    box: np.ndarray = field(default_factory=lambda: np.zeros(4))


class ByteTracker:
    """update(detections, ts) → Tracks; predict(ts) → Tracks for frames not run through the detector.

    Example:
        >>> t = ByteTracker(); t.update(Detections.empty(), ts=0.0)  # doctest: +ELLIPSIS
        Tracks(...)
    """

    def __init__(self, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self.reset()

    def reset(self) -> None:
        self._tracks: list[_Track] = []
        # Ids start at a random point per run: they identify nobody across runs or devices.
        self._next_id = secrets.randbits(40)

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def predict(self, ts: float) -> Tracks:
        """Advance every track by its motion model; report confirmed tracks at their predictions."""
        for t in self._tracks:
            t.kalman.predict()
            t.box = t.kalman.box()
        self._drop_expired(ts)
        return self._confirmed_tracks(ts, only_seen_now=False)

    def update(self, detections: Detections, ts: float) -> Tracks:
        s = self.settings
        # 1. Predict every track to now.
        for t in self._tracks:
            t.kalman.predict()
            t.box = t.kalman.box()
        # 2. Split detections by confidence.
        conf = detections.confidence
        high = detections[conf >= s.high_score]
        low = detections[(conf >= s.low_score) & (conf < s.high_score)]
        confirmed = [t for t in self._tracks if t.is_confirmed]
        tentative = [t for t in self._tracks if not t.is_confirmed]
        # 3. First pass: confirmed (incl. coasting) tracks ↔ high detections.
        pairs, left_tracks, left_high = match(iou_matrix(self._boxes(confirmed), high.xyxy), s.match_iou)
        for ti, di in pairs:
            self._extend(confirmed[ti], high.xyxy[di], float(high.confidence[di]), ts)
        # 4. Second pass: still-unmatched confirmed tracks that were seen recently ↔ low detections.
        rest = [confirmed[i] for i in left_tracks]
        pairs, _, _ = match(iou_matrix(self._boxes(rest), low.xyxy), s.low_match_iou)
        for ti, di in pairs:
            self._extend(rest[ti], low.xyxy[di], float(low.confidence[di]), ts)
        # 5. Tentative tracks ↔ remaining high detections; unmatched tentative tracks die.
        high_left = high[np.asarray(left_high, dtype=np.int64)]
        pairs, dead, left_new = match(iou_matrix(self._boxes(tentative), high_left.xyxy), s.match_iou)
        for ti, di in pairs:
            self._extend(tentative[ti], high_left.xyxy[di], float(high_left.confidence[di]), ts)
        dead_ids = {id(tentative[i]) for i in dead}
        self._tracks = [t for t in self._tracks if id(t) not in dead_ids]
        # 6. Births: confident unmatched detections start tentative tracks.
        for di in left_new:
            score = float(high_left.confidence[di])
            if score >= s.new_track_score:
                box = high_left.xyxy[di].astype(np.float64)
                track = _Track(self._new_id(), KalmanBoxFilter(box), score, ts, box=box)
                track.is_confirmed = s.confirm_hits <= 1
                self._tracks.append(track)
        # 7. Deaths: tracks unseen for longer than max_lost_s.
        self._drop_expired(ts)
        return self._confirmed_tracks(ts, only_seen_now=True)

    def _extend(self, track: _Track, box: np.ndarray, score: float, ts: float) -> None:
        track.kalman.update(box.astype(np.float64))
        track.box = box.astype(np.float64)
        track.score = score
        track.last_seen_ts = ts
        track.hits += 1
        if track.hits >= self.settings.confirm_hits:
            track.is_confirmed = True

    def _drop_expired(self, ts: float) -> None:
        limit = self.settings.max_lost_s
        self._tracks = [t for t in self._tracks if ts - t.last_seen_ts <= limit]

    @staticmethod
    def _boxes(tracks: list[_Track]) -> np.ndarray:
        return np.array([t.box for t in tracks], dtype=np.float64).reshape(-1, 4)

    def _confirmed_tracks(self, ts: float, only_seen_now: bool) -> Tracks:
        shown = [t for t in self._tracks if t.is_confirmed and (not only_seen_now or t.last_seen_ts == ts)]
        if not shown:
            return Tracks.empty()
        return Tracks(
            Detections(self._boxes(shown).astype(np.float32), np.array([t.score for t in shown], np.float32)),
            np.array([t.track_id for t in shown], dtype=np.int64),
        )

    @property
    def active_count(self) -> int:
        """Tracks held in memory (confirmed, tentative and coasting): bounded by the scene."""
        return len(self._tracks)
