"""ORB features of a frame: two threads give the keypoints of one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.mascots.features import extract_features, extract_features_parallel

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "mascot_samples" / "000.jpg"


@pytest.fixture(scope="module")
def gray() -> np.ndarray:
    image = cv2.imread(str(SAMPLE), cv2.IMREAD_GRAYSCALE)
    assert image is not None, f"missing test image {SAMPLE}"
    return image


@pytest.mark.parametrize(("upscaled_levels", "levels", "step"),
                         [(0, 8, 1.2), (1, 8, 1.2), (2, 8, 1.2), (2, 6, 1.2), (1, 4, 1.44)])
def test_parallel_levels_give_the_single_threaded_keypoints(gray: np.ndarray, upscaled_levels: int,
                                                            levels: int, step: float):
    one = extract_features(gray, 3000, 12, first_level=upscaled_levels, levels=levels, scale_factor=step)
    with ThreadPoolExecutor(2) as pool:
        two = extract_features_parallel(gray, 3000, 12, pool, upscaled_levels, levels, step)
    assert len(np.unique(np.round(two.size, 2))) == upscaled_levels + levels
    # the same budget per pyramid level (a level is known by its keypoint size)...
    levels_one = np.unique(np.round(one.size, 2), return_counts=True)
    levels_two = np.unique(np.round(two.size, 2), return_counts=True)
    np.testing.assert_allclose(levels_two[0], levels_one[0], rtol=1e-3)
    np.testing.assert_allclose(levels_two[1], levels_one[1], rtol=0.03, atol=3)
    # ...and the same keypoints, descriptors included. With 2 upscaled levels (the default), or
    # one ×1.44 (the faster detector), the split falls between the upscaled levels and the
    # image's own, which each thread builds as ORB does: identical. Otherwise the second thread
    # starts from a downscaled level, whose coarser levels ORB sizes by rounding from it: a px
    # off here and there, other weak corners.
    dist = np.linalg.norm(two.xy[:, None, :] - one.xy[None, :, :], axis=2)
    nearest = dist.argmin(axis=1)
    same = ((dist.min(axis=1) < 0.01) & (np.abs(one.size[nearest] - two.size) < 0.01)
            & (one.descriptors[nearest] == two.descriptors).all(axis=1))
    assert same.mean() > (0.97 if (upscaled_levels, step) in ((2, 1.2), (1, 1.44)) else 0.6)
    # positions and sizes are in px of the image, whatever level or thread found them
    h, w = gray.shape
    assert (two.xy >= 0).all() and (two.xy[:, 0] < w).all() and (two.xy[:, 1] < h).all()
    assert two.size.min() == pytest.approx(31 / step ** upscaled_levels, rel=0.01)
    assert two.descriptors.shape == (len(two), 32) and two.descriptors.dtype == np.uint8
