"""Local features for mascot matching: ORB keypoints + ORB binary descriptors.

Why ORB: on this project's 2-core CPU, SIFT takes ~230 ms on a 1280×720 frame while ORB with
3000 features takes ~15 ms; ORB is rotation invariant and, with a multi-scale reference, scale
invariant over the 60–500 px range. Its weaker distinctiveness is compensated downstream by
clustering, RANSAC and the appearance check in `verify.py`.

`FEATURES_VERSION` is part of the on-disk cache key: bump it whenever anything here changes what
is computed for a reference.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "FEATURES_VERSION",
    "REFERENCE_SCALES",
    "TEMPLATE_BLUR",
    "TEMPLATE_WH",
    "Features",
    "ReferenceFeatures",
    "VIEWS",
    "view_wh",
    "extract_features",
    "extract_features_banded",
    "reference_features",
    "reference_template",
]

FEATURES_VERSION = 4
# Reference scales: a 600×800 card is described at 400, 200 and 100 px tall so that its features
# meet a frame's ORB pyramid for targets from ~60 px (frame level 0 vs the 100 px copy) to 500 px.
REFERENCE_SCALES = (0.5, 0.25, 0.125)
_REFERENCE_FEATURES_PER_SCALE = (700, 600, 300)
TEMPLATE_WH = (96, 128)  # canonical size of the verification template, px (w, h)
TEMPLATE_BLUR = 1.5  # Gaussian sigma applied to template and warped patch alike, template px


@dataclass(frozen=True, slots=True)
class Features:
    """Keypoints and descriptors of one image.

    Args:
        xy: (n, 2) float32 keypoint positions, px of the image they describe.
        size: (n,) float32 keypoint diameters, px.
        angle: (n,) float32 keypoint orientations, degrees.
        descriptors: (n, 32) uint8 ORB descriptors.
    """

    xy: np.ndarray
    size: np.ndarray
    angle: np.ndarray
    descriptors: np.ndarray

    def __len__(self) -> int:
        return len(self.xy)

    @staticmethod
    def empty() -> Features:
        return Features(
            np.zeros((0, 2), np.float32),
            np.zeros((0,), np.float32),
            np.zeros((0,), np.float32),
            np.zeros((0, 32), np.uint8),
        )


def _orb(n_features: int, fast_threshold: int = 12, first_level: int = 0) -> cv2.ORB:
    # patchSize 31 is ORB's trained pattern; a small edge threshold keeps keypoints near the
    # border of the card, which matters for small targets. `first_level` > 0 puts the image at
    # that pyramid level and fills the levels before it with upscaled copies (×1.2 each).
    return cv2.ORB_create(
        nfeatures=n_features,
        scaleFactor=1.2,
        nlevels=8 + first_level,
        firstLevel=first_level,
        edgeThreshold=15,
        patchSize=31,
        fastThreshold=fast_threshold,
    )


def extract_features(
    gray: np.ndarray, n_features: int, fast_threshold: int = 12, cell_px: int = 0,
    first_level: int = 0,
) -> Features:
    """ORB keypoints spread over the image, and their descriptors, of a grey uint8 image.

    ORB alone keeps the strongest corners frame-wide, so a textured background can take the whole
    budget and leave a small or blurred card with no keypoint at all. Here ~3× the budget is
    detected, then kept round-robin over cells (`cell_px` wide at each pyramid level): first the
    best keypoint of every cell, then the second best, ... until `n_features` are kept. Only the
    kept keypoints get descriptors, so the cost is close to plain ORB's.

    `first_level` adds that many upscaled pyramid levels (×1.2, ×1.44) below the image: a
    60–100 px card then gets its keypoints at 1.2–1.44× its size, where ORB's 31 px patches
    no longer cover a third of it. Costs ~+60% (2 levels) and the budget is shared with them.
    """
    if cell_px <= 0:
        orb = _orb(n_features, fast_threshold, first_level)
        keypoints, descriptors = orb.detectAndCompute(gray, None)
        return _features(keypoints, descriptors)
    orb = _orb(3 * n_features, fast_threshold)
    keypoints = orb.detect(gray, None)
    if not keypoints:
        return Features.empty()
    if len(keypoints) > n_features:
        keypoints = _spread(keypoints, n_features, cell_px)
    keypoints, descriptors = orb.compute(gray, keypoints)
    return _features(keypoints, descriptors)


_BAND_OVERLAP_PX = 112  # > ORB's reach at its coarsest level (patch + edge ≈ 30 px × 1.2^7 / 2)


def extract_features_banded(
    gray: np.ndarray, n_features: int, fast_threshold: int, pool: Executor, first_level: int = 0
) -> Features:
    """`extract_features` on the top and bottom halves of the image in parallel.

    ORB runs on one core; on a 2-core machine two overlapping bands halve the wall time. Each band
    keeps the keypoints of its own half, so the overlap adds no duplicates.
    """
    h = gray.shape[0]
    mid = h // 2
    bands = ((0, min(h, mid + _BAND_OVERLAP_PX)), (max(0, mid - _BAND_OVERLAP_PX), h))
    parts = list(pool.map(
        lambda band: extract_features(gray[band[0]:band[1]], n_features // 2, fast_threshold,
                                      first_level=first_level),
        bands,
    ))
    out: list[Features] = []
    for (y0, _), part, keep_top in zip(bands, parts, (True, False), strict=True):
        y = part.xy[:, 1] + y0
        sel = y < mid if keep_top else y >= mid
        xy = part.xy[sel].copy()
        xy[:, 1] += y0
        out.append(Features(xy, part.size[sel], part.angle[sel], part.descriptors[sel]))
    return Features(
        np.concatenate([p.xy for p in out]),
        np.concatenate([p.size for p in out]),
        np.concatenate([p.angle for p in out]),
        np.concatenate([p.descriptors for p in out]),
    )


def _features(keypoints, descriptors) -> Features:
    if descriptors is None or not keypoints:
        return Features.empty()
    # cv2.KeyPoint_convert reads the positions in C++; a list comprehension per attribute
    # costs ~1 µs a keypoint (3 of them took ~2.6 ms of a 3000-keypoint frame, now ~0.7)
    return Features(
        cv2.KeyPoint_convert(keypoints).astype(np.float32).reshape(-1, 2),
        np.array([k.size for k in keypoints], np.float32),
        np.array([k.angle for k in keypoints], np.float32),
        descriptors,
    )


def _spread(keypoints: tuple, n: int, cell_px: int) -> list:
    data = np.array([(k.pt[0], k.pt[1], k.octave, k.response) for k in keypoints], np.float64)
    cell = cell_px * 1.2 ** data[:, 2]
    key = np.stack([data[:, 2], data[:, 0] // cell, data[:, 1] // cell], axis=1).astype(np.int64)
    code = (key[:, 0] << 40) | (key[:, 1] << 20) | key[:, 2]
    # rank of each keypoint within its cell by response (0 = best)
    order = np.lexsort((-data[:, 3], code))
    sorted_code = code[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_code)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order)) - run_start
    keep = np.lexsort((-data[:, 3], rank))[:n]
    return [keypoints[i] for i in keep]


@dataclass(frozen=True, slots=True)
class ReferenceFeatures:
    """Features of one reference seen from several simulated viewpoints.

    Args:
        features: all features, positions (`features.xy`) in px of the reference image.
        view_xy: (n, 2) float32 positions in the simulated view they were detected in, px.
        view: (n,) int32 index into `VIEWS` of each feature.
    """

    features: Features
    view_xy: np.ndarray
    view: np.ndarray


# Simulated viewpoints (ASIFT-style): horizontal and vertical foreshortening by 0.55 ≈ a card
# turned ~57° out of plane, where ORB descriptors of the frontal view no longer match.
VIEWS = ((1.0, 1.0), (0.55, 1.0), (1.0, 0.55))
_VIEW_FEATURE_SHARE = (1.0, 0.6, 0.6)


def view_wh(ref_wh: tuple[int, int], view: int) -> tuple[int, int]:
    sx, sy = VIEWS[view]
    return (max(1, round(ref_wh[0] * sx)), max(1, round(ref_wh[1] * sy)))


def reference_features(gray: np.ndarray) -> ReferenceFeatures:
    """Features of a reference at `REFERENCE_SCALES` × `VIEWS`."""
    feats: list[Features] = []
    views_xy: list[np.ndarray] = []
    view_ids: list[np.ndarray] = []
    for v, ((sx, sy), share) in enumerate(zip(VIEWS, _VIEW_FEATURE_SHARE, strict=True)):
        for scale, n in zip(REFERENCE_SCALES, _REFERENCE_FEATURES_PER_SCALE, strict=True):
            small = cv2.resize(gray, None, fx=scale * sx, fy=scale * sy,
                               interpolation=cv2.INTER_AREA)
            f = extract_features(small, int(n * share), fast_threshold=10)
            xy = f.xy / np.array([scale * sx, scale * sy], np.float32)
            feats.append(Features(xy, f.size / scale, f.angle, f.descriptors))
            views_xy.append(xy * np.array([sx, sy], np.float32))
            view_ids.append(np.full(len(f), v, np.int32))
    return ReferenceFeatures(
        Features(
            np.concatenate([p.xy for p in feats]).astype(np.float32),
            np.concatenate([p.size for p in feats]).astype(np.float32),
            np.concatenate([p.angle for p in feats]).astype(np.float32),
            np.concatenate([p.descriptors for p in feats]),
        ),
        np.concatenate(views_xy).astype(np.float32),
        np.concatenate(view_ids),
    )


def reference_template(gray: np.ndarray) -> np.ndarray:
    """The reference at `TEMPLATE_WH`, float32, blurred like the warped patches it is compared to."""
    small = cv2.resize(gray, TEMPLATE_WH, interpolation=cv2.INTER_AREA).astype(np.float32)
    return cv2.GaussianBlur(small, (0, 0), TEMPLATE_BLUR)
