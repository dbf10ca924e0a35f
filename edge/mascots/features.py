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
    "LEVELS",
    "REFERENCE_SCALES",
    "REFERENCE_SIDE_PX",
    "TEMPLATE_BLUR",
    "TEMPLATE_WH",
    "Features",
    "ReferenceFeatures",
    "VIEWS",
    "view_wh",
    "extract_features",
    "extract_features_parallel",
    "reference_features",
    "reference_template",
    "template_coverage",
]

# 5: keypoints of a cut-out reference only inside its opaque part; 6: references of any size
# described at the canonical size; 7: soft copies of the small scales
FEATURES_VERSION = 7
# A reference is described with its longer side this long (the registry scales it), and at these
# scales of that: a 600×800 card at 400, 200 and 100 px tall, so that its features meet a frame's
# ORB pyramid for targets from ~60 px (frame level 0 vs the 100 px copy) to 500 px.
REFERENCE_SIDE_PX = 800
REFERENCE_SCALES = (0.5, 0.25, 0.125)
_REFERENCE_FEATURES_PER_SCALE = (700, 600, 300)
TEMPLATE_WH = (96, 128)  # canonical size of the verification template, px (w, h)
_SCALE_FACTOR = 1.2  # between ORB pyramid levels
LEVELS = 8  # ORB pyramid levels at and below full resolution (references; frames choose their own)
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
    def concat(parts: list[Features]) -> Features:
        """The features of several images (or pyramid levels) as one set, in order."""
        return Features(
            np.concatenate([p.xy for p in parts]),
            np.concatenate([p.size for p in parts]),
            np.concatenate([p.angle for p in parts]),
            np.concatenate([p.descriptors for p in parts]),
        )

    @staticmethod
    def empty() -> Features:
        return Features(
            np.zeros((0, 2), np.float32),
            np.zeros((0,), np.float32),
            np.zeros((0,), np.float32),
            np.zeros((0, 32), np.uint8),
        )


def _orb(n_features: int, fast_threshold: int, first_level: int, nlevels: int,
         scale_factor: float = _SCALE_FACTOR) -> cv2.ORB:
    # patchSize 31 is ORB's trained pattern; a small edge threshold keeps keypoints near the
    # border of the card, which matters for small targets. `first_level` > 0 puts the image at
    # that pyramid level and fills the levels before it with upscaled copies (×`scale_factor`
    # each); `nlevels` counts all levels.
    return cv2.ORB_create(
        nfeatures=n_features,
        scaleFactor=scale_factor,
        nlevels=nlevels,
        firstLevel=first_level,
        edgeThreshold=15,
        patchSize=31,
        fastThreshold=fast_threshold,
    )


def extract_features(
    gray: np.ndarray, n_features: int, fast_threshold: int = 12, first_level: int = 0,
    levels: int = LEVELS, mask: np.ndarray | None = None, scale_factor: float = _SCALE_FACTOR,
) -> Features:
    """ORB keypoints and their descriptors of a grey uint8 image.

    `first_level` adds that many upscaled pyramid levels (×`scale_factor` each) below the
    image: a 60–100 px card then gets its keypoints at 1.2–1.44× its size, where ORB's 31 px
    patches no longer cover a third of it; the budget is shared with them. `levels` counts the
    levels at and below full resolution (×1/`scale_factor` each). `mask` (uint8, the image's
    size): keypoints only where it is non-zero.
    """
    orb = _orb(n_features, fast_threshold, first_level, levels + first_level, scale_factor)
    keypoints, descriptors = orb.detectAndCompute(gray, mask)
    return _features(keypoints, descriptors)


def extract_features_parallel(
    gray: np.ndarray, n_features: int, fast_threshold: int, pool: Executor, first_level: int = 0,
    levels: int = LEVELS, scale_factor: float = _SCALE_FACTOR,
) -> Features:
    """`extract_features(gray, n_features, fast_threshold, first_level=first_level, levels=levels,
    scale_factor=scale_factor)` with its pyramid levels shared between two threads.

    ORB runs on one core. Here one thread takes the finest levels and the other the rest, split
    where their pixel counts balance (with 2 upscaled levels: the two upscaled ones against the
    image's own; with one ×1.44 level, that one against the image's own). Each level keeps the
    budget ORB would give it and is resized the way ORB resizes it (upscaled levels from the
    image, the others each from the one above), so the features are the single-threaded call's,
    for about half its wall time. (Two overlapping
    bands of the image instead cost ~30% more CPU for the overlap and kept a third fewer.)
    """
    nlevels = levels + first_level
    budgets = _level_budgets(n_features, nlevels, scale_factor)
    areas = np.array([scale_factor ** (2 * (first_level - level)) for level in range(nlevels)])
    split = int(np.argmin([max(areas[:k].sum(), areas[k:].sum()) for k in range(1, nlevels)])) + 1

    def levels(first: int, last: int) -> Features:
        image, scale = gray, 1.0
        for level in range(first_level + 1, first + 1):  # ORB's own chain of downscaled levels
            scale = scale_factor ** (level - first_level)
            size = (round(gray.shape[1] / scale), round(gray.shape[0] / scale))
            image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR_EXACT)
        orb = _orb(sum(budgets[first:last]), fast_threshold, max(0, first_level - first), last - first,
                   scale_factor)
        f = _features(*orb.detectAndCompute(image, None))
        return f if scale == 1.0 else Features(f.xy * scale, f.size * scale, f.angle, f.descriptors)

    return Features.concat(list(pool.map(lambda span: levels(*span), ((0, split), (split, nlevels)))))


