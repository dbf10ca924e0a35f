"""Descriptor matching and Hough clustering of matches into pose hypotheses.

Steps:
1. One LSH index over the descriptors of every reference of every mascot; each frame descriptor
   gets its 3 nearest reference descriptors. Lowe's ratio test compares the best with the first
   neighbour that is *another* feature (another mascot, or >12 px away in the same reference),
   because the multi-scale reference stores the same corner several times.
2. Each surviving match predicts a similarity transform (scale from keypoint sizes, rotation
   from keypoint angles) and so where the reference centre lands in the frame. Matches vote in a
   coarse (x, y, log-scale, angle) grid, each into its 2 nearest bins per dimension, so that the
   ~10 correct matches of a 60 px card stand out among hundreds of random ones. A bin with
   enough votes becomes a `Hypothesis` for RANSAC.
"""

from __future__ import annotations

import itertools
import math
from concurrent.futures import Executor
from dataclasses import dataclass

import cv2
import numpy as np

from edge.mascots.features import Features
from edge.mascots.registry import MascotRegistry

__all__ = ["Matches", "Hypothesis", "ReferenceIndex", "centre_peak", "cluster_matches", "cluster_views"]

_RATIO = 0.82  # Lowe ratio: higher keeps more true matches of small cards, and more noise
_SAME_FEATURE_PX = 12.0  # neighbours closer than this in the same reference are one feature
_MIN_VOTES = 6  # = DetectorSettings.min_inliers: smaller clusters cannot pass anyway
_MAX_BINS_TRIED = 80  # bounds the time spent on frames full of weak clusters
_LSH_PARAMS = {"algorithm": 6, "table_number": 6, "key_size": 20, "multi_probe_level": 1}
_ANGLE_BIN_DEG = 40.0
_LOG2_SCALE_BIN = 0.6
_POSITION_BIN = 0.35  # fraction of the predicted card height
# the 2 nearest bins per dimension (x, y, log-scale, angle): 16 votes per match
_OFFSETS = np.array(list(itertools.product((0, 1), repeat=4)), np.int64)  # (16, 4)


@dataclass(frozen=True, slots=True)
class Matches:
    """Matches of frame keypoints to one reference.

    Args:
        frame_xy: (n, 2) float32 frame positions, px.
        ref_xy: (n, 2) float32 reference positions, px of the reference image.
        view_xy: (n, 2) float32 positions in the simulated view of the reference feature, px.
        view: (n,) int32 simulated view (index into `features.VIEWS`) of the reference feature.
        scale: (n,) float32 frame size / reference size of each matched pair.
        rotation_deg: (n,) float32 frame angle − reference angle.
    """

    frame_xy: np.ndarray
    ref_xy: np.ndarray
    view_xy: np.ndarray
    view: np.ndarray
    scale: np.ndarray
    rotation_deg: np.ndarray

    def __len__(self) -> int:
        return len(self.frame_xy)

    def subset(self, index: np.ndarray) -> Matches:
        return Matches(self.frame_xy[index], self.ref_xy[index], self.view_xy[index],
                       self.view[index], self.scale[index], self.rotation_deg[index])


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """A cluster of mutually consistent matches: one possible placement of one reference."""

    mascot_index: int
    reference_index: int
    votes: int
    matches: Matches


