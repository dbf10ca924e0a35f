"""People seen from straight above, found by background modelling: the `top-down` view's detector.

A COCO detector (YOLOX) knows people from the side; from a ceiling camera a person is a head and
shoulders and it finds almost nobody. This detector needs no model. Per frame, on a small grey
copy (`work_width` pixels wide):

    frame ─▶ grey, shrink, blur ─▶ tone curve ─▶ difference to background ─▶ changed pixels
          ─▶ shadows marked ─▶ blobs (person + attached shadow) ─▶ people from the non-shadow part
          ─▶ Detections (boxes centred on each person seen from above, not on their shadow)

* Exposure: auto-exposure changes the tone curve; it is measured each frame from the background
  pixels (median per brightness band) and the background is mapped through it.
* Background: running mean and variance per pixel, threshold 3σ (≥ min_contrast). Changed pixels
  learn 50× slower, and not at all under a person found (someone standing stays found for
  `stand_s`); the variance does not learn under a person found this frame; anything else that
  stays changed for `absorb_s` seconds becomes background; a ghost (what the background shows
  and the frame no longer does; still, or outlined in the background only) is replaced by the
  frame at once; the first second is a plain mean; a view that stays mostly changed restarts
  the model. Rates are per 1/30 s and follow the frames' time stamps, so a 15 fps camera, or
  detection on every 2nd frame, learns as fast as a 30 fps one.
* Shadows: darker pixels whose frame/background ratio is smooth and, on a steadily textured floor,
  that still show the floor's texture; a dark region mostly made of them, and its rim. Once the
  sun is learnt (below), a near-black region lying along it and longer than a person is a shadow
  the camera crushed, not black clothes.
* Colour: a chromaticity background too; a colour change where the brightness is about the
  floor's is evidence (clothes as bright as the floor but of another hue).
* People: every change (shadows too) closed into blobs with a kernel of about half a person, so a
  person and the shadow at their feet are one blob; its non-shadow pixels are the evidence, and
  the box is centred on them. Little or no evidence but a compact, person-sized dark part: a
  person in plain dark clothes; a long dark part lying along the shadows' direction (learnt from
  people seen whole, `topdown_sun.Sun`): a person in dark clothes at its sunward end, with their shadow. Three or
  more persons' area of evidence: split by k-means, one person per two.
* Score: the share of a person's area the evidence shows (0.95 for a whole person), so fragments
  only extend tracks (the tracker's low-score pass) and do not start them.

`person_size` is a person's shoulder width seen from above as a fraction of the frame's shorter
side (0.2 for a camera about 3 m above the floor with a 90° lens); it sets every size above. With
`auto_size` (config `person_size: auto`) the people walking through are measured
(`topdown_size.WalkerSizes`), and when they measure under 0.55 of it, it becomes their size.
Method, measurements and limits: docs/ARCHITECTURE.md, "Top-down cameras".
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from edge.config_settings import PERSON_SIZE_RANGE
from edge.detections.detections import Detections
from edge.detections.topdown_compare import crushed_shadows, ghost_blobs, match_exposure, principal_axis, shadow_mask
from edge.detections.topdown_size import WalkerSizes
from edge.detections.topdown_sun import Sun

__all__ = ["PERSON_SIZE", "TopDownDetector"]

PERSON_SIZE = 0.2  # the default person_size, and where `person_size: auto` starts

log = logging.getLogger(__name__)

_SLOW = 0.02  # learning under a person, relative to learn_rate
_MIN_SIGMA = 6.0  # grey levels: noise floor of the background's spread
_K_SIGMA = 3.0
_SPLIT_AREA = 2.0  # persons of evidence per person when a blob is split (large people stay whole)
_WARMUP_S = 1.0  # plain averaging after a (re)start
_RATE_FRAME_S = 1.0 / 30  # learn_rate is per this interval (a 30 fps frame)
_SCENE_CHANGE_S = 0.5  # a view mostly changed for this long restarts the model
# Colour: clothes as bright as the floor but of another hue are invisible in grey. Chromaticity
# (b, g, r over their sum) ignores brightness, so exposure and shadows' dimming leave it, and a
# change of it beyond this (or 3σ of its own flicker) is colour evidence. Only where the
# brightness is about the floor's (ratio within _SAME_BRIGHTNESS): a shadow, or sunlight moving
# on the floor, also shifts the colour (sunlit warm, shade blue), but changes the brightness much
# more. Below _MIN_CHROMA_GREY a pixel's chromaticity is mostly noise.
_CHROMA_CONTRAST = 0.045
_SAME_BRIGHTNESS = (0.75, 1.33)
_MIN_CHROMA_GREY = 40.0
_WHOLE_EVIDENCE = 0.4  # persons' area of evidence: below it, a blob may be a person in dark clothes
# auto_size: people who measure under _SHRINK_BELOW of person_size are much smaller than it assumes
# (most are missed); person_size then becomes their measure / _MEASURE_PER_SIZE (real people
# measure 0.6–1.0 of the person_size that counts them, drawn ones ~0.95: topdown_size.py).
_SHRINK_BELOW = 0.55
_MEASURE_PER_SIZE = 0.8
_SMALLEST = PERSON_SIZE_RANGE[0]  # person_size never goes below what a config may set


class TopDownDetector:
    """Background-modelling person detector for cameras looking straight down.

    Args:
        person_size: shoulder width of a person from above, fraction of the frame's shorter side.
        work_width: width of the grey working copy (pixels); smaller is faster and smooths noise.
        learn_rate: how fast the background follows slow changes (0–1 per frame).
        min_contrast: smallest grey-level change (after exposure gain) that can be foreground.
        min_evidence: smallest blob, as a fraction of a person's area, reported as a person.
        absorb_s: seconds after which something that stays changed becomes background.
        stand_s: the same for a person found (someone standing under the camera); their ghost,
            when they leave before, is forgotten at once.
        auto_size: measure the people walking through and take their size when they are much
            smaller than `person_size` (never larger; logged).

    Example:
        >>> d = TopDownDetector(); len(d.detect(np.zeros((72, 128, 3), np.uint8)))
        0
    """

    def __init__(self, person_size: float = PERSON_SIZE, work_width: int = 320, learn_rate: float = 0.03,
                 min_contrast: float = 18.0, min_evidence: float = 0.12,
                 absorb_s: float = 10.0, stand_s: float = 300.0, auto_size: bool = False) -> None:
        if not 0.02 <= person_size <= 0.9:
            raise ValueError(f"person_size: expected 0.02–0.9 of the frame's shorter side, got {person_size}")
        self._configured_size = person_size  # reset() starts person_size from it
        self.work_width = work_width
        self.learn_rate = learn_rate
        self.min_contrast = min_contrast
        self.min_evidence = min_evidence
        self.absorb_s = absorb_s
        self.stand_s = max(stand_s, absorb_s)
        self.walkers = WalkerSizes() if auto_size else None
        self.reset()

    def reset(self) -> None:
        self.person_size = self._configured_size
        self._bg: np.ndarray | None = None
        self._var: np.ndarray | None = None
        self._people = None  # last frame's person mask (work size): not learnt fast, not used for gain
        self._changed_s = 0.0
        self._last_ts: float | None = None
        self._clock = 0.0  # seconds of stream seen (the walkers' time)
        self._shape: tuple[int, int] | None = None
        self.last_masks: dict[str, np.ndarray] = {}  # for preview drawing only; never leaves the process

    def _work(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The small blurred grey copy, and its chromaticity (2, h, w: blue and red share of the
        sum), None for a one-channel image (a grey picture sent as BGR has a constant one)."""
        h, w = image.shape[:2]
        ww = min(self.work_width, w)
        wh = max(8, round(h * ww / w))
        small = cv2.GaussianBlur(cv2.resize(image, (ww, wh), interpolation=cv2.INTER_AREA), (3, 3), 0)
        if small.ndim == 2:
            return small.astype(np.float32), None
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
        b, g, r = cv2.split(small.astype(np.float32))
        total = cv2.max(b + g + r, 1.0)
        chroma = np.empty((2, wh, ww), np.float32)
        cv2.divide(b, total, dst=chroma[0])
        cv2.divide(r, total, dst=chroma[1])
        return grey, chroma

    def _start(self, work: np.ndarray, chroma: np.ndarray | None) -> None:
        self._bg = work.copy()
        self._var = np.full_like(work, 12.0 ** 2)
        self._bg_chroma = None if chroma is None else chroma.copy()
        self._var_chroma = np.full_like(work, _CHROMA_CONTRAST ** 2 / 9)
        self._people = np.zeros(work.shape, bool)
        self._last_work = work  # the previous frame: is a blob still (ghost_blobs)?
        self._changed_for = np.zeros(work.shape, np.float32)  # seconds
        self._seen = 0
        self._seen_s = 0.0
        self._changed_s = 0.0
        self._sun = Sun()  # a new scene (the camera moved) may have its sun elsewhere
        if self.walkers is not None:
            self.walkers.clear()  # a moved camera may see people at another size

    def detect(self, image: np.ndarray, ts: float | None = None) -> Detections:
        """People in `image`; `ts` is its capture time in seconds (without it: 30 fps assumed)."""
        dt = self._interval(ts)
        self._clock += dt
        h, w = image.shape[:2]
        work, chroma = self._work(image)
        if self._bg is None or self._shape != (h, w) or (chroma is None) != (self._bg_chroma is None):
            self._shape = (h, w)
            self._start(work, chroma)
            return Detections.empty()
        bg, var = self._bg, self._var
        # Follow the camera's exposure: map the background through this frame's tone curve.
        bg = self._bg = match_exposure(work, bg, self._people)
        diff = work - bg
        sigma = np.sqrt(var)
        changed = np.abs(diff) > np.maximum(self.min_contrast, _K_SIGMA * np.maximum(sigma, _MIN_SIGMA))
        ratio = work / np.maximum(bg, 1.0)
        coloured = self._colour_change(work, bg, ratio, chroma)
        changed |= coloured
        if self._scene_changed(changed, dt):
            self._start(work, chroma)
            return Detections.empty()
        shadow = shadow_mask(work, bg, ratio, diff, changed, var) & ~coloured
        size = self.person_size * min(work.shape) # person width in work pixels
        sun = self._sun.direction()
        if sun is not None:
            shadow |= crushed_shadows(changed, shadow, ratio, sun, size) & ~coloured
        people = changed & ~shadow
        if self.walkers is not None and not self.walkers.full and self.walkers.update(people, self._clock):
            self._follow_people_size()
        boxes, scores, people_mask, ghosts = self._group(changed, people, shadow, size, work, bg)
        self._last_work = work
        self._forget_ghosts(work, chroma, ghosts)
        self._learn(work, chroma, changed & ~ghosts, people_mask, _inside(boxes, changed.shape) & changed, dt)
        self.last_masks = {"changed": changed, "shadow": shadow, "people": people_mask & ~shadow}
        if not boxes:
            return Detections.empty()
        scale = w / work.shape[1]
        xyxy = np.asarray(boxes, np.float32) * np.float32(scale)
        xyxy[:, 0::2] = np.clip(xyxy[:, 0::2], 0, w)
        xyxy[:, 1::2] = np.clip(xyxy[:, 1::2], 0, h)
        return Detections(xyxy, np.asarray(scores, np.float32))

    def _follow_people_size(self) -> None:
        """auto_size: take the walkers' size when they are much smaller than person_size."""
        measured = self.walkers.measured
        if measured is None or measured >= _SHRINK_BELOW * self.person_size:
            return
        size = max(_SMALLEST, measured / _MEASURE_PER_SIZE)
        log.info("people walking through this top-down view measure %.3f of its shorter side (%d people), "
                 "under %.0f%% of person_size %.3g: now %.3g", measured, len(self.walkers.sizes),
                 100 * _SHRINK_BELOW, self.person_size, size)
        self.person_size = size

    def _interval(self, ts: float | None) -> float:
        """Seconds since the previous frame, bounded; a 30 fps frame when unknown or not forward."""
        last, self._last_ts = self._last_ts, ts
        if ts is None or last is None or not ts > last:
            return _RATE_FRAME_S
        return min(ts - last, 2.0)

    def _scene_changed(self, changed: np.ndarray, dt: float) -> bool:
        """Most of the view changed for half a second or more: the background is no longer valid."""
        self._changed_s = self._changed_s + dt if changed.mean() > 0.6 else 0.0
        return self._changed_s >= _SCENE_CHANGE_S + 0.5 * dt

    def _colour_change(self, work: np.ndarray, bg: np.ndarray, ratio: np.ndarray,
                       chroma: np.ndarray | None) -> np.ndarray:
        """Pixels about as bright as the background but of another colour (see _CHROMA_CONTRAST).
        A camera's white balance shift (the whole view's colour moving) is taken out first."""
        if chroma is None:
            return np.zeros(work.shape, bool)
        delta = chroma - self._bg_chroma
        still = ~self._people[::4, ::4]
        if still.any():
            delta -= np.median(delta[:, ::4, ::4][:, still], axis=1)[:, None, None].astype(np.float32)
        distance2 = delta[0] * delta[0] + delta[1] * delta[1]
        threshold2 = np.maximum(np.float32(_CHROMA_CONTRAST ** 2), np.float32(_K_SIGMA ** 2) * self._var_chroma)
        return ((distance2 > threshold2) & (ratio > _SAME_BRIGHTNESS[0]) & (ratio < _SAME_BRIGHTNESS[1])
                & (np.minimum(work, bg) > _MIN_CHROMA_GREY))

    def _forget_ghosts(self, work: np.ndarray, chroma: np.ndarray | None, ghosts: np.ndarray) -> None:
        """Ghosts (what the background shows but the frame no longer does: someone who stood and
        left, the first frame's passer-by) are replaced by the frame at once (and, no longer
        changed, their absorption clock restarts in `_learn`)."""
        if not ghosts.any():
            return
        self._bg[ghosts] = work[ghosts]
        if chroma is not None:
            self._bg_chroma[:, ghosts] = chroma[:, ghosts]

    def _learn(self, work: np.ndarray, chroma: np.ndarray | None, changed: np.ndarray, people: np.ndarray,
               found: np.ndarray, dt: float) -> None:
        """Move the background towards this frame: fast where nothing changed, slowly elsewhere.

        Shadows learn slowly too, or a passing shadow would leave a bright ghost behind.
        """
        clipped = work >= 250.0  # a clipped white says only "at least this bright"
        target = np.where(clipped, np.maximum(self._bg, work), work)
        step = target - self._bg
        # Changed for longer than absorb_s (a patch of sunlight, a moved mat): learnt at the full
        # rate from then on. Under a person found (someone standing) time runs absorb_s/stand_s
        # as fast, and the background does not learn at all until then; but not in the first
        # absorb_s after a (re)start, while the background may still hold whoever was in the
        # first frames: their ghosts must fade, not be held.
        held = people & found if self._seen_s >= self.absorb_s else np.zeros_like(people)
        clock = np.where(held, np.float32(dt * self.absorb_s / self.stand_s), np.float32(dt))
        self._changed_for = np.where(changed | people, self._changed_for + clock, np.float32(0))
        absorbed = self._changed_for >= self.absorb_s - 0.5 * dt  # (half a frame: float sums)
        slow = (changed | people) & ~absorbed
        frames = dt / _RATE_FRAME_S  # rates are per 30 fps frame: compound them over this interval
        fast_rate = _per_interval(self.learn_rate, frames)
        self._seen += 1
        self._seen_s += dt
        if self._seen_s < _WARMUP_S - 0.5 * dt:  # the first second: a plain running mean, so a bad first frame fades
            rate = np.float32(max(fast_rate, 1.0 / (self._seen + 1)))
        else:
            rate = np.where(slow, _per_interval(self.learn_rate * _SLOW, frames), fast_rate).astype(np.float32)
            rate[held & ~absorbed] = 0.0
        self._bg += rate * step
        # The spread learns everywhere (slower under people): flicker raises its own threshold.
        # Under a person found this frame it does not learn (until absorbed): someone who stands still
        # must not teach the background that their own contrast is noise.
        people_rate = _per_interval(0.2 * self.learn_rate, frames)
        var_rate = np.where(found & ~absorbed, 0.0, np.where(people, people_rate, fast_rate)).astype(np.float32)
        self._var += var_rate * (np.minimum(step * step, 80.0 ** 2) - self._var)
        if chroma is not None:
            step_c = chroma - self._bg_chroma
            self._bg_chroma += rate * step_c
            self._var_chroma += var_rate * (np.minimum(step_c[0] * step_c[0] + step_c[1] * step_c[1],
                                                       np.float32(0.2 ** 2)) - self._var_chroma)
        self._people = people

    def _group(self, changed: np.ndarray, people: np.ndarray, shadow: np.ndarray, size: float,
               frame: np.ndarray, bg: np.ndarray) -> tuple[list[list[float]], list[float], np.ndarray, np.ndarray]:
        """Changed pixels → one box and score per person, the mask of the blobs kept as people,
        and the mask of ghosts (`topdown_compare.ghost_blobs`).

        Blobs are made from every change, shadows included, so a person and the shadow attached
        to their feet stay one blob (one track, one count); how many people a blob holds, and
        where they are, come from its non-shadow pixels only.
        """
        k = max(3, int(round(size * 0.45)) | 1)
        opened = cv2.morphologyEx(changed.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
        closed = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
        person_area = np.pi / 4 * size * size
        evidence = np.bincount(labels.ravel(), weights=(people & (opened > 0)).ravel(), minlength=n)
        boxes, scores = [], []
        kept = np.zeros(people.shape, bool)
        areas = stats[:, cv2.CC_STAT_AREA]
        ghost = ghost_blobs(labels, closed, opened, n, frame, self._last_work, bg, self.min_contrast)
        for i in range(1, n):
            if ghost[i]:
                continue
            if evidence[i] >= _WHOLE_EVIDENCE * person_area:
                ys, xs = np.nonzero((labels == i) & people & (opened > 0))
                self._sun.learn(labels == i, shadow, xs, ys, size, person_area)
            else:
                # Little or no evidence, the rest "shadow": a person in dark, plain clothes (their
                # head or a bag the only evidence) looks like one. A cast shadow alone is long; a
                # person from above is compact; a person in dark clothes with their shadow is long
                # along the sun, the person at the end towards it.
                xs, ys = self._dark_person(labels == i, opened, areas[i], size, person_area)
                if len(xs) == 0:
                    if evidence[i] < self.min_evidence * person_area:
                        continue
                    ys, xs = np.nonzero((labels == i) & people & (opened > 0))
            kept |= labels == i
            count = int(np.clip(np.floor(len(xs) / (_SPLIT_AREA * person_area) + 0.5), 1, 6))
            if count > 1:
                groups = _split(xs, ys, count)
            else:
                groups = [(xs, ys)]
            for gx, gy in groups:
                box, score = _person_box(gx, gy, size, person_area)
                if score >= self.min_evidence:
                    boxes.append(box)
                    scores.append(score)
        return boxes, scores, kept, ghost[labels]

    def _dark_person(self, blob: np.ndarray, opened: np.ndarray, area: int, size: float,
                     person_area: float) -> tuple[np.ndarray, np.ndarray]:
        """The pixels of a person in dark clothes in a blob of mostly "shadow", or none."""
        none = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        if not 0.4 * person_area <= area <= 4.0 * person_area:
            return none
        ys, xs = np.nonzero(blob & (opened > 0))
        if len(xs) < 0.4 * person_area:
            return none
        elongation, axis = principal_axis(xs, ys)
        if elongation > 2.0:
            xs, ys = self._sun.sunward_end(xs, ys, axis, size, blob.shape)
        elif area > 2.0 * person_area:
            return none
        return (xs, ys) if len(xs) >= 0.4 * person_area else none


def _per_interval(rate: float, frames: float) -> float:
    """A per-frame learning rate compounded over `frames` frames (1 − (1 − rate)^frames)."""
    return rate if frames == 1.0 else 1.0 - (1.0 - rate) ** frames


def _inside(boxes: list[list[float]], shape: tuple[int, ...]) -> np.ndarray:
    """Mask of the pixels inside any of these boxes (working-size coordinates)."""
    mask = np.zeros(shape[:2], bool)
    for x1, y1, x2, y2 in boxes:
        mask[max(0, int(y1)):max(0, int(np.ceil(y2))), max(0, int(x1)):max(0, int(np.ceil(x2)))] = True
    return mask


def _split(xs: np.ndarray, ys: np.ndarray, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    points = np.stack([xs, ys], axis=1).astype(np.float32)
    if len(points) < count * 4:
        return [(xs, ys)]
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    cv2.setRNGSeed(7)
    _, labels, _ = cv2.kmeans(points, count, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    labels = labels.ravel()
    return [(xs[labels == j], ys[labels == j]) for j in range(count)]


def _person_box(xs: np.ndarray, ys: np.ndarray, size: float, person_area: float) -> tuple[list[float], float]:
    """A box centred on the pixels' centroid, as wide as they spread, between ½ and 1½ persons."""
    cx, cy = float(xs.mean()), float(ys.mean())
    half_w = float(np.clip(2.0 * xs.std(), 0.25 * size, 0.75 * size))
    half_h = float(np.clip(2.0 * ys.std(), 0.25 * size, 0.75 * size))
    score = float(min(0.95, len(xs) / (0.6 * person_area) * 0.95))
    return [cx - half_w, cy - half_h, cx + half_w, cy + half_h], score
