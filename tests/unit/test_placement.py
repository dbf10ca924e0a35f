"""Lines and zones checked against the frame they are drawn on (edge.events.placement)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from edge.config import CameraConfig
from edge.detections.detections import Detections
from edge.errors import ConfigError
from edge.events.lines import CountingLine
from edge.events.placement import check_placement, share_inside
from edge.events.zones import Zone
from edge.frames.frame import Frame
from edge.pipeline import CameraPipeline

FRAME = (1280, 720)


def line(x1, y1, x2, y2, name="door"):
    return CountingLine(name, (x1, y1), (x2, y2))


def zone(*points, name="shelf"):
    return Zone(name, tuple(points))


@pytest.mark.parametrize("item, share", [
    (line(0, 360, 1280, 360), 1.0),
    (line(-640, 360, 1280, 360), 2 / 3),           # a third sticks out on the left
    (line(640, -720, 640, 720), 0.5),
    (line(1300, 0, 1300, 720), 0.0),                # beside the frame
    (line(1400, 800, 1900, 1000), 0.0),             # drawn on a 1920×1080 picture
    (line(-100, 820, 1380, -100), None),            # a diagonal across, both ends outside
    (zone((0, 0), (1280, 0), (1280, 720), (0, 720)), 1.0),
    (zone((1000, 0), (1560, 0), (1560, 720), (1000, 720)), 0.5),
    (zone((1300, 100), (1500, 100), (1500, 300)), 0.0),
    # concave: a U whose arms stick out below the frame
    (zone((100, 600), (300, 600), (300, 900), (200, 900), (200, 700), (150, 700), (150, 900), (100, 900)),
     (200 * 120 - 50 * 20) / (200 * 300 - 50 * 200)),
])
def test_share_inside(item, share):
    got = share_inside(item, FRAME)
    if share is None:
        assert 0.7 < got < 1.0
    else:
        assert got == pytest.approx(share, abs=1e-9)


def test_errors_for_what_is_wholly_outside_warnings_for_what_is_mostly_outside():
    placement = check_placement(
        [line(0, 360, 1280, 360, "in"), line(2000, 100, 2000, 600, "gone"), line(-3000, 360, 1280, 360, "long")],
        [zone((1200, 600), (1400, 600), (1400, 800), (1200, 800), name="corner"),
         zone((10, 10), (100, 10), (100, 100), name="ok")],
        FRAME)
    assert len(placement.errors) == 1 and "line gone lies outside the 1280×720 frame" in placement.errors[0]
    assert [w.split(" of ")[1].split(" lies")[0] for w in placement.warnings] == ["line long", "zone corner"]
    assert placement.warnings[0].startswith("only 30% of line long")


class NoPeople:
    def detect(self, image, ts=None):
        return Detections.empty()


def frame(w, h):
    return Frame(0, 0.0, np.zeros((h, w, 3), np.uint8))


def test_a_count_stops_on_a_line_off_the_frame():
    config = CameraConfig(lines=(line(0, 300, 1920, 300), line(1500, 0, 1500, 1080, "far")))
    pipeline = CameraPipeline(config, NoPeople(), strict_placement=True)
    with pytest.raises(ConfigError, match="line far lies outside the 1280×720 frame"):
        pipeline.process(frame(1280, 720), 0.0)


def test_the_agent_logs_it_and_goes_on(caplog):
    config = CameraConfig(lines=(line(0, 300, 1920, 300), line(1500, 0, 1500, 1080, "far")), camera_id="c1")
    pipeline = CameraPipeline(config, NoPeople(), camera_id="c1")
    with caplog.at_level(logging.WARNING, logger="edge.pipeline"):
        for i in range(3):
            pipeline.process(frame(1280, 720), float(i))
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "camera c1: line far lies outside" in errors[0].getMessage()  # once, not per frame
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]  # line-1 is two thirds inside
    pipeline.process(frame(640, 360), 3.0)  # a smaller stream: checked again
    assert "640×360" in caplog.records[-1].getMessage()


def test_normalised_coordinates_always_fit():
    config = CameraConfig(lines=(line(0.5, 0.0, 0.5, 1.0),), units="normalized")
    pipeline = CameraPipeline(config, NoPeople(), strict_placement=True)
    pipeline.process(frame(640, 360), 0.0)
    assert pipeline.placement.errors == () and pipeline.placement.warnings == ()