def _level_budgets(n_features: int, nlevels: int, scale_factor: float = _SCALE_FACTOR) -> list[int]:
    """Features ORB keeps per pyramid level: a geometric share (1/`scale_factor` per level), as
    in OpenCV."""
    factor = 1.0 / scale_factor
    first = n_features * (1 - factor) / (1 - factor ** nlevels)
    budgets = [round(first * factor ** level) for level in range(nlevels - 1)]
    return budgets + [max(0, n_features - sum(budgets))]


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


# A cut-out reference's keypoints stay this far inside its opaque part (px at each described
# scale): ORB's 31 px patch of a keypoint on the outline is half background, which in a store is
# anything but the reference's fill, so such descriptors match nothing there.
_OUTLINE_MARGIN_PX = 8
# A small card seen by an out-of-focus camera has lost the fine corners of the sharp reference;
# the frontal view's 200 and 100 px copies are also described blurred (σ in their own px), whose
# corners are the blobs and strokes that remain.
_SOFT_SIGMA = 2.0
_SOFT_SCALES = (0.25, 0.125)


def reference_features(gray: np.ndarray, opaque: np.ndarray | None = None) -> ReferenceFeatures:
    """Features of a reference at `REFERENCE_SCALES` × `VIEWS`; of a cut-out (`opaque`: bool, the
    image's size, False where it is transparent), only inside its opaque part."""
    feats: list[Features] = []
    views_xy: list[np.ndarray] = []
    view_ids: list[np.ndarray] = []
    for v, ((sx, sy), share) in enumerate(zip(VIEWS, _VIEW_FEATURE_SHARE, strict=True)):
        for scale, n in zip(REFERENCE_SCALES, _REFERENCE_FEATURES_PER_SCALE, strict=True):
            small = cv2.resize(gray, None, fx=scale * sx, fy=scale * sy,
                               interpolation=cv2.INTER_LINEAR)
            mask = None if opaque is None else _inside_outline(opaque, small.shape)
            copies = [small]
            if v == 0 and scale in _SOFT_SCALES:
                copies.append(cv2.GaussianBlur(small, (0, 0), _SOFT_SIGMA))
            for image in copies:
                f = extract_features(image, int(n * share), fast_threshold=10, mask=mask)
                xy = f.xy / np.array([scale * sx, scale * sy], np.float32)
                feats.append(Features(xy, f.size / scale, f.angle, f.descriptors))
                views_xy.append(xy * np.array([sx, sy], np.float32))
                view_ids.append(np.full(len(f), v, np.int32))
    return ReferenceFeatures(
        Features.concat(feats),
        np.concatenate(views_xy).astype(np.float32),
        np.concatenate(view_ids),
    )


def _inside_outline(opaque: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """uint8 keypoint mask of size `shape`: the opaque part, `_OUTLINE_MARGIN_PX` inside its outline."""
    small = cv2.resize(opaque.astype(np.uint8) * 255, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    k = 2 * _OUTLINE_MARGIN_PX + 1
    return cv2.erode(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)), borderValue=255)


def template_coverage(opaque: np.ndarray, wh: tuple[int, int] = TEMPLATE_WH) -> np.ndarray:
    """float32 fraction of each pixel of a template of `wh` that the reference's opaque part covers."""
    return cv2.resize(opaque.astype(np.float32), wh, interpolation=cv2.INTER_AREA)


def reference_template(gray: np.ndarray) -> np.ndarray:
    """The reference at `TEMPLATE_WH`, float32, blurred like the warped patches it is compared to."""
    small = cv2.resize(gray, TEMPLATE_WH, interpolation=cv2.INTER_AREA).astype(np.float32)
    return cv2.GaussianBlur(small, (0, 0), TEMPLATE_BLUR)
