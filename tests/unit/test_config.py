"""load_config / load_camera_config: every error names its dotted path, the value and the fix."""

from __future__ import annotations

import textwrap

import pytest

from edge.config import load_camera_config, load_config
from edge.errors import ConfigError

AGENT = """
store_id: s1
broker: {url: "mqtt://127.0.0.1:1883"}
cameras:
  front:
    lines: [{id: door, points: "0,300,768,300"}]
"""


def _write(tmp_path, text: str, name: str = "c.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _errors(excinfo) -> list[str]:
    return [line.strip() for line in str(excinfo.value).splitlines()[1:]]


@pytest.mark.parametrize(
    "text, expected",
    [
        # a line with three numbers
        ('lines: [{id: a, points: "10,20,30"}]',
         ['lines[0].points: expected "x1,y1,x2,y2", got "10,20,30"']),
        # both end points the same
        ('lines: [{id: a, points: "5,5,5,5"}]',
         ['lines[0].points: expected two different end points "x1,y1,x2,y2", got "5,5,5,5"']),
        # a list where the one accepted shape is a string
        ("lines: [{id: a, points: [0, 1, 2, 3]}]",
         ['lines[0].points: expected "x1,y1,x2,y2", got [0, 1, 2, 3]']),
        # a typo in a key
        ('lines: [{id: a, point: "0,1,2,3"}]',
         ['lines[0].point: unknown setting; did you mean "points"?',
          "lines[0].points: missing; from A to B; moving from the left of A→B to its right is in "
          "(see CONVENTIONS.md)"]),
        # an id with capitals
        ('lines: [{id: Door, points: "0,1,2,3"}]',
         ['lines[0].id: expected an id of 1–64 lowercase letters, digits or "-", got "Door"']),
        # two lines with one id
        ('lines: [{id: a, points: "0,1,2,3"}, {id: a, points: "0,5,2,5"}]',
         ['lines[1].id: duplicate line id "a"; give each line its own id']),
        # a zone of two points
        ('zones: [{id: z, polygon: "0,0 10,10"}]',
         ['zones[0].polygon: expected at least three points "x1,y1 x2,y2 x3,y3 …", got "0,0 10,10"']),
        ('zones: [{id: z, polygon: "10,10 100,10 200,10"}]',   # three corners on one line: no area
         ['zones[0].polygon: expected corners that enclose an area (these lie on one line), '
          'got "10,10 100,10 200,10"']),
        # normalised coordinates out of range
        ('units: normalized\nlines: [{id: a, points: "0,0.5,1.5,0.5"}]',
         ['lines[0].points: units is normalized, so every coordinate must be in 0–1, got "0,0.5 1.5,0.5"']),
        # a bad choice and a bad tile grid, both reported
        ('anchor: feet\ndetector: {tiles: "3"}\nlines: [{id: a, points: "0,1,2,3"}]',
         ['anchor: expected "bottom" or "center", got "feet"',
          'detector.tiles: expected "none" or a grid "COLSxROWS" from "2x1" to "4x4", for example "2x2", got "3"']),
        # a model input size the network cannot take (not a multiple of its 32 px stride)
        ('detector: {person_size: 0.9}\nlines: [{id: a, points: "0,1,2,3"}]',
         ['detector.person_size: expected "auto" or a number from 0.05 to 0.6, got 0.9']),
        ('detector: {person_size: big}\nlines: [{id: a, points: "0,1,2,3"}]',
         ['detector.person_size: expected "auto" or a number, got "big"']),
        ('detector: {input_size: 500}\nlines: [{id: a, points: "0,1,2,3"}]',
         ['detector.input_size: expected "auto" or a multiple of 32 from 128 to 1920, for example 832, got 500']),
        # heatmap out of range
        ('heatmap: {cols: 0}\nlines: [{id: a, points: "0,1,2,3"}]',
         ["heatmap.cols: expected a whole number from 1 to 64, got 0"]),
        # dwell edges not increasing
        ('dwell_edges_s: [30, 10]\nzones: [{id: z, polygon: "0,0 9,0 9,9"}]',
         ["dwell_edges_s: expected 1–16 increasing positive seconds, for example [10, 30, 120, 300], got [30, 10]"]),
        # a top-down stand time too short to tell someone standing from someone passing
        ('view: top-down\ndetector: {stand_s: 2}\nlines: [{id: a, points: "0,1,2,3"}]',
         ["detector.stand_s: expected a number from 10 to 3600, got 2"]),
        # nothing to count
        ("anchor: bottom", ["lines: a camera needs at least one line or zone"]),
    ],
)
def test_camera_file_errors(tmp_path, text, expected):
    with pytest.raises(ConfigError) as excinfo:
        load_camera_config(_write(tmp_path, text))
    assert _errors(excinfo) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # the brief's example path, in an agent file
        (AGENT + '    zones: []\n  back:\n    lines: [{id: a, points: "0,1,2,3"}, {id: b, points: "10,20,30"}]\n',
         ['cameras.back.lines[1].points: expected "x1,y1,x2,y2", got "10,20,30"']),
        # a missing store id and a bad broker URL, both reported
        ('broker: {url: "http://x"}\ncameras: {front: {lines: [{id: a, points: "0,1,2,3"}]}}',
         ["store_id: missing; the store this agent counts for",
          'broker.url: expected mqtt://HOST:PORT or mqtts://HOST:PORT, got "http://x"']),
        # a misspelt top-level key
        (AGENT + "window: 60\n", ['window: unknown setting; did you mean "window_s"?']),
        # a window that does not divide a day
        (AGENT + "window_s: 7\n", ["window_s: expected seconds that divide a day (10, 60, 300, 3600…), got 7"]),
        # a camera id that is not an id
        ('store_id: s1\nbroker: {url: "mqtt://h:1"}\ncameras: {Front: {lines: []}}',
         ['cameras.Front: expected an id of 1–64 lowercase letters, digits or "-" as the key']),
        # privacy k of zero
        (AGENT + "privacy: {min_count: 0}\n", ["privacy.min_count: expected a whole number from 1 to 1000, got 0"]),
    ],
)
def test_agent_file_errors(tmp_path, text, expected):
    with pytest.raises(ConfigError) as excinfo:
        load_config(_write(tmp_path, text))
    assert _errors(excinfo) == expected


