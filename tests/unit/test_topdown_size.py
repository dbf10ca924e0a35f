"""`person_size: auto`: the people walking through a top-down view measured, and the detector
following them when they are much smaller than it assumes (edge/detections/topdown_size.py)."""

import numpy as np
import pytest

from edge.detections.topdown import TopDownDetector
from edge.detections.topdown_size import WalkerSizes

W, H = 320, 240


def disc(cx: float, cy: float, diameter: float, shape=(H, W)) -> np.ndarray:
    y, x = np.mgrid[0:shape[0], 0:shape[1]]
    return (x - cx) ** 2 + (y - cy) ** 2 <= (diameter / 2) ** 2


def walk(sizes: WalkerSizes, diameter: float, t0: float, y: float = H / 2, step: float = 4.0,
         fps: float = 15.0) -> float:
    """One person (a disc of evidence) walking left to right across the view; returns the time after."""
    t = t0
    for x in np.arange(-diameter, W + diameter, step):
        sizes.update(disc(x, y, diameter), t)
        t += 1 / fps
    for _ in range(10):  # an empty view after them: their chain ends
        sizes.update(np.zeros((H, W), bool), t)
        t += 1 / fps
    return t


@pytest.mark.parametrize("diameter", [24, 48, 72])  # 0.1, 0.2, 0.3 of the shorter side
def test_walkers_measure_their_size(diameter):
    sizes = WalkerSizes()
    t = 0.0
    for k in range(5):
        t = walk(sizes, diameter, t, y=60 + 25 * k)
        assert sizes.measured is None  # not before 6 walkers
    walk(sizes, diameter, t)
    assert len(sizes.sizes) == 6
    assert sizes.measured == pytest.approx(diameter / H, rel=0.08)


def test_what_does_not_travel_is_not_a_walker():
    """Leaf shadows and flicker: blobs that stay put, come and go, or jitter in place."""
    sizes = WalkerSizes(min_walkers=1)
    rng = np.random.default_rng(3)
    t = 0.0
    for i in range(600):
        mask = np.zeros((H, W), bool)
        for cx, cy in ((80, 80), (200, 150), (250, 60)):
            if rng.random() < 0.8:
                mask |= disc(cx + rng.normal(0, 4), cy + rng.normal(0, 4), 30)
        if i % 40 < 20:  # a lamp's pool of light that pulses
            mask |= disc(150, 200, 40)
        sizes.update(mask, t)
        t += 1 / 15
    assert sizes.measured is None and len(sizes.sizes) == 0


def test_blobs_cut_by_the_edge_are_not_measured():
    sizes = WalkerSizes(min_walkers=1)
    walk(sizes, 60, 0.0, y=10)  # the disc reaches over the top edge all the way
    assert len(sizes.sizes) == 0


def floor() -> np.ndarray:
    rng = np.random.default_rng(1)
    grey = np.full((H, W), 140.0) + rng.normal(0, 3, (H, W))
    return np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def people_walking(detector: TopDownDetector, diameter: float, people: int) -> list[int]:
    """People (light discs with a dark head) walking across one at a time, 15 fps; the number of
    detections with a score that starts a track (≥ 0.5) per person."""
    empty = floor()
    t = 0.0
    for _ in range(30):
        detector.detect(empty, t)
        t += 1 / 15
    found = []
    for k in range(people):
        strong = 0
        y = 70 + 20 * (k % 5)
        for x in np.arange(-diameter, W + diameter, 6.0):
            frame = empty.copy()
            frame[disc(x, y, diameter)] = (230, 230, 230)
            frame[disc(x, y, diameter * 0.4)] = (40, 40, 40)
            d = detector.detect(frame, t)
            strong += int((d.confidence >= 0.5).sum())
            t += 1 / 15
        for _ in range(8):
            detector.detect(empty, t)
            t += 1 / 15
        found.append(strong)
    return found


def test_auto_follows_people_half_the_size_it_assumes():
    auto = TopDownDetector(person_size=0.2, auto_size=True)
    found = people_walking(auto, 0.1 * H, 9)
    assert auto.person_size == pytest.approx(0.1 / 0.8, rel=0.15)  # their measure / 0.8
    fixed = TopDownDetector(person_size=0.2)
    missed = people_walking(fixed, 0.1 * H, 5)
    assert fixed.person_size == 0.2
    # before it knew, as the fixed detector: people too small to start a track
    assert all(n == 0 for n in missed) and all(n == 0 for n in found[:6])
    # after: found
    assert all(n >= 5 for n in found[-2:]), found
    auto.reset()
    assert auto.person_size == 0.2  # a new stream starts from the setting again


@pytest.mark.parametrize("diameter", [0.2, 0.3])
def test_auto_keeps_the_size_for_people_as_large_or_larger(diameter):
    auto = TopDownDetector(person_size=0.2, auto_size=True)
    people_walking(auto, diameter * H, 7)
    assert len(auto.walkers.sizes) >= 6 and auto.person_size == 0.2
