"""AutoInputSize: the YOLOX input size a camera needs, found from the camera's own frames.

At its trained size (416 px for the frame's longer side) YOLOX-Nano finds people down to about
35 px tall *at its input*: in a 1280×720 frame that is ~110 px, in 1920×1080 ~160 px. A camera
above a door shows people larger than that; one that looks across a floor shows the far half of
it smaller, and those people are not found at all. A larger input finds them at a cost that
grows with its square, so the size is chosen per camera, from what its frames show:

    every probe (2 s apart for the first minute of the stream, then a minute apart; 0.5 s after
    one that found people missed, so that the evidence gathers while they are in view):
        frame ─▶ detect at the current size ──────────────┐
              └▶ detect at PROBE_SIZE (1280) ─▶ people ≥ 0.5 ─▶ missed at the current size?
    once MIN_MISSED people, and MISSED_SHARE of those seen at probes, were missed and small
    (under SMALL_AT_INPUT_PX at the current input: a large person missed is not a matter of size):
        size ← what makes the missed people's 10th percentile MIN_INPUT_PX tall at the input

The size only grows (a fixed camera's people do not get larger), up to PROBE_SIZE, and the
evidence starts again after each step. Probes follow the frames' time stamps (or count frames
at 10 fps without them), so the same video gives the same sizes, run after run. Measured in
BENCHMARKS.md ("Small people: the model's input size").
"""

from __future__ import annotations

import logging

import numpy as np

from edge.detections.detections import Detections
from edge.detections.yolox import STRIDE, YoloxDetector
from edge.tracks.matching import iou_matrix

__all__ = ["AutoInputSize"]

log = logging.getLogger(__name__)

PROBE_SIZE = 1280  # the largest input tried (~4× the cost of 640 on a 16:9 frame)
FAST_PROBE_S, FAST_PHASE_S, SLOW_PROBE_S, FOLLOW_UP_S = 2.0, 60.0, 60.0, 0.5
MISSED_SHARE, MIN_MISSED = 0.2, 3  # people missed at the current size (of those seen, and at least): step up
MIN_INPUT_PX = 60  # a person this tall at the model's input is found reliably (~95 %)
SMALL_AT_INPUT_PX = 96  # a person missed while this tall at the input is not missed for their size
FOUND_SCORE = 0.5  # a probe's person: what would start a track (TrackerSettings.high_score)
SEEN_SCORE, SEEN_IOU = 0.3, 0.3  # found at the current size: a box this good, overlapping this much
_NO_TS_FPS = 10.0


class AutoInputSize:
    """A Detector that runs `yolox` at the input size its frames need (module docstring).

    Args:
        yolox: the detector; its `input_size` is the size to start from.
        probe_size: the largest input size tried.

    Example:
        >>> detector = AutoInputSize(YoloxDetector())  # doctest: +SKIP
        >>> detector.detect(frame, ts).xyxy  # doctest: +SKIP
    """

    def __init__(self, yolox: YoloxDetector, probe_size: int = PROBE_SIZE) -> None:
        self.yolox = yolox
        self.probe_size = max(probe_size, yolox.input_size)
        self._started: float | None = None
        self._next_probe = 0.0
        self._frames = 0
        self._found = 0
        self._missed_heights: list[float] = []

    @property
    def input_size(self) -> int:
        """The size frames are detected at now."""
        return self.yolox.input_size

    def detect(self, image: np.ndarray, ts: float | None = None) -> Detections:
        now = self._frames / _NO_TS_FPS if ts is None else ts
        self._frames += 1
        found = self.yolox.detect(image)
        if self._started is None:
            self._started = now
        if now >= self._next_probe and self.input_size < self.probe_size:
            missed = self._probe(image, found)
            fast = now - self._started < FAST_PHASE_S
            self._next_probe = now + (FOLLOW_UP_S if missed else FAST_PROBE_S if fast else SLOW_PROBE_S)
        return found

    def _probe(self, image: np.ndarray, found: Detections) -> int:
        """Compare the people the probe size finds with `found`; step up when enough are missed.
        Returns how many this probe found missed."""
        probed = self.yolox.detect_at(image, self.probe_size)
        people = probed.xyxy[probed.confidence >= FOUND_SCORE]
        if not len(people):
            return 0
        seen = found.xyxy[found.confidence >= SEEN_SCORE]
        also_found = (iou_matrix(people, seen) >= SEEN_IOU).any(axis=1) if len(seen) else np.zeros(len(people), bool)
        heights = people[:, 3] - people[:, 1]
        longer = max(image.shape[:2])
        missed = ~also_found & (heights * self.input_size / longer < SMALL_AT_INPUT_PX)
        self._found += len(people)
        self._missed_heights += heights[missed].tolist()
        n_missed = int(missed.sum())
        if len(self._missed_heights) < max(MIN_MISSED, MISSED_SHARE * self._found):
            return n_missed
        smallest = float(np.percentile(self._missed_heights, 10))
        wanted = MIN_INPUT_PX * longer / max(smallest, 1.0)
        size = int(min(self.probe_size, max(self.input_size + STRIDE, -(-wanted // STRIDE) * STRIDE)))
        log.info("detector: %d of %d people found at probes were missed at input size %d (10th percentile "
                 "%.0f px tall in the frame); now detecting at %d", len(self._missed_heights), self._found,
                 self.input_size, smallest, size)
        self.yolox.input_size = size
        self._found, self._missed_heights = 0, []
        return n_missed

