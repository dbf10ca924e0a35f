import pytest

from edge.camera_worker import DetectionStride


@pytest.mark.parametrize(
    "every, pattern",
    [
        (1, [True] * 6),                                   # every frame
        (3, [True, False, False, True, False, False]),     # every 3rd; the tracker predicts between
    ],
)
def test_fixed_stride(every, pattern):
    stride = DetectionStride(every)
    assert [stride.should_detect() for _ in pattern] == pattern


@pytest.mark.parametrize(
    "detect_ms, fps, k",
    [
        (20.0, 10.0, 1),    # 20 ms of 100 ms per frame: detect every frame
        (120.0, 10.0, 2),   # a detection takes 1.2 frame intervals
        (90.0, 30.0, 3),    # 2.7 intervals at 30 fps
        (900.0, 30.0, 4),   # capped: beyond 4 the motion model drifts too far
    ],
)
def test_auto_stride_follows_the_load(detect_ms, fps, k):
    stride = DetectionStride("auto")
    for _ in range(50):
        stride.observe(True, detect_ms, fps)
    assert stride.k == k


def test_auto_ignores_prediction_only_frames():
    stride = DetectionStride("auto")
    stride.observe(True, 150.0, 10.0)
    stride.observe(False, 0.1, 10.0)  # a predicted frame says nothing about the detector
    assert stride.k == 2