def test_agent_file_loads_with_defaults(tmp_path):
    config = load_config(_write(tmp_path, AGENT + "mascots: {sample_every_s: 2}\n"))
    assert config.store_id == "s1" and config.window_s == 60 and config.privacy.min_count == 5
    cam = config.camera("front")
    assert cam.camera_id == "front" and cam.anchor == "bottom" and cam.detector.tiles is None
    assert (cam.heatmap.cols, cam.heatmap.rows) == (16, 9)
    assert cam.lines[0].a == (0.0, 300.0) and cam.dwell_edges_s == (10.0, 30.0, 120.0, 300.0)
    assert dict(config.mascots) == {"dir": None, "cameras": None, "sample_every_s": 2.0, "max_pixels": 2073600,
                                    "min_dwell_s": 5.0, "zone_margin": 0.5, "missing_alert_min": 10.0}


def test_normalized_converted_at_load_with_frame_size(tmp_path):
    cam = load_camera_config(_write(tmp_path, """
        units: normalized
        frame_size: [1000, 500]
        lines: [{id: a, points: "0,0.5,1,0.5"}]
        zones: [{id: z, polygon: "0,0 0.5,0 0.5,1"}]
        detector: {tiles: "2x2"}
    """))
    assert cam.units == "pixels" and cam.lines[0].a == (0.0, 250.0) and cam.lines[0].b == (1000.0, 250.0)
    assert cam.zones[0].polygon == ((0.0, 0.0), (500.0, 0.0), (500.0, 500.0))
    assert cam.detector.tiles == (2, 2)


