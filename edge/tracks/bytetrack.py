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
        sparse_s: frames this far apart or more (≤ 10 fps at 0.1 s) are sparse. A walker can
            cross a line's dead band (0.2 of a box height) between two of them, and a box's size
            changes too much from one to the next for its predicted box to overlap the next
            detection. So, for sparse frames only: a confirmed track left unmatched by IoU tries
            the motion gate (its predicted centre, in its own uncertainty), and a track first
            reported (confirmed) this long after its birth also reports its birth box
            (`Tracks.born_xyxy`), so a line counter sees the side it came from. At denser frames
            both did harm: a shadow piece beside the line matched, or born, beside a person.
    """

    high_score: float = 0.5
    low_score: float = 0.1
    new_track_score: float = 0.6
    match_iou: float = 0.2
    low_match_iou: float = 0.4
    confirm_hits: int = 2
    max_lost_s: float = 1.5
    lost_buffer: float = 0.3
    sparse_s: float = 0.1


@dataclass(slots=True, eq=False)
class _Track:
    track_id: int
    kalman: KalmanBoxFilter
    score: float
    last_seen_ts: float
    predicted_ts: float
    hits: int = 1
    is_confirmed: bool = False
    box: np.ndarray = field(default_factory=lambda: np.zeros(4))  # the last detection's, or the prediction
    seen_h: float = 0.0  # the last detection's height (the motion gate's size check)
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
        self._update_ts: float | None = None  # the last update's time: frames this far apart are sparse

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
        sparse = self._update_ts is not None and ts - self._update_ts >= s.sparse_s - 1e-6  # (float stamps)
        self._update_ts = ts
        # 1. Predict every track to now (by the seconds since its last step).
        self._predict_all(ts)
        # 2. Split detections by confidence.
        conf = detections.confidence
        high = detections[conf >= s.high_score]
        low = detections[(conf >= s.low_score) & (conf < s.high_score)]
        confirmed = [t for t in self._tracks if t.is_confirmed]
        tentative = [t for t in self._tracks if not t.is_confirmed]
        iou = self._iou
        # 3. First pass: confirmed (incl. coasting) tracks ↔ high detections.
        rest, high = self._assign(confirmed, high, iou, s.match_iou, ts)
        # 4. Second pass: confirmed tracks left ↔ low detections.
        rest, low = self._assign(rest, low, iou, s.low_match_iou, ts)
        # 4b. Third pass: confirmed tracks still left (coasting, or moving faster than their
        #     prediction) ↔ high detections left, on buffered IoU (TrackerSettings.lost_buffer).
        rest, high = self._assign(rest, high, self._buffered_iou, s.match_iou, ts)
        # 4c. Sparse frames only (TrackerSettings.sparse_s): a box's size changes too much between
        #     them for IoU; the rest ↔ the high detections left, by the motion gate (5b).
        if sparse:
            rest, high = self._assign(rest, high, _motion_similarity, _GATE_FLOOR, ts)
        # 5. Tentative tracks ↔ high detections left, then ↔ low ones (strict IoU): a person
        #    walking in through the frame's edge or from behind someone scores low for a frame or
        #    two, and should not have to be born again. Unmatched tentative tracks die.
        # 5b. Between the two: a tentative track has no speed yet, so at a low frame rate a walker
        #     moves a box width between frames and IoU finds no overlap. The rest ↔ the high
        #     detections left, by how far each is from the track's predicted centre in its own
        #     uncertainty (which grows with the seconds since it was seen; at 30 fps this gate is
        #     tighter than IoU's).
        left, high = self._assign(tentative, high, iou, s.match_iou, ts)
        left, high = self._assign(left, high, _motion_similarity, _GATE_FLOOR, ts)
        dead, _ = self._assign(left, low, iou, s.low_match_iou, ts)
        dead_ids = {id(t) for t in dead}
        self._tracks = [t for t in self._tracks if id(t) not in dead_ids]
        # 6. Births: confident unmatched detections start tentative tracks.
        for box, score in zip(high.xyxy.astype(np.float64), high.confidence.tolist(), strict=True):
            if score >= s.new_track_score:
                track = _Track(self._new_id(), KalmanBoxFilter(box), score, ts, ts, box=box,
                               seen_h=float(box[3] - box[1]), born=box, born_ts=ts)
                track.is_confirmed = s.confirm_hits <= 1
                self._tracks.append(track)
        # 7. Deaths: tracks unseen for longer than max_lost_s.
        self._drop_expired(ts)
        return self._confirmed_tracks(ts, only_seen_now=True)

    def _assign(self, tracks: list[_Track], detections: Detections, similarity, floor: float,
                ts: float) -> tuple[list[_Track], Detections]:
        """Pair tracks with detections (the largest total `similarity(tracks, xyxy)` at or above
        `floor`), extend each paired track, and return the tracks and the detections left."""
        if not tracks or not len(detections):
            return tracks, detections
        pairs, left_tracks, left_detections = match(similarity(tracks, detections.xyxy), floor)
        for ti, di in pairs:
            self._extend(tracks[ti], detections.xyxy[di], float(detections.confidence[di]), ts)
        return [tracks[i] for i in left_tracks], detections[np.asarray(left_detections, dtype=np.int64)]

    def _iou(self, tracks: list[_Track], xyxy: np.ndarray) -> np.ndarray:
        return iou_matrix(self._boxes(tracks), xyxy)

    def _buffered_iou(self, tracks: list[_Track], xyxy: np.ndarray) -> np.ndarray:
        b = self.settings.lost_buffer
        return iou_matrix(_widen(self._boxes(tracks), b), _widen(xyxy, b))

    def _extend(self, track: _Track, box: np.ndarray, score: float, ts: float) -> None:
        track.kalman.update(box.astype(np.float64))
        track.box = box.astype(np.float64)
        track.seen_h = float(box[3] - box[1])
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
        late = self.settings.sparse_s - 1e-6  # (float time stamps: 10 fps is 0.1 s)
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
_GATE_FLOOR = 1e-6  # any similarity inside the gate pairs


def _motion_similarity(tracks: list[_Track], xyxy: np.ndarray) -> np.ndarray:
    """(tracks, detections) similarity in [0, 1) from the squared Mahalanobis distance of each
    detection's centre to each track's prediction; 0 beyond the 99 % gate or when the height
    differs from the track's last detection's by more than 2× (a fragment is not the person)."""
    b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    centres = (b[:, :2] + b[:, 2:]) / 2
    heights = b[:, 3] - b[:, 1]
    out = np.zeros((len(tracks), len(b)))
    for i, t in enumerate(tracks):
        d2 = t.kalman.centre_distance2(centres)
        h = t.seen_h
        ok = (d2 < _GATE_CHI2_2DOF) & (heights <= 2 * h) & (heights >= h / 2)
        out[i] = np.where(ok, 1.0 - d2 / _GATE_CHI2_2DOF, 0.0)
    return out


def _widen(xyxy: np.ndarray, fraction: float) -> np.ndarray:
    """Boxes grown by `fraction` of their width/height on each side."""
    b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    pad = np.stack([b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1) * fraction
    return np.concatenate([b[:, :2] - pad, b[:, 2:] + pad], axis=1)
