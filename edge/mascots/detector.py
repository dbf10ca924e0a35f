"""Find registered mascots in a frame: features → matches → clusters → homography → checks.

Steps of `MascotDetector.detect`:
0. A frame larger than `DetectorSettings.max_pixels` is searched downscaled (detections are
   mapped back to its pixels).
1. ORB features of the grey frame (colour is ignored on purpose: grey cameras, colour casts),
   with two upscaled pyramid levels for small cards; the FAST threshold follows the frame's
   contrast and focus.
2. Ratio-tested matches against every reference (`matching.ReferenceIndex`).
3. Hough clusters of consistent matches per reference (`matching.cluster_views`): strong ones
   are fitted (4–5); weak ones and failed fits mark places that a second stage looks at again in
   an upscaled crop (ORB there finds several times more keypoints on a 60–115 px card), whose
   clusters go through the same steps 4–5.
4. Per cluster, a RANSAC homography; then every match of that reference that agrees with it is
   added and the homography refitted (guided refinement), which recovers the card's matches
   that voted in neighbouring bins (`pose_fit.py`).
5. Geometric sanity of the mapped corners and the appearance check (`verify.py`); the score is
   the appearance score.
6. Non-maximum suppression within and across mascots (a card is one mascot).

`MascotDetector.confirm` checks a mascot seen in an earlier frame of a fixed camera at its old
pose instead (ECC alignment, then step 5); `with_confirmed` adds the ones a frame's `detect`
missed (the live agent's samples, the AR render's detection frames).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from edge.mascots.detection import MascotDetection, iou_xywh, suppress
from edge.mascots.features import (
    VIEWS,
    Features,
    extract_features,
    extract_features_parallel,
    view_wh,
)
from edge.mascots.frame_prep import (
    fast_threshold,
    grey,
    halvings,
    orb_budget,
    to_frame_pixels,
    working_scale,
)
from edge.mascots.matching import Matches, ReferenceIndex, centre_peak, cluster_views
from edge.mascots.pose_fit import better_pose, column_median, fit_pose
from edge.mascots.registry import MascotRegistry
from edge.mascots.verify import refine_alignment

__all__ = ["DEFAULT_MAX_PIXELS", "DetectorSettings", "MascotDetector", "with_confirmed"]

_MIN_VOTES = 6  # votes a cluster needs to be fitted (matching._MIN_VOTES)
# Second stage (small cards): weak clusters (3–5 votes) and failed hypotheses of cards
# _MIN_RESCAN_PX–_MAX_RESCAN_PX tall are looked at again in a crop reaching _RESCAN_REACH card
# heights around them, upscaled so that the card is ~_RESCAN_HEIGHT_PX tall (1.5–3×): ORB then
# finds several times more keypoints on it. At most _MAX_RESCANS places per frame bound the time.
# (300 px rather than 220: a weak cluster's height is a rough guess, and the larger factor found
# more small cards on synthetic seeds 7/11 at no measurable cost; the 4th rescan found none.)
_WEAK_VOTES = 3
_MIN_RESCAN_PX, _MAX_RESCAN_PX = 35.0, 160.0
_RESCAN_REACH = 1.0
_RESCAN_HEIGHT_PX = 300.0
_RESCAN_FEATURES = 600
_MAX_RESCANS = 3
_PEAK_CELL_PX = 32
_PEAK_MIN_VOTES = 5
_PEAK_REACH = 0.7
# An image narrower or lower than this cannot show enough of a card to verify (`verify.py` wants
# a quad of at least 30 px with 55 % of it inside), and ORB's pyramid fails on a 1 px side.
_MIN_IMAGE_PX = 16
# Frames up to 1920×1080, the most common store camera, are searched at their own size
DEFAULT_MAX_PIXELS = 1920 * 1080


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """Tunable thresholds; each trades recall against false detections or time.

    Args:
        n_features: ORB features per frame; more finds smaller cards, costs ~5 ms per 1000.
        fast_threshold: ORB's FAST corner threshold for a normally exposed, sharp frame; lowered
            in proportion on a dimmer or flatter frame or crop, and down to half on an
            out-of-focus frame (`frame_prep.fast_threshold`).
        min_inliers: RANSAC inliers to consider a hypothesis at all (a 60 px card has ~8).
        min_score: appearance score to report; the guard against look-alike cards.
        max_hypotheses: clusters tried per reference view and frame; bounds the worst case.
        threads: ORB and matching run in this many threads (2 on a 2-core machine; 1 = none).
        upscaled_levels: ORB pyramid levels above full resolution (×1.2, ×1.44): small cards
            (60–115 px) get several times more matches; each level costs ~4 ms of CPU.
        centre_peaks: also rescan, per reference, the place where most matches agree on a small
            card's centre whatever their scale and angle: held-out synthetic recall 0.951 -> 0.969
            for ~5-6 ms more per frame (BENCHMARKS.md); off = the faster detector.
        levels: ORB pyramid levels at and below full resolution (×1/1.2 each), for the frame and
            the rescanned crops. 4 reach 0.58×, where a 690 px card meets the 400 px reference
            (the references have their own 8-level pyramids, so the frame's coarse levels only
            repeat matches). With `n_features` 2600 the finer levels keep the budget they had
            with 6 levels and 3000 features: ~10 % less CPU a frame at the same recall (session
            14, BENCHMARKS.md); 8 → 6 had already given ~2 ms.
        scale_factor: step between those ORB levels (frame and crops; references keep 1.2). A
            coarser pyramid is the faster detector: 1.44 with `upscaled_levels` 1 and `levels` 4
            (×1.44 down to ×0.33) takes ~20 % less time a frame (39–40 against 47–48 ms here)
            and finds as many synthetic cards, but 0.934 of the samples over 16 LSH draws
            against 0.950 (BENCHMARKS.md, session 12).
        max_pixels: a larger frame (a 4K camera, a 12 MP photo) is searched downscaled to this
            many pixels (1920×1080 by default, the most common store camera, searched at full
            detail), and the detections are given in the frame's own pixels. The time grows with
            the pixels searched (a 1280×720 frame ~55 ms here, 1920×1080 ~70–85, 3840×2160
            ~170–190), and the recall of the smallest cards with their detail (a 4K frame's
            60–500 px cards: 67 of 80 found at 1920×1080, 79 at full size; BENCHMARKS.md).
    """

    n_features: int = 2600
    fast_threshold: int = 12
    min_inliers: int = 6
    min_score: float = 0.36
    max_hypotheses: int = 3
    threads: int = 2
    upscaled_levels: int = 2
    centre_peaks: bool = True
    levels: int = 4
    scale_factor: float = 1.2
    max_pixels: int = DEFAULT_MAX_PIXELS


class MascotDetector:
    """Detects the mascots of a registry in BGR or grey frames.

    Args:
        registry: registered mascots (features precomputed).
        settings: thresholds, see `DetectorSettings`.

    Example:
        >>> detector = MascotDetector(MascotRegistry.from_directory("media/mascots"))
        >>> [d.mascot_id for d in detector.detect(cv2.imread("frame.jpg"))]
        ['mascot-fox']
    """

    def __init__(self, registry: MascotRegistry, settings: DetectorSettings | None = None) -> None:
        self.registry = registry
        self.settings = settings or DetectorSettings()
        self._index = ReferenceIndex(registry)
        # per reference slot: the size of each of its simulated views (for clustering and peaks)
        self._view_whs = [[view_wh(registry.mascots[mi].references[ri].wh, v) for v in range(len(VIEWS))]
                          for mi, ri in self._index.owners]
        self._pool = (ThreadPoolExecutor(self.settings.threads, thread_name_prefix="mascot-detect")
                      if self.settings.threads > 1 else None)

    @classmethod
    def from_directory(cls, mascots_dir, max_pixels: int | None = None) -> MascotDetector:
        """A detector of the mascots in `mascots_dir` (`MascotRegistry.from_directory`), searching
        frames of up to `max_pixels` (default: `DetectorSettings.max_pixels`) at their own size."""
        settings = DetectorSettings() if max_pixels is None else DetectorSettings(max_pixels=max_pixels)
        return cls(MascotRegistry.from_directory(mascots_dir), settings)

    def close(self) -> None:
        """Stop the worker threads (idempotent); `detect` then runs single-threaded."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> MascotDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def detect(self, image: np.ndarray) -> list[MascotDetection]:
        """All registered mascots in `image` (BGR or grey uint8), best score first.

        A frame of more than `settings.max_pixels` is searched at that size (its aspect kept), a
        frame clearly smaller than 1280×720 upscaled to that size, and the detections are mapped
        back to its own pixels (`frame_prep.working_scale`).
        """
        gray = grey(image)
        if min(gray.shape[:2]) < _MIN_IMAGE_PX:
            return []
        scale = working_scale(gray.shape, self.settings.max_pixels)
        if scale == 1.0:
            return self._detect(gray)
        work = cv2.resize(gray, None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        if min(work.shape[:2]) < _MIN_IMAGE_PX:  # a sliver of an image, shrunk to nothing
            return []
        return [to_frame_pixels(d, work.shape, gray.shape) for d in self._detect(work)]

    def _detect(self, gray: np.ndarray) -> list[MascotDetection]:
        s = self.settings
        fast = fast_threshold(gray, s.fast_threshold, soft=True)
        n_features, levels = orb_budget(gray.shape, s.n_features, s.levels, s.upscaled_levels, s.scale_factor)
        if self._pool is not None and gray.shape[0] >= 400:
            frame = extract_features_parallel(gray, n_features, fast, self._pool,
                                              s.upscaled_levels, levels, s.scale_factor)
        else:
            frame = extract_features(gray, n_features, fast, first_level=s.upscaled_levels,
                                     levels=levels, scale_factor=s.scale_factor)
        per_slot = self._index.match(frame, self._pool)
        pyramid = halvings(gray)
        # the references are independent until the final suppression, so each reference's
        # clusters are fitted on its own thread (OpenCV and numpy sorts release the GIL)
        stages = self._map(lambda slot: self._first_stage(per_slot, slot, pyramid), per_slot)
        found = [d for f, _ in stages for d in f]
        weak = [h for _, w in stages for h in w]
        # second stage: small cards give too few matches at frame resolution; look again at
        # the places of weak clusters and failed hypotheses, and where matches agree on a card
        # centre, in an upscaled crop
        places = self._candidate_places(weak, per_slot, found)
        if s.centre_peaks:
            places += self._peak_places(per_slot, found, places, (gray.shape[1], gray.shape[0]))
        first = tuple(found)
        for more in self._map(lambda p: self._second_stage(gray, p, pyramid, first), places):
            found += more
        return suppress(found)

    def confirm(self, image: np.ndarray, last: MascotDetection) -> MascotDetection | None:
        """The mascot of `last`, a detection in an earlier frame of the same fixed camera, if it
        is still there: its pose is verified in `image` as a new detection's is, and aligned
        (ECC) when it does not agree at once (a standee nudged). None when the mascot has gone or
        is hidden, or is no longer registered.

        A standee stands still, so the live agent looks for a mascot it saw where it saw it
        (3–10 ms on a 1280×720 frame) when `detect` misses it, as it can on a small, turned or partly hidden card
        that gives few feature matches in one frame and enough in the next.
        """
        try:
            ref = self.registry[last.mascot_id].references[last.reference]
        except (KeyError, IndexError):
            return None
        gray = grey(image)
        if min(gray.shape[:2]) < _MIN_IMAGE_PX:
            return None
        pyramid = halvings(gray)
        frame_wh = (gray.shape[1], gray.shape[0])
        best = better_pose(None, last.homography, ref, pyramid, frame_wh)
        # The pose is another frame's, verified there, so a good start for ECC even when a few
        # pixels off already fail the appearance check (a 131 px card moved 7 px scores 0; ECC
        # brings it back from up to ~11 px).
        refined = refine_alignment(pyramid, last.homography, ref.wh, ref.alignment_template,
                                   ecc_mask=ref.alignment_mask)
        if refined is not None:
            best = better_pose(best, refined, ref, pyramid, frame_wh)
        if best is None or best[0] < self.settings.min_score:
            return None
        score, h, corners = best
        return MascotDetection.at_pose(last.mascot_id, h, corners, score, last.reference)

    def _map(self, fn, items) -> list:
        if self._pool is None or len(items) < 2:
            return [fn(x) for x in items]
        return list(self._pool.map(fn, items))

    def _first_stage(self, per_slot: dict[int, Matches], slot: int, pyramid: list[np.ndarray]):
        """(detections, weak or failed hypotheses) of one reference slot."""
        found: list[MascotDetection] = []
        strong, weak = self._hypotheses({slot: per_slot[slot]})
        weak += self._try(per_slot, strong, pyramid, found)
        return found, weak

    def _second_stage(self, gray: np.ndarray, place: tuple[float, float, float, float],
                      pyramid: list[np.ndarray], found: tuple[MascotDetection, ...]):
        """Detections in an upscaled crop around `place` (x, y, height, reach), not already `found`."""
        crop = self._rescan(gray, *place)
        if not crop:
            return []
        local = list(found)
        self._try(crop, self._hypotheses(crop)[0], pyramid, local)
        return local[len(found):]

    def _hypotheses(self, per_slot: dict[int, Matches]) -> tuple[list, list]:
        """(votes, slot, member indices) of the clusters of every view of every reference,
        strongest first: those with enough votes to fit, and weak ones (candidate places)."""
        strong, weak = [], []
        n = self.settings.max_hypotheses
        for slot, matches in per_slot.items():
            clusters = cluster_views(matches, self._view_whs[slot], 2 * n, _WEAK_VOTES)
            per_view: dict[int, int] = {}
            for view, m in clusters:
                # bins come strongest first within a view, so the strong ones lead
                if len(m) >= _MIN_VOTES and per_view.get(view, 0) < n:
                    per_view[view] = per_view.get(view, 0) + 1
                    strong.append((len(m), slot, m))
                elif len(m) < _MIN_VOTES:
                    weak.append((len(m), slot, m))
        strong.sort(key=lambda h: -h[0])
        return strong, weak

    def _try(self, per_slot: dict[int, Matches], hypotheses: list, pyramid: list[np.ndarray],
             found: list[MascotDetection]) -> list:
        """Fit and verify each hypothesis, adding detections to `found`; returns the failed."""
        frame_wh = (pyramid[0].shape[1], pyramid[0].shape[0])
        failed = []
        for hyp in hypotheses:
            _, slot, members = hyp
            mi, ri = self._index.owners[slot]
            mascot = self.registry.mascots[mi]
            matches = per_slot[slot]
            # a cluster on a card already found (another view or bin of it) adds nothing
            cx, cy = column_median(matches.frame_xy[members])
            if any(d.mascot_id == mascot.mascot_id and _inside(d.bbox_xywh, cx, cy)
                   for d in found):
                continue
            det = self._fit(matches, members, mascot, ri, pyramid, frame_wh)
            if det is not None:
                found.append(det)
            else:
                failed.append(hyp)
        return failed

    def _candidate_places(self, weak: list, per_slot: dict[int, Matches],
                          found: list[MascotDetection]) -> list[tuple[float, float, float, float]]:
        """Distinct (x, y, height) of small weak clusters, not on a card already found."""
        places: list[tuple[float, float, float, float]] = []
        for _, slot, members in sorted(weak, key=lambda h: -h[0]):
            if len(places) >= _MAX_RESCANS:
                break
            matches = per_slot[slot]
            ref = self.registry.mascots[self._index.owners[slot][0]].references[
                self._index.owners[slot][1]]
            x, y = column_median(matches.frame_xy[members])
            height = float(column_median(matches.scale[members])) * ref.wh[1]
            if not _MIN_RESCAN_PX <= height <= _MAX_RESCAN_PX:
                continue
            if any(_inside(d.bbox_xywh, x, y) for d in found):
                continue
            if any(np.hypot(x - px, y - py) < 0.5 * max(height, ph) for px, py, ph, _ in places):
                continue
            places.append((float(x), float(y), height, _RESCAN_REACH))
        return places

    def _peak_places(self, per_slot: dict[int, Matches], found: list[MascotDetection], places: list,
                     frame_wh: tuple[int, int]) -> list[tuple[float, float, float, float]]:
        """Per reference, the place where most matches agree on a small card's centre (see
        `matching.centre_peak`), if it has the votes and is not on a found card or a place."""
        boxes = [d.bbox_xywh for d in found]
        out: list[tuple[float, float, float, float]] = []
        for slot, matches in per_slot.items():
            peak = centre_peak(matches, self._view_whs[slot], frame_wh, (_MIN_RESCAN_PX, _MAX_RESCAN_PX),
                               _PEAK_CELL_PX, boxes)
            if peak is None or peak[3] < _PEAK_MIN_VOTES:
                continue
            x, y, height, _ = peak
            if any(np.hypot(x - px, y - py) < 0.5 * max(height, ph) for px, py, ph, _ in places + out):
                continue
            out.append((x, y, height, _PEAK_REACH))
        return out

    def _rescan(self, gray: np.ndarray, cx: float, cy: float, height: float,
                reach: float = _RESCAN_REACH) -> dict[int, Matches]:
        """Matches of ORB features of an upscaled crop reaching `reach` × `height` around (cx, cy),
        in frame px."""
        f = float(np.clip(_RESCAN_HEIGHT_PX / height, 1.5, 3.0))
        r = reach * height
        x0, y0 = max(0, int(cx - r)), max(0, int(cy - r))
        x1, y1 = min(gray.shape[1], int(cx + r)), min(gray.shape[0], int(cy + r))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return {}
        patch = gray[y0:y1, x0:x1]
        crop = cv2.resize(patch, None, fx=f, fy=f, interpolation=cv2.INTER_LINEAR)
        feats = extract_features(crop, _RESCAN_FEATURES, fast_threshold(patch, self.settings.fast_threshold),
                                 levels=self.settings.levels, scale_factor=self.settings.scale_factor)
        feats = Features(feats.xy / f + np.array([x0, y0], np.float32), feats.size / f,
                         feats.angle, feats.descriptors)
        return self._index.match(feats)

    def _fit(self, matches: Matches, members: np.ndarray, mascot, ri: int,
             pyramid: list[np.ndarray], frame_wh: tuple[int, int]) -> MascotDetection | None:
        pose = fit_pose(matches, members, mascot.references[ri], pyramid, frame_wh,
                        self.settings.min_inliers, self.settings.min_score)
        if pose is None:
            return None
        score, h, corners = pose
        return MascotDetection.at_pose(mascot.mascot_id, h, corners, score, ri)


def with_confirmed(detector, image, sightings: list, last: list) -> list:
    """`sightings` plus each of `last` (the previous sample's) that they lack and that
    `detector.confirm` still finds where it stood (a detector without `confirm`: `sightings`)."""
    confirm = getattr(detector, "confirm", None)
    out = list(sightings)
    if confirm is None:
        return out
    for before in last:
        if any(d.mascot_id == before.mascot_id and iou_xywh(d.bbox_xywh, before.bbox_xywh) > 0.3 for d in sightings):
            continue
        again = confirm(image, before)
        if again is not None:
            out.append(again)
    return out


def _inside(xywh: tuple[float, float, float, float], x: float, y: float) -> bool:
    bx, by, bw, bh = xywh
    return bx <= x <= bx + bw and by <= y <= by + bh