def test_normalized_without_frame_size_waits_for_the_source(tmp_path):
    cam = load_camera_config(_write(tmp_path, 'units: normalized\nlines: [{id: a, points: "0,0.5,1,0.5"}]'))
    assert cam.is_normalized and cam.in_pixels((200, 100)).lines[0].a == (0.0, 50.0)


def test_agent_file_as_camera_file_needs_one_camera(tmp_path):
    path = _write(tmp_path, AGENT + '  back:\n    lines: [{id: a, points: "0,1,2,3"}]\n')
    with pytest.raises(ConfigError, match="has 2 cameras .front, back.; choose one with --camera ID"):
        load_camera_config(path)
    assert load_camera_config(path, "back").lines[0].line_id == "a"


def test_bad_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML at line 3, column 1"):
        load_camera_config(_write(tmp_path, "lines:\n  - {id: a\n"))


@pytest.mark.parametrize(
    "mascots, error",
    [
        ("{dir: /nonexistent/mascots}", "mascots.dir: no such folder '/nonexistent/mascots'"),
        ("{cameras: [side]}", "mascots.cameras: unknown camera 'side'; the file has front"),
        ("{sample_every_s: 0}", "mascots.sample_every_s: expected a number from 0.1 to 60, got 0"),
        ("{dri: x}", 'mascots.dri: unknown setting; did you mean "dir"?'),
        ("{max_pixels: 4k}", "mascots.max_pixels: expected"),
        ("{max_pixels: 1000}", "mascots.max_pixels: expected"),
    ],
)
def test_mascots_section_errors(tmp_path, mascots, error):
    with pytest.raises(ConfigError) as excinfo:
        load_config(_write(tmp_path, AGENT + f"mascots: {mascots}\n"))
    assert error in str(excinfo.value)


def test_a_top_down_camera_s_stand_time_reaches_its_detector(tmp_path):
    from edge.detections.factory import make_detector

    camera = load_camera_config(_write(
        tmp_path, 'view: top-down\ndetector: {person_size: 0.25, stand_s: 120}\nlines: [{id: a, points: "0,1,2,3"}]'))
    detector = make_detector(camera)
    assert (detector.person_size, detector.stand_s, detector.walkers) == (0.25, 120.0, None)  # fixed
    default = make_detector(load_camera_config(_write(
        tmp_path, 'view: top-down\nlines: [{id: a, points: "0,1,2,3"}]', "d.yaml")))
    assert default.stand_s == 300.0
    assert default.person_size == 0.2 and default.walkers is not None  # "auto": 0.2, following the people


def test_person_size_flag_reaches_the_top_down_detector_and_only_it(tmp_path):
    from edge.config import with_person_size, with_view
    from edge.detections.factory import make_detector

    camera = load_camera_config(_write(tmp_path, 'lines: [{id: a, points: "0,1,2,3"}]'))
    top_down = with_view(camera, "top-down")
    assert make_detector(with_person_size(top_down, 0.33)).person_size == 0.33
    assert make_detector(with_person_size(top_down, "auto")).walkers is not None
    assert with_person_size(top_down, None) is top_down
    with pytest.raises(ConfigError) as excinfo:
        with_person_size(camera, 0.33)  # angled: the person model has no such setting
    assert "--person-size" in str(excinfo.value) and "--view top-down" in str(excinfo.value)


def test_the_angled_detector_s_input_size_is_auto_unless_fixed_or_tiled(tmp_path):
    from edge.detections.autosize import AutoInputSize
    from edge.detections.factory import make_detector
    from edge.detections.yolox import YoloxDetector

    def detector(section: str):
        return make_detector(load_camera_config(_write(
            tmp_path, f'detector: {{{section}}}\nlines: [{{id: a, points: "0,1,2,3"}}]')))

    auto = detector("")
    assert isinstance(auto, AutoInputSize) and auto.input_size == 416
    fixed = detector("input_size: 832")
    assert isinstance(fixed, YoloxDetector) and fixed.input_size == 832
    tiled = detector('tiles: "2x2"')  # the tiles enlarge small people instead; each tile at 416
    assert isinstance(tiled, YoloxDetector) and tiled.input_size == 416
