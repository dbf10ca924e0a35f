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
        birth_report_s: a track first reported (confirmed) at least this long after it was born
            also reports its birth box (`Tracks.born_xyxy`), so a line counter sees the side it
            came from. 0.1 s is about the time a walker takes to cross a line's dead band (0.2 of
            a box height), so only at ≤ 10 fps can they cross it unseen between the two frames;
            faster, a birth box adds nothing but the jump of a fragment born beside a person.
    """

    high_score: float = 0.5
    low_score: float = 0.1
    new_track_score: float = 0.6
    match_iou: float = 0.2
    low_match_iou: float = 0.4
    confirm_hits: int = 2
    max_lost_s: float = 1.5
    lost_buffer: float = 0.3
    birth_report_s: float = 0.1


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
    born: np.ndarray | None = None  # the birth box until the track is first reported
    born_ts: float = 0.0


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
        # 5b. A tentative track has no speed yet: at a low frame rate a walker moves a box width
        #     between frames and IoU finds no overlap. The rest ↔ the high detections left, by how
        #     far each is from the track's predicted centre in its own uncertainty (which grows
        #     with the seconds since it was seen; at 30 fps this gate is tighter than IoU's).
        if left_tentative and left_new:
            unmatched = [tentative[i] for i in left_tentative]
            pairs, still, still_new = match(_motion_similarity(unmatched, high_left.xyxy[left_new]), 1e-6)
            for ti, di in pairs:
                self._extend(unmatched[ti], high_left.xyxy[left_new[di]], float(high_left.confidence[left_new[di]]), ts)
            left_tentative = [left_tentative[i] for i in still]
            left_new = [left_new[i] for i in still_new]
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
                track = _Track(self._new_id(), KalmanBoxFilter(box), score, ts, ts, box=box, born=box, born_ts=ts)
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
        late = self.settings.birth_report_s - 1e-6  # (float time stamps: 10 fps is 0.1 s)
        births = [t.born if t.born is not None and ts - t.born_ts >= late else None for t in shown]
        for t in shown:
            t.born = None  # reported once, or never
        born = None
        if any(b is not None for b in births):
            born = np.array([np.full(4, np.nan) if b is None else b for b in births], np.float32)
        return Tracks(
            Detections(self._boxes(shown).astype(np.float32), np.array([t.score for t in shown], np.float32)),
            np.array([t.track_id for t in shown], dtype=np.int64),
            born,
        )

    @property
    def active_count(self) -> int:
        """Tracks held in memory (confirmed, tentative and coasting): bounded by the scene."""
        return len(self._tracks)


_GATE_CHI2_2DOF = 9.21  # 99 % of a 2-D normal's squared Mahalanobis distances fall below this


def _motion_similarity(tracks: list[_Track], xyxy: np.ndarray) -> np.ndarray:
    """(tracks, detections) similarity in [0, 1) from the squared Mahalanobis distance of each
    detection's centre to each track's prediction; 0 beyond the 99 % gate or when the heights
    differ by more than 2× (a fragment is not the person)."""
    b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    centres = (b[:, :2] + b[:, 2:]) / 2
    heights = b[:, 3] - b[:, 1]
    out = np.zeros((len(tracks), len(b)))
    for i, t in enumerate(tracks):
        d2 = t.kalman.centre_distance2(centres)
        h = t.box[3] - t.box[1]
        ok = (d2 < _GATE_CHI2_2DOF) & (heights <= 2 * h) & (heights >= h / 2)
        out[i] = np.where(ok, 1.0 - d2 / _GATE_CHI2_2DOF, 0.0)
    return out


def _widen(xyxy: np.ndarray, fraction: float) -> np.ndarray:
    """Boxes grown by `fraction` of their width/height on each side."""
    b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    pad = np.stack([b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1) * fraction
    return np.concatenate([b[:, :2] - pad, b[:, 2:] + pad], axis=1)
