"""Remote configuration messages: validated like the file; a bad one is rejected with reasons."""

import json

import pytest

from edge.config import CameraConfig, parse_line_arg
from edge.remote_config import parse_remote_config

CURRENT = {"front": CameraConfig(lines=(parse_line_arg("0,1,2,3"),), camera_id="front", source="rtsp://cam/front")}
TOPIC = "retail/v1/config/s1/front"


def message(config, **envelope) -> bytes:
    doc = {"schema_version": 1, "kind": "config", "store_id": "s1", "camera_id": "front", "config": config}
    doc.update(envelope)
    return json.dumps(doc).encode()


def test_valid_config_keeps_the_local_source():
    result = parse_remote_config(TOPIC, message({"lines": [{"id": "door", "points": "10,20,30,40"}]}), "s1", CURRENT)
    assert result.errors == () and result.config is not None
    assert [ln.line_id for ln in result.config.lines] == ["door"]
    assert result.config.source == "rtsp://cam/front" and len(result.sha256) == 64


@pytest.mark.parametrize(
    "topic, payload, error",
    [
        (TOPIC, b"{nope", "not JSON"),
        (TOPIC, message({"lines": []}, schema_version=2), 'expected {"schema_version": 1'),
        (TOPIC, message({"lines": []}, store_id="s2"), "store_id/camera_id differ from the topic"),
        (TOPIC, message({"lines": [{"id": "door", "points": "1,2"}]}), 'lines[0].points: expected "x1,y1,x2,y2"'),
        (TOPIC, message({"linez": []}), 'did you mean "lines"'),
        (TOPIC, message({"source": "rtsp://elsewhere", "lines": [{"id": "d", "points": "0,1,2,3"}]}),
         "source: the camera's source is set in the local file only"),
        (TOPIC, message({}), "at least one line or zone"),
    ],
)
def test_rejected_with_reason(topic, payload, error):
    result = parse_remote_config(topic, payload, "s1", CURRENT)
    assert result.config is None
    assert any(error in e for e in result.errors), result.errors


@pytest.mark.parametrize(
    "topic, payload",
    [
        ("retail/v1/config/s2/front", message({})),   # another store's camera
        ("retail/v1/config/s1/back", message({})),    # a camera of another box of this store
        (TOPIC, b""),                                  # a cleared retained message
        ("retail/v1/metrics/s1/front", message({})),  # not a config topic
    ],
)
def test_not_for_this_agent(topic, payload):
    assert parse_remote_config(topic, payload, "s1", CURRENT) is None
