"""A ByteTrack-class multi-object tracker (Zhang et al., 2022), written for this project.

Why our own and not a library: Roboflow's `trackers` (where supervision's ByteTrack moved) declares
opencv-python, which would overwrite the contrib cv2 MediaPipe needs, and counts time in frames;
this is ~200 lines, time-based (seconds, not frames, so it behaves the same at any frame rate or
detection stride), and tested on its own. `trackers`' ByteTrackTracker is the peer in
bench/eval_counting.py. docs/ARCHITECTURE.md numbers the steps and states the trade-offs.
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
        lost_buffer: third pass only: boxes of confirmed tracks still unmatched and of the
            detections left are widened by this fraction of their size on each side before IoU
            (buffered IoU, C-BIoU, Yang et al. 2023): after an occlusion the prediction has
            drifted, and a small person's box no longer overlaps its own re-detection. Larger
            re-acquires more, but may hand a lost track to a neighbour.
    """

    high_score: float = 0.5
    low_score: float = 0.1
    new_track_score: float = 0.6
    match_iou: float = 0.2
    low_match_iou: float = 0.4
    confirm_hits: int = 2
    max_lost_s: float = 1.5
    lost_buffer: float = 0.3


@dataclass(slots=True, eq=False)
class _Track:
    track_id: int
    kalman: KalmanBoxFilter
    score: float
    last_seen_ts: float
    predicted_ts: float
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

    def _predict_all(self, ts: float) -> None:
        for t in self._tracks:
            t.kalman.predict(ts - t.predicted_ts)
            t.predicted_ts = max(t.predicted_ts, ts)
            t.box = t.kalman.box()

    def predict(self, ts: float) -> Tracks:
        """Advance every track by its motion model; report confirmed tracks at their predictions."""
        self._predict_all(ts)
        self._drop_expired(ts)
        return self._confirmed_tracks(ts, only_seen_now=False)

    def update(self, detections: Detections, ts: float) -> Tracks:
        s = self.settings
        # 1. Predict every track to now (by the seconds since its last step).
        self._predict_all(ts)
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
        pairs, _, left_low = match(iou_matrix(self._boxes(rest), low.xyxy), s.low_match_iou)
        for ti, di in pairs:
            self._extend(rest[ti], low.xyxy[di], float(low.confidence[di]), ts)
        high_left = high[np.asarray(left_high, dtype=np.int64)]
        # 4b. Third pass: confirmed tracks still unmatched (coasting, or moving faster than their
        #     prediction) ↔ remaining high detections, on buffered IoU (TrackerSettings.lost_buffer).
        lost = [t for t in rest if t.last_seen_ts < ts]
        if lost and len(high_left):
            similarity = iou_matrix(_widen(self._boxes(lost), s.lost_buffer), _widen(high_left.xyxy, s.lost_buffer))
            pairs, _, still_left = match(similarity, s.match_iou)
            for ti, di in pairs:
                self._extend(lost[ti], high_left.xyxy[di], float(high_left.confidence[di]), ts)
            high_left = high_left[np.asarray(still_left, dtype=np.int64)]
        # 5. Tentative tracks ↔ remaining high detections, then ↔ low ones (strict IoU): a person
        #    walking in through the frame's edge or from behind someone scores low for a frame or
        #    two, and should not have to be born again. Unmatched tentative tracks die.
        pairs, left_tentative, left_new = match(iou_matrix(self._boxes(tentative), high_left.xyxy), s.match_iou)
        for ti, di in pairs:
            self._extend(tentative[ti], high_left.xyxy[di], float(high_left.confidence[di]), ts)
        low_left = low[np.asarray(left_low, dtype=np.int64)]
        unmatched = [tentative[i] for i in left_tentative]
        pairs, still, _ = match(iou_matrix(self._boxes(unmatched), low_left.xyxy), s.low_match_iou)
        for ti, di in pairs:
            self._extend(unmatched[ti], low_left.xyxy[di], float(low_left.confidence[di]), ts)
        dead = [left_tentative[i] for i in still]
        dead_ids = {id(tentative[i]) for i in dead}
        self._tracks = [t for t in self._tracks if id(t) not in dead_ids]
        # 6. Births: confident unmatched detections start tentative tracks.
        for di in left_new:
            score = float(high_left.confidence[di])
            if score >= s.new_track_score:
                box = high_left.xyxy[di].astype(np.float64)
                track = _Track(self._new_id(), KalmanBoxFilter(box), score, ts, ts, box=box)
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


def _widen(xyxy: np.ndarray, fraction: float) -> np.ndarray:
    """Boxes grown by `fraction` of their width/height on each side."""
    b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    pad = np.stack([b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1) * fraction
    return np.concatenate([b[:, :2] - pad, b[:, 2:] + pad], axis=1)