class ReferenceIndex:
    """LSH index over all reference descriptors of a registry.

    Args:
        registry: the registered mascots.
    """

    def __init__(self, registry: MascotRegistry) -> None:
        owners: list[tuple[int, int]] = []
        parts: list[Features] = []
        view_xy: list[np.ndarray] = []
        view: list[np.ndarray] = []
        for mi, mascot in enumerate(registry.mascots):
            for ri, ref in enumerate(mascot.references):
                owners.append((mi, ri))
                parts.append(ref.features.features)
                view_xy.append(ref.features.view_xy)
                view.append(ref.features.view)
        self._owner = np.concatenate(
            [np.full(len(p), k, np.int32) for k, p in enumerate(parts)]
        )
        self._owners = owners
        every = Features.concat(parts)
        self._xy, self._size, self._angle = every.xy, every.size, every.angle
        self._view_xy = np.concatenate(view_xy)
        self._view = np.concatenate(view)
        # key_size 20 / 6 tables / 1 probe: ~8 ms for 3000 queries against ~6000 descriptors,
        # against ~30 ms for brute force, while keeping most matches of small cards.
        self._index = cv2.flann_Index(
            every.descriptors,
            dict(_LSH_PARAMS),
        )

    @property
    def owners(self) -> list[tuple[int, int]]:
        """(mascot index, reference index) of each reference slot."""
        return self._owners

    def match(self, frame: Features, pool: Executor | None = None) -> dict[int, Matches]:
        """Ratio-tested matches of frame features, per reference slot.

        With a `pool`, the search runs in two halves in parallel (OpenCV releases the GIL).
        """
        if len(frame) < 2:
            return {}
        if pool is None or len(frame) < 200:
            nn, dist = self._index.knnSearch(frame.descriptors, 3, params={"checks": 32})
        else:
            half = len(frame) // 2
            parts = list(pool.map(
                lambda d: self._index.knnSearch(d, 3, params={"checks": 32}),
                (frame.descriptors[:half], frame.descriptors[half:]),
            ))
            nn = np.vstack([p[0] for p in parts])
            dist = np.vstack([p[1] for p in parts])
        best = nn[:, 0]
        found = best >= 0
        dist = dist.astype(np.float64)
        # the "second" neighbour is the first of 2..3 that is a different feature
        second = np.full(len(nn), np.inf)
        for k in (2, 1):  # assign k=2 first so that k=1 wins where both qualify
            other = nn[:, k]
            ok = found & (other >= 0)
            o = np.where(ok, other, 0)
            b = np.where(found, best, 0)
            different = (self._owner[o] != self._owner[b]) | (
                np.linalg.norm(self._xy[o] - self._xy[b], axis=1) > _SAME_FEATURE_PX
            )
            second = np.where(ok & different, dist[:, k], second)
        keep = found & (dist[:, 0] < _RATIO * second)
        q = np.flatnonzero(keep)
        t = best[keep].astype(np.int64)
        out: dict[int, Matches] = {}
        owner = self._owner[t]
        for slot in np.unique(owner):
            sel = owner == slot
            qs, ts = q[sel], t[sel]
            out[int(slot)] = Matches(
                frame.xy[qs],
                self._xy[ts],
                self._view_xy[ts],
                self._view[ts],
                (frame.size[qs] / np.maximum(self._size[ts], 1e-3)).astype(np.float32),
                ((frame.angle[qs] - self._angle[ts] + 180.0) % 360.0 - 180.0).astype(np.float32),
            )
        return out


