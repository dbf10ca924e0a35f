import json
from datetime import UTC, datetime

import pytest

from edge.protocol.messages import message_id_for, window_message
from edge.protocol.schema import schema_errors
from edge.protocol.topics import Topic, parse_topic, topic_for
from edge.windows.aggregate import LineTotals, WindowAggregate

START = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
END = datetime(2026, 11, 11, 9, 1, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["metrics", "alerts", "status", "heartbeat", "config", "config-status"])
def test_topic_round_trip(kind):
    text = topic_for(kind, "store-1", "cam-2")
    assert parse_topic(text) == Topic(kind, "store-1", "cam-2")


@pytest.mark.parametrize(
    "topic",
    [
        "retail/v2/metrics/s/c",        # other version
        "retail/v1/metrics/s",          # too short
        "retail/v1/metrics/S1/c",       # upper case id
        "retail/v1/video/s/c",          # unknown kind
        "retail/v1/metrics/s/c/extra",  # too long
    ],
)
def test_parse_topic_rejects(topic):
    assert parse_topic(topic) is None


def test_topic_for_rejects_bad_id():
    with pytest.raises(ValueError, match="store_id 'Store 1'"):
        topic_for("metrics", "Store 1", "cam")


def test_message_id_is_deterministic_and_distinct():
    a = message_id_for("s1", "c1", "window", START)
    assert a == message_id_for("s1", "c1", "window", START)
    assert a != message_id_for("s1", "c2", "window", START)
    assert a != message_id_for("s1", "c1", "window", END)
    assert len(a) == 32


def window(**kw) -> WindowAggregate:
    args = dict(store_id="s1", camera_id="cam-1", start=START, end=END, frames=600,
                lines=(LineTotals("door", 3, 2),))
    args.update(kw)
    return WindowAggregate(**args)


def test_window_message_is_schema_valid_aggregate_only():
    m = window_message(window(), agent_id="box-1")
    payload = json.loads(m.payload)
    assert m.topic == "retail/v1/metrics/s1/cam-1"
    assert payload["message_id"] == m.message_id == message_id_for("s1", "cam-1", "window", START)
    assert payload["window"] == {"start": "2026-11-11T09:00:00Z", "end": "2026-11-11T09:01:00Z"}
    assert payload["lines"] == [{"line_id": "door", "in": 3, "out": 2}]
    assert schema_errors(payload) == []
    assert "seen_s" not in payload  # not measured: not said (the hub then takes the window's length)
    seen = json.loads(window_message(window(seen_s=42.04), agent_id="box-1").payload)
    assert seen["seen_s"] == 42.0 and schema_errors(seen) == []


@pytest.mark.parametrize(
    "mutate, error",
    [
        (lambda p: p.update(track_ids=[1, 2]), "Additional properties are not allowed"),
        (lambda p: p["lines"][0].update({"in": -1}), "lines.0.in"),
        (lambda p: p.update(schema_version=2), "schema_version"),
        (lambda p: p.pop("window"), "'window' is a required property"),
        (lambda p: p["window"].update(start="yesterday"), "window.start"),
    ],
)
def test_schema_refuses(mutate, error):
    payload = json.loads(window_message(window(), "box-1").payload)
    mutate(payload)
    assert any(error in e for e in schema_errors(payload)), schema_errors(payload)
