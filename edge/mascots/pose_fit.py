"""From a cluster of matches to a verified pose: homography, affine start, ECC, appearance.

    cluster of matches ─▶ RANSAC homography ─▶ guided refit (every agreeing match of the reference)
                      └─▶ affine fit (steadier on a small card's few, noisy matches)
    best plausible start ─▶ (few inliers or unconvincing) ECC alignment of the whole card
    ─▶ (appearance score, homography, corners), or None below `min_score`

`better_pose` is also how `MascotDetector.confirm` compares the poses it tries.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.mascots.matching import Matches
from edge.mascots.verify import appearance_score, plausible_quad, refine_alignment

__all__ = ["Pose", "better_pose", "column_median", "fit_pose"]

Pose = tuple[float, np.ndarray, np.ndarray]  # (appearance score, homography, corners in the frame)

_FEW_INLIERS = 20  # below this, also try an affine start and ECC alignment
# ECC starts only from a pose whose appearance score is at least this: of ~480 ECC runs on
# synthetic seeds 7/11 and the samples, the ~360 from implausible or lower-scoring starts
# (mostly background clusters) never gave a detection, and each cost ~2.5 ms of CPU. (At 0.1,
# one card of held-out seed 41 was lost.)
_ECC_MIN_START_SCORE = 0.05
# RHO (PROSAC-based) gave the same detections as RANSAC on the synthetic sets at ~10% less
# CPU per frame (fewer, cheaper iterations on the 6–30 match clusters of small cards)
_HOMOGRAPHY_METHOD = cv2.RHO


def fit_pose(matches: Matches, members: np.ndarray, ref, pyramid: list[np.ndarray],
             frame_wh: tuple[int, int], min_inliers: int, min_score: float) -> Pose | None:
    """The verified pose of reference `ref` from the cluster `members` of its `matches`, or None.

    Args:
        matches: every match of the frame to this reference (the guided refit looks at all).
        members: indices into `matches` of the cluster.
        ref: the registered reference (`wh`, `corners`, templates).
        pyramid: the frame's `frame_prep.halvings`.
        frame_wh: the frame's size, px.
        min_inliers: inliers a homography or affine fit needs to be a start at all.
        min_score: appearance score to accept.
    """
    sub = matches.subset(members)
    predicted_h = float(column_median(sub.scale)) * ref.wh[1]  # approximate for tilted views
    threshold = float(np.clip(0.02 * predicted_h, 2.5, 8.0))
    h, inliers = cv2.findHomography(sub.ref_xy, sub.frame_xy, _HOMOGRAPHY_METHOD, threshold,
                                    maxIters=200, confidence=0.995)
    n_inliers = 0 if inliers is None else int(inliers.sum())
    starts = []
    if h is not None and n_inliers >= min_inliers:
        # guided refinement: every match of this reference consistent with the fit
        projected = cv2.perspectiveTransform(matches.ref_xy.reshape(-1, 1, 2), h).reshape(-1, 2)
        close = np.linalg.norm(projected - matches.frame_xy, axis=1) < 1.5 * threshold
        if close.sum() >= max(min_inliers, n_inliers):
            # the close matches are already consistent: a least-squares refit suffices
            h2, _ = cv2.findHomography(matches.ref_xy[close], matches.frame_xy[close], 0)
            if h2 is not None:
                h, n_inliers = h2, int(close.sum())
        starts.append(h)
    # 1. candidate poses: the homography, and an affine fit of the same cluster, which is
    #    steadier when a small card gives few, noisy matches
    a, a_inl = cv2.estimateAffine2D(sub.ref_xy, sub.frame_xy, ransacReprojThreshold=2 * threshold)
    if a is not None and int(a_inl.sum()) >= min_inliers:
        starts.append(np.vstack([a, [0.0, 0.0, 1.0]]))
    if not starts:
        return None
    best = None
    for hc in starts:
        best = better_pose(best, hc, ref, pyramid, frame_wh)
    # 2. when the pose is uncertain (few matches) or not convincing, align the whole card
    #    image (ECC) from the best start, if that is plausible and already looks a little
    #    like the card: ECC is a local search and found nothing from worse starts
    if best is not None and best[0] >= _ECC_MIN_START_SCORE and (
            n_inliers < _FEW_INLIERS or best[0] < min_score):
        refined = refine_alignment(pyramid, best[1], ref.wh, ref.alignment_template,
                                   ecc_mask=ref.alignment_mask)
        if refined is not None:
            best = better_pose(best, refined, ref, pyramid, frame_wh)
    if best is None or best[0] < min_score:
        return None
    return best


def better_pose(best: Pose | None, hc: np.ndarray, ref, pyramid: list[np.ndarray],
                frame_wh: tuple[int, int]) -> Pose | None:
    """The pose of homography `hc` if its quad is plausible and it scores above `best`, else `best`."""
    corners = cv2.perspectiveTransform(ref.corners.reshape(-1, 1, 2), hc).reshape(4, 2)
    if not plausible_quad(corners, frame_wh, ref.wh):
        return best
    score = appearance_score(pyramid, hc, ref.wh, ref.template, ref.coverage).score
    if best is None or score > best[0]:
        return (score, hc, corners)
    return best


def column_median(values: np.ndarray) -> np.ndarray:
    """`np.median(values, axis=0)` of a small array, without its ~40 µs of overhead a call
    (called for every hypothesis and weak cluster: ~60 times a frame)."""
    s = np.sort(values, axis=0)
    n = len(s)
    return (s[(n - 1) // 2] + s[n // 2]) / 2