def _predicted_centres(matches: Matches, wh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each match puts the centre of its view of the reference in the frame (similarity
    transform from the keypoints' scale and angle); `wh` is each match's view size."""
    theta = np.deg2rad(matches.rotation_deg)
    cos, sin = np.cos(theta), np.sin(theta)
    d = wh / 2.0 - matches.view_xy
    cx = matches.frame_xy[:, 0] + matches.scale * (cos * d[:, 0] - sin * d[:, 1])
    cy = matches.frame_xy[:, 1] + matches.scale * (sin * d[:, 0] + cos * d[:, 1])
    return cx, cy


def centre_peak(
    matches: Matches, view_whs: list[tuple[int, int]], frame_wh: tuple[int, int],
    heights: tuple[float, float], cell_px: int, masked: list[tuple[float, float, float, float]] = (),
) -> tuple[float, float, float, int] | None:
    """(x, y, height, votes) of the place where most matches put a card centre, or None.

    The few correct matches of a small card turned out of plane scatter over several Hough bins
    and views in scale and angle (`cluster_views` then finds no cluster), but they still agree on
    where the card's centre is. Only matches that predict a card `heights[0]`–`heights[1]` px tall
    vote, one vote each into a `cell_px` cell; the peak is the best 3×3-cell sum outside the
    `masked` (x, y, w, h) boxes; its height is the median of its votes'.
    """
    wh = np.asarray(view_whs, np.float32)[matches.view]
    cx, cy = _predicted_centres(matches, wh)
    h = matches.scale * wh[:, 1]
    fw, fh = frame_wh
    ok = (h >= heights[0]) & (h <= heights[1]) & (cx >= 0) & (cy >= 0) & (cx < fw) & (cy < fh)
    if not ok.any():
        return None
    cx, cy, h = cx[ok], cy[ok], h[ok]
    gw, gh = fw // cell_px + 1, fh // cell_px + 1
    kx, ky = (cx // cell_px).astype(np.int64), (cy // cell_px).astype(np.int64)
    grid = np.bincount(ky * gw + kx, minlength=gw * gh).reshape(gh, gw).astype(np.float32)
    grid = cv2.boxFilter(grid, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    for x, y, w, bh in masked:
        grid[max(0, int(y // cell_px)):max(0, int((y + bh) // cell_px) + 1),
             max(0, int(x // cell_px)):max(0, int((x + w) // cell_px) + 1)] = 0
    k = int(np.argmax(grid))
    if grid.flat[k] <= 0:
        return None
    py, px = divmod(k, gw)
    near = (np.abs(kx - px) <= 1) & (np.abs(ky - py) <= 1)
    return float(cx[near].mean()), float(cy[near].mean()), float(np.median(h[near])), int(grid.flat[k])


def cluster_matches(
    matches: Matches, ref_wh: tuple[int, int], max_hypotheses: int = 4,
    min_votes: int = _MIN_VOTES,
) -> list[np.ndarray]:
    """Indices of the matches in each of the strongest Hough bins, best first.

    Args:
        matches: matches to one simulated view of one reference.
        ref_wh: size of that view, px.
        max_hypotheses: at most this many bins (at distinct places) are returned.
        min_votes: matches a bin needs; lower values find weak candidate regions.
    """
    single = Matches(matches.frame_xy, matches.ref_xy, matches.view_xy,
                     np.zeros(len(matches), np.int32), matches.scale, matches.rotation_deg)
    return [m for _, m in cluster_views(single, [ref_wh], max_hypotheses, min_votes)]


def cluster_views(
    matches: Matches, view_whs: list[tuple[int, int]], max_hypotheses: int = 4,
    min_votes: int = _MIN_VOTES,
) -> list[tuple[int, np.ndarray]]:
    """(view, indices of the matches) of the strongest Hough bins of every simulated view.

    The views of one reference are clustered in one pass (the view is the fifth bin
    coordinate, so a bin never mixes views): one sort instead of one per view. Per view, the
    result is that of `cluster_matches` on that view's matches alone; views come in index order,
    bins strongest first within each.

    Args:
        matches: matches to one reference (all its views).
        view_whs: size of each simulated view, px, indexed by `matches.view`.
        max_hypotheses: at most this many bins (at distinct places) per view.
        min_votes: matches a bin needs; lower values find weak candidate regions.
    """
    n = len(matches)
    if n < min_votes:
        return []
    wh = np.asarray(view_whs, np.float32)[matches.view]  # (n, 2) size of each match's view
    cx, cy = _predicted_centres(matches, wh)
    log_s = np.log2(np.maximum(matches.scale, 1e-4))
    # continuous bin coordinates of scale and angle; each match votes in its 2 nearest bins
    fs = log_s / _LOG2_SCALE_BIN
    fa = matches.rotation_deg / _ANGLE_BIN_DEG
    base_s = np.floor(fs - 0.5).astype(np.int64)
    base_a = np.floor(fa - 0.5).astype(np.int64)
    n_angle = int(round(360.0 / _ANGLE_BIN_DEG))
    # Position bins are a fixed fraction of the card height *of the scale bin*, not of each
    # match's own scale: dividing a position by a per-match size would put matches of one card
    # far from the image origin (x ≈ 1100 px) into bins several apart for a 15% scale spread.
    offsets = _OFFSETS
    scale_bin = base_s[:, None] + offsets[None, :, 2]  # (n, 16)
    view_h = wh[:, 1:2].astype(np.float64)
    bin_px = _POSITION_BIN * view_h * np.exp2((scale_bin + 0.5) * _LOG2_SCALE_BIN)
    kx = np.floor(cx[:, None] / bin_px - 0.5).astype(np.int64) + offsets[None, :, 0]
    ky = np.floor(cy[:, None] / bin_px - 0.5).astype(np.int64) + offsets[None, :, 1]
    ka = (base_a[:, None] + offsets[None, :, 3]) % n_angle
    # encode each 5-d bin (view, x, y, scale, angle) as one int64; bins are small signed
    # numbers, views < 8, so the view leads and the sort groups the bins view by view
    view = matches.view.astype(np.int64)[:, None]
    code = ((view << 60) | ((kx + (1 << 14)) << 45) | ((ky + (1 << 14)) << 30)
            | ((scale_bin + (1 << 14)) << 15) | ka).ravel()
    # one sort groups the votes by bin (np.unique + argsort of its inverse would sort twice)
    order = np.argsort(code, kind="stable")
    sorted_code = code[order]
    starts = np.r_[0, np.flatnonzero(sorted_code[1:] != sorted_code[:-1]) + 1, len(code)]
    counts = np.diff(starts)
    strong = np.flatnonzero(counts >= min_votes)
    if not len(strong):
        return []
    # strongest first; ties keep the code order (as the per-view version did)
    strong = strong[np.argsort(-counts[strong], kind="stable")]
    first = order[starts[strong]]  # one (match, offset) entry of each bin
    # the centre of each strong bin (position and height), read from its key: cheap to test
    bin_view = (sorted_code[starts[strong]] >> 60).tolist()
    bin_height = view_h.ravel()[first // len(offsets)] * np.exp2(
        (scale_bin.ravel()[first] + 0.5) * _LOG2_SCALE_BIN)
    bin_x = ((kx.ravel()[first] + 0.5) * _POSITION_BIN * bin_height).tolist()
    bin_y = ((ky.ravel()[first] + 0.5) * _POSITION_BIN * bin_height).tolist()
    bin_height = bin_height.tolist()
    member = np.repeat(np.arange(n), len(offsets))
    chosen: dict[int, list[np.ndarray]] = {}
    placed: dict[int, list[tuple[float, float, float]]] = {}  # per view: (x, y, height)
    tried: dict[int, int] = {}
    # A card's matches fill many neighbouring bins. A bin is skipped when its predicted card
    # centre falls on a card already chosen, so the hypotheses go to distinct places: a second
    # copy of the card, or a small card beside a large one, still gets its turn.
    for j, b in enumerate(strong.tolist()):
        v = bin_view[j]
        k = tried.get(v, 0)
        if k >= _MAX_BINS_TRIED or len(chosen.get(v, ())) >= max_hypotheses:
            continue
        tried[v] = k + 1
        x, y, h = bin_x[j], bin_y[j], bin_height[j]
        if any(math.hypot(x - px, y - py) < 0.5 * max(h, ph) for px, py, ph in placed.get(v, ())):
            continue
        placed.setdefault(v, []).append((x, y, h))
        chosen.setdefault(v, []).append(np.unique(member[order[starts[b]:starts[b + 1]]]))
    return [(v, m) for v in sorted(chosen) for m in chosen[v]]
