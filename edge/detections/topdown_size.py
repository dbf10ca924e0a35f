"""How large the people walking through a top-down view are, measured from the people themselves.

`person_size` sets every size in the top-down detector, and a setting twice the people's size
(a high ceiling, a wide lens) misses most of them: they show a quarter of the expected area and
score too low to start a track. With `person_size: auto` the detector measures the people who
walk through and, when they are clearly smaller than it assumes, takes their size.

Per frame, on the detector's evidence (changed and not shadow, at its working size):

    evidence ─▶ closed (kernel 0.04 of the shorter side) ─▶ blobs not touching the view's edge
             ─▶ linked frame to frame (nearest centre within √area, gap < 0.35 s) ─▶ chains
    a chain that lasted ≥ 0.6 s and went ≥ 1.5 √area, mostly straight (net ≥ 0.6 of its path),
    is a walker; its size: the median over its frames of √(w·l), w and l four standard
    deviations of its pixels across and along its way (an ellipse's full axes)
    measured size = median of the walkers' sizes / the shorter side (from 6 walkers on, up to 30:
    then it is settled and the detector stops measuring, until the camera moves)

Leaf shadows, flicker and exposure steps do not travel; fragments and pairs are outvoted by the
median. The measure does not depend on `person_size` (the evidence does not), so a smaller
setting cannot make people measure smaller. Chains live in memory only, for the seconds someone
is in view, and never leave the detector.

The measure reads real people smaller than drawn ones (the labelled clip's people, counted
exactly at 0.2–0.3, measure 0.12–0.20 on its degraded copies; synthetic people of 0.1 measure
0.095–0.107), so the detector only acts on a large gap: BENCHMARKS.md, "person_size: auto".
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

__all__ = ["WalkerSizes"]

_KERNEL = 0.04  # closing kernel, fraction of the shorter side
_MIN_AREA = 0.002  # smallest blob followed, fraction of the view's area
_GAP_S = 0.35  # a chain not seen for longer has ended
_MIN_S = 0.6  # a walker is followed at least this long …
_MIN_TRAVEL = 1.5  # … goes at least this many √area …
_STRAIGHT = 0.6  # … and its net way is at least this share of its path
_KEEP = 30  # walkers the median is taken over


@dataclass(slots=True)
class _Chain:
    """One blob followed from frame to frame: time, centre, pixel covariance and area per frame."""

    ts: list[float] = field(default_factory=list)
    centres: list[tuple[float, float]] = field(default_factory=list)
    covs: list[np.ndarray] = field(default_factory=list)
    areas: list[int] = field(default_factory=list)

    def add(self, ts: float, centre: tuple[float, float], cov: np.ndarray, area: int) -> None:
        self.ts.append(ts)
        self.centres.append(centre)
        self.covs.append(cov)
        self.areas.append(area)


class WalkerSizes:
    """The size of the people walking through, from blobs of evidence that travel.

    Args:
        min_walkers: walkers needed before `measured` says anything.
        keep: the median is over this many latest walkers.

    Example:
        >>> w = WalkerSizes(); w.update(np.zeros((240, 320), bool), 0.0)
        False
        >>> w.measured is None
        True
    """

    def __init__(self, min_walkers: int = 6, keep: int = _KEEP) -> None:
        self.min_walkers = min_walkers
        self.sizes: deque[float] = deque(maxlen=keep)  # walkers' sizes, fraction of the shorter side
        self._chains: list[_Chain] = []

    def clear(self) -> None:
        self.sizes.clear()
        self._chains = []

    @property
    def full(self) -> bool:
        """`keep` walkers measured: the measure is settled (the detector stops measuring)."""
        return len(self.sizes) == self.sizes.maxlen

    @property
    def measured(self) -> float | None:
        """The median walker's size as a fraction of the view's shorter side; None until enough."""
        if len(self.sizes) < self.min_walkers:
            return None
        return float(np.median(self.sizes))

    def update(self, evidence: np.ndarray, ts: float) -> bool:
        """Take one frame's evidence mask (bool, working size) at time `ts` (seconds); True when a
        walker was measured."""
        h, w = evidence.shape
        short = min(h, w)
        blobs = self._blobs(evidence, short)
        before = len(self.sizes)
        self._link(blobs, ts, short)
        return len(self.sizes) > before

    def _blobs(self, evidence: np.ndarray, short: int) -> list[tuple[tuple[float, float], np.ndarray, int]]:
        """(centre, pixel covariance, area) of each blob large enough and not cut by the edge."""
        h, w = evidence.shape
        k = max(3, int(round(_KERNEL * short)) | 1)
        mask = cv2.morphologyEx(evidence.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        n, labels, stats, centres = cv2.connectedComponentsWithStats(mask, connectivity=8)
        blobs = []
        for i in range(1, n):
            x, y, bw, bh, area = (int(v) for v in stats[i])
            if area < _MIN_AREA * h * w or x <= 0 or y <= 0 or x + bw >= w or y + bh >= h:
                continue
            m = cv2.moments((labels[y:y + bh, x:x + bw] == i).view(np.uint8), binaryImage=True)
            cov = np.array([[m["mu20"], m["mu11"]], [m["mu11"], m["mu02"]]]) / m["m00"]
            blobs.append(((float(centres[i][0]), float(centres[i][1])), cov, area))
        return blobs

    def _link(self, blobs: list, ts: float, short: int) -> None:
        """Extend each chain with its nearest blob (one each), end chains not seen for _GAP_S,
        start a chain at every blob left over."""
        pairs = []
        for b, (centre, _, _) in enumerate(blobs):
            for c, chain in enumerate(self._chains):
                (cx, cy), area = chain.centres[-1], chain.areas[-1]
                d = math.hypot(centre[0] - cx, centre[1] - cy)
                if d <= max(4.0, math.sqrt(area)) and ts - chain.ts[-1] < _GAP_S:
                    pairs.append((d, b, c))
        used_b: set[int] = set()
        used_c: set[int] = set()
        for _, b, c in sorted(pairs):
            if b not in used_b and c not in used_c:
                used_b.add(b)
                used_c.add(c)
                self._chains[c].add(ts, *blobs[b])
        alive = []
        for chain in self._chains:
            if ts - chain.ts[-1] < _GAP_S:
                alive.append(chain)
            else:
                self._measure(chain, short)
        for b, blob in enumerate(blobs):
            if b not in used_b:
                chain = _Chain()
                chain.add(ts, *blob)
                alive.append(chain)
        self._chains = alive

    def _measure(self, chain: _Chain, short: int) -> None:
        """Add an ended chain's size if it was a walker."""
        if len(chain.ts) < 5 or chain.ts[-1] - chain.ts[0] < _MIN_S:
            return
        p = np.asarray(chain.centres)
        way = p[-1] - p[0]
        net = float(np.hypot(*way))
        path = float(np.sum(np.hypot(*np.diff(p, axis=0).T)))
        if net < _MIN_TRAVEL * float(np.median(np.sqrt(chain.areas))) or net < _STRAIGHT * path:
            return
        along = way / net
        across = np.array([-along[1], along[0]])
        sizes = []
        for cov in chain.covs:
            width = 4.0 * math.sqrt(max(float(across @ cov @ across), 0.0))
            length = 4.0 * math.sqrt(max(float(along @ cov @ along), 0.0))
            sizes.append(math.sqrt(width * length))
        self.sizes.append(float(np.median(sizes)) / short)
