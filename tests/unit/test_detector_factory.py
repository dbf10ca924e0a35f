"""What a camera's detector tells of its size, and the camera fixed at the size it settled on."""

from dataclasses import replace

import pytest

from edge.config import CameraConfig, DetectorConfig, parse_line_arg
from edge.detections.factory import settled_camera, working_size
from edge.detections.topdown import TopDownDetector


def camera(view: str = "top-down", **detector) -> CameraConfig:
    return CameraConfig(lines=(parse_line_arg("0,100,200,100"),), view=view, detector=DetectorConfig(**detector))


class Angled:
    def __init__(self, input_size: int) -> None:
        self.input_size = input_size


def test_the_heartbeat_says_what_size_each_detector_works_at():
    top_down = TopDownDetector(auto_size=True)
    top_down.person_size = 0.1234  # as auto would leave it
    assert working_size(Angled(864)) == {"input_size": 864}
    assert working_size(top_down) == {"person_size": 0.123}
    assert working_size(object()) == {}  # a detector with no size to tell


def test_a_top_down_auto_size_that_moved_is_fixed_where_it_settled():
    detector = TopDownDetector(auto_size=True)
    assert settled_camera(camera(), detector) is None  # still at its start: nothing to count again
    detector.person_size = 0.1213
    settled = settled_camera(camera(), detector)
    assert settled.detector.person_size == 0.1213  # the detector's own value, not the rounded report
    assert replace(settled, detector=camera().detector) == camera()  # nothing else changes


def test_an_angled_auto_input_size_that_grew_is_fixed_where_it_settled():
    assert settled_camera(camera("angled"), Angled(416)) is None
    assert settled_camera(camera("angled"), Angled(864)).detector.input_size == 864


@pytest.mark.parametrize("config", [camera(person_size=0.3), camera("angled", input_size=640)])
def test_a_fixed_size_is_never_changed(config):
    detector = TopDownDetector(person_size=0.15) if config.view == "top-down" else Angled(864)
    assert settled_camera(config, detector) is None
