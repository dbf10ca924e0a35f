"""The hub's validation: every bad payload becomes a Rejection with a reason, never an exception."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from edge.protocol.messages import window_message
from edge.windows.aggregate import LineTotals, WindowAggregate
from hub.ingest.validate import MAX_PAYLOAD_BYTES, MetricRow, Rejection, StatusRow, validate

NOW = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
TOPIC = "retail/v1/metrics/s1/cam-1"


def good() -> dict:
    w = WindowAggregate("s1", "cam-1", START, START + timedelta(minutes=1), 600, (LineTotals("door", 3, 2),))
    return json.loads(window_message(w, "box-1").payload)


def encode(p) -> bytes:
    return json.dumps(p).encode()


def test_good_window_is_accepted():
    row = validate(TOPIC, encode(good()), NOW)
    assert isinstance(row, MetricRow)
    assert (row.store_id, row.camera_id, row.agent_id, row.start) == ("s1", "cam-1", "box-1", START)


def mutated(fn):
    p = good()
    fn(p)
    return encode(p)


@pytest.mark.parametrize(
    "topic, payload, reason",
    [
        ("retail/v1/video/s1/cam-1", encode(good()), "topic:"),                     # unknown kind
        ("other/thing", encode(good()), "topic:"),                                  # not ours
        (TOPIC, b"{not json", "json:"),                                             # malformed
        (TOPIC, b"\xff\xfe", "json:"),                                              # not UTF-8
        (TOPIC, b"[1, 2]", "json:"),                                                # not an object
        (TOPIC, encode(good()).replace(b'"frames": 600', b'"frames": NaN'), "json:"),  # NaN is not JSON
        (TOPIC, b"x" * (MAX_PAYLOAD_BYTES + 1), "size:"),                           # oversized
        (TOPIC, mutated(lambda p: p.update(schema_version=9)), "version:"),         # future version
        (TOPIC, mutated(lambda p: p.update(store_id="s2")), "identity: store_id"),  # other store
        ("retail/v1/metrics/s1/cam-9", encode(good()), "identity: camera_id"),      # other camera
        (TOPIC, mutated(lambda p: p.pop("lines")), "schema:"),                      # missing field
        (TOPIC, mutated(lambda p: p.update(faces=[])), "schema:"),                  # extra field
        (TOPIC, mutated(lambda p: p["lines"][0].update({"out": -4})), "schema:"),   # negative count
        (TOPIC, mutated(lambda p: p["lines"][0].update({"in": 10**9})), "schema:"),  # absurd count
        (TOPIC, mutated(lambda p: p["lines"][0].update({"in": "3"})), "schema:"),   # wrong type
        (TOPIC, mutated(lambda p: p["window"].update(end="2026-11-11T08:59:00Z")), "window: end"),
        (TOPIC, mutated(lambda p: p["window"].update(end="2029-11-11T09:00:00Z")), "window:"),  # years long
        (TOPIC, mutated(lambda p: p["window"].update(start="2026-11-11T08:59:30Z")), "window:"),  # unaligned
        (TOPIC, mutated(lambda p: p.update(message_id="0" * 32)), "identity: message_id"),
        (TOPIC, mutated(lambda p: p.update(seen_s=-1)), "schema:"),                   # negative time
        (TOPIC, mutated(lambda p: p.update(seen_s="60")), "schema:"),                 # wrong type
        (TOPIC, mutated(lambda p: p.update(seen_s=61)), "schema: seen_s 61 is longer than the window (60 s)"),
    ],
)
def test_rejections(topic, payload, reason):
    result = validate(topic, payload, NOW)
    assert isinstance(result, Rejection)
    assert result.reason.startswith(reason), result.reason
    assert result.size == len(payload)


def test_window_in_the_future_is_rejected():
    later = NOW - timedelta(days=1)  # the hub's clock is a day behind the window
    result = validate(TOPIC, encode(good()), later)
    assert isinstance(result, Rejection) and result.reason == "window: starts in the future"


def test_status_must_match_topic_agent():
    status = {"schema_version": 1, "kind": "status", "store_id": "s1", "agent_id": "box-1", "state": "online",
              "at": "2026-11-11T12:00:00Z"}
    assert isinstance(validate("retail/v1/status/s1/box-1", encode(status), NOW), StatusRow)
    assert isinstance(validate("retail/v1/status/s1/box-2", encode(status), NOW), Rejection)
    status["state"] = "sleepy"
    assert isinstance(validate("retail/v1/status/s1/box-1", encode(status), NOW), Rejection)


def test_deeply_nested_json_does_not_raise():
    result = validate(TOPIC, b"[" * 30000 + b"]" * 30000, NOW)  # under the size limit
    assert isinstance(result, Rejection)


@pytest.mark.parametrize("field, value", [("start", "2026-13-11T09:00:00Z"), ("end", "2026-11-11T25:00:00Z"),
                                          ("start", "2026-02-30T09:00:00Z")])
def test_a_date_that_does_not_exist_is_rejected_not_raised(field, value):
    result = validate(TOPIC, mutated(lambda p: p["window"].update({field: value})), NOW)
    assert isinstance(result, Rejection) and result.reason.startswith("window: not a valid time"), result


@pytest.mark.parametrize("value, ok", [("2026-11-11T09:00:00Z", True), ("2026-11-11T09:00:00.000Z", False),
                                       ("2026-11-11T09:00:00.5Z", False)])
def test_only_canonical_window_times_pass(value, ok):
    result = validate(TOPIC, mutated(lambda p: p["window"].update(start=value)), NOW)
    if ok:
        assert isinstance(result, MetricRow)
    else:
        assert isinstance(result, Rejection) and result.reason.startswith("window: times must be written"), result


def test_a_byte_order_mark_is_not_json():
    result = validate(TOPIC, b"\xef\xbb\xbf" + encode(good()), NOW)
    assert isinstance(result, Rejection) and result.reason.startswith("json: Unexpected UTF-8 BOM"), result


def test_a_check_that_raises_becomes_a_rejection(monkeypatch):
    import hub.ingest.validate as v

    def broken(document, name="metrics-v1"):
        raise KeyError("boom")

    monkeypatch.setattr(v, "schema_errors", broken)
    result = validate(TOPIC, encode(good()), NOW)
    assert isinstance(result, Rejection) and result.reason.startswith("schema: could not be checked"), result


def test_a_stored_row_keeps_the_payload_text():
    payload = encode(good())
    row = validate(TOPIC, payload, NOW)
    assert isinstance(row, MetricRow) and json.loads(row.payload_json) == row.payload
    assert row.payload_json == payload.decode()


def heartbeat_payload(**camera) -> bytes:
    cam = {"camera_id": "door", "state": "streaming", "fps": 15.0, "inference_ms": 12.5, "dropped_frames": 0,
           "reconnects": 0, **camera}
    return encode({"schema_version": 1, "kind": "heartbeat", "store_id": "s1", "agent_id": "box-1",
                   "at": "2026-11-11T11:59:30Z", "cameras": [cam], "backlog_pending": 0, "backlog_dropped": 0})


@pytest.mark.parametrize("camera, ok", [
    ({}, True),                                   # older agents say nothing of their detector's size
    ({"input_size": 864}, True),                  # angled, "auto" grew it
    ({"person_size": 0.125}, True),               # top-down, "auto" shrank it
    ({"input_size": 100000}, False),
    ({"person_size": 5}, False),
    ({"input_size": "auto"}, False),
])
def test_a_heartbeat_may_say_the_size_its_detectors_work_at(camera, ok):
    row = validate("retail/v1/heartbeat/s1/box-1", heartbeat_payload(**camera), NOW)
    assert isinstance(row, StatusRow if ok else Rejection), row
