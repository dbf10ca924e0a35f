"""AutoInputSize: probes at a large input size, and steps up only for people missed for their size."""

from __future__ import annotations

import numpy as np

from edge.detections.autosize import AutoInputSize
from edge.detections.detections import Detections

FRAME = np.zeros((720, 1280, 3), np.uint8)


class FakeYolox:
    """People of the given heights (px in a 1280×720 frame), found at an input size when they are
    at least `smallest` px tall at that input (`blind`: never found below the probe size)."""

    def __init__(self, heights: list[float], smallest: float = 40.0, blind: bool = False) -> None:
        self.heights, self.smallest, self.blind = heights, smallest, blind
        self.input_size = 416
        self.probes: list[int] = []

    def _people(self, size: int) -> Detections:
        boxes = [[100.0 * i, 100.0, 100.0 * i + h / 2, 100.0 + h] for i, h in enumerate(self.heights)
                 if h * size / 1280 >= self.smallest and not (self.blind and size < 1280)]
        return Detections(np.array(boxes, np.float32).reshape(-1, 4), np.full(len(boxes), 0.9, np.float32))

    def detect(self, image, ts=None) -> Detections:
        return self._people(self.input_size)

    def detect_at(self, image, size: int) -> Detections:
        self.probes.append(size)
        return self._people(size)


def _run(detector: AutoInputSize, seconds: float, fps: float = 10.0, start: float = 0.0) -> list[int]:
    return [len(detector.detect(FRAME, start + i / fps)) for i in range(int(seconds * fps))]


def test_small_people_missed_at_416_raise_the_size_to_what_they_need():
    yolox = FakeYolox([100.0] * 4)  # 32.5 px at 416, under the 40 px the fake model needs
    auto = AutoInputSize(yolox)
    found = _run(auto, 5.0)
    # the first probe sees 4 people, all missed: 60 px at the input for 100 px → 768; the next
    # comes 0.5 s later (after a miss), the ones after it every 2 s, and see them found
    assert auto.input_size == 768 and yolox.probes == [1280] * 4
    assert found[0] == 0 and found[-1] == 4  # found once the size is theirs


def test_people_large_enough_keep_the_trained_size_and_probes_thin_out():
    yolox = FakeYolox([300.0] * 4)
    auto = AutoInputSize(yolox)
    _run(auto, 150.0)
    assert auto.input_size == 416
    # every 2 s for the first minute, then once a minute
    assert len(yolox.probes) == 30 + 2


def test_large_people_missed_at_the_current_size_are_no_reason_to_grow():
    # found only by the probe, but 300 px is 97 px at 416: not a matter of size (a partly hidden
    # person, a poster); growing would cost time and find nothing more
    auto = AutoInputSize(FakeYolox([300.0] * 4, blind=True))
    _run(auto, 10.0)
    assert auto.input_size == 416


def test_two_people_missed_decide_nothing_and_a_miss_brings_the_next_probe_sooner():
    yolox = FakeYolox([100.0])  # one small person in view, missed at 416
    auto = AutoInputSize(yolox)
    _run(auto, 0.5)  # one probe, at 0 s
    _run(auto, 0.5, start=0.5)  # the next 0.5 s later (not 2 s): the person is still in view
    assert auto.input_size == 416 and len(yolox.probes) == 2
    _run(auto, 0.5, start=1.0)  # the third missed person
    assert auto.input_size == 768 and len(yolox.probes) == 3


def test_a_few_people_missed_among_many_found_decide_nothing():
    yolox = FakeYolox([100.0] + [300.0] * 20)  # one missed of 21 a probe
    auto = AutoInputSize(yolox)
    _run(auto, 10.0)
    assert auto.input_size == 416 and len(yolox.probes) == 20  # every 0.5 s: each probe misses one


def test_without_time_stamps_frames_count_at_10_fps():
    yolox = FakeYolox([300.0] * 4)
    auto = AutoInputSize(yolox)
    for _ in range(100):
        auto.detect(FRAME)
    assert len(yolox.probes) == 5
