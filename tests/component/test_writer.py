"""Writing to SQLite: upsert by message id, dead letters, agent status."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from edge.protocol.messages import window_message
from edge.windows.aggregate import LineTotals, WindowAggregate
from hub.ingest.validate import validate
from hub.ingest.writer import write_batch
from hub.reports.report import build_report
from hub.store.db import open_db

pytestmark = pytest.mark.component
NOW = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)


def metric(minute: int, in_count: int, out_count: int, camera: str = "cam-1"):
    start = T0 + timedelta(minutes=minute)
    w = WindowAggregate("s1", camera, start, start + timedelta(minutes=1), 100,
                        (LineTotals("door", in_count, out_count),))
    m = window_message(w, "box-1")
    return validate(m.topic, m.payload, NOW)


def test_resent_window_replaces_and_report_totals(tmp_path):
    db = open_db(tmp_path / "hub.db")
    write_batch(db, [metric(0, 3, 1), metric(1, 2, 2), metric(0, 3, 1, camera="cam-2")], NOW)
    write_batch(db, [metric(0, 3, 1), metric(1, 5, 2)], NOW)  # a duplicate, and a corrected re-send
    report = build_report(db, "s1", None, None)
    assert (report.in_count, report.out_count, len(report.windows)) == (3 + 5 + 3, 1 + 2 + 1, 3)
    assert db["window_lines"].count == 3
    assert report.lines == {"cam-1/door": {"in": 8, "out": 3}, "cam-2/door": {"in": 3, "out": 1}}
    later = build_report(db, "s1", T0 + timedelta(minutes=1), None)
    assert (later.in_count, later.out_count) == (5, 2)


def test_rejections_go_to_dead_letters(tmp_path):
    db = open_db(tmp_path / "hub.db")
    result = write_batch(db, [validate("retail/v1/metrics/s1/c", b"{oops", NOW), metric(0, 1, 0)], NOW)
    assert (result.stored, result.rejected) == (1, 1)
    (dead,) = db["dead_letters"].rows
    assert dead["reason"].startswith("json:") and dead["payload_excerpt"] == "{oops"


def test_status_and_heartbeat_track_agent_state(tmp_path):
    db = open_db(tmp_path / "hub.db")

    def status(state):
        body = {"schema_version": 1, "kind": "status", "store_id": "s1", "agent_id": "box-1", "state": state,
                "at": "2026-11-11T12:00:00Z"}
        return validate("retail/v1/status/s1/box-1", json.dumps(body).encode(), NOW)

    write_batch(db, [status("online")], NOW)
    write_batch(db, [status("offline")], NOW + timedelta(minutes=5))
    (row,) = db["agents"].rows
    assert (row["state"], row["since"]) == ("offline", "2026-11-11T12:05:00Z")


def test_report_on_missing_db_is_a_store_error(tmp_path):
    from hub.errors import StoreError

    with pytest.raises(StoreError, match="no hub database"):
        open_db(tmp_path / "absent.db", create=False)


def test_a_window_twice_in_one_batch_keeps_only_the_last_copys_lines(tmp_path):
    db = open_db(tmp_path / "hub.db")
    start = T0
    first = WindowAggregate("s1", "cam-1", start, start + timedelta(minutes=1), 100, (LineTotals("door", 1, 0),))
    renamed = WindowAggregate("s1", "cam-1", start, start + timedelta(minutes=1), 100, (LineTotals("gate", 4, 2),))
    messages = (window_message(first, "box-1"), window_message(renamed, "box-1"))
    rows = [validate(m.topic, m.payload, NOW) for m in messages]
    result = write_batch(db, rows, NOW)
    assert result.stored == 2
    assert [(r["line_id"], r["in_count"]) for r in db["window_lines"].rows] == [("gate", 4)]
    (window,) = db["windows"].rows
    assert (window["in_count"], window["out_count"]) == (4, 2)
    assert json.loads(window["payload"]) == rows[1].payload
    report = build_report(db, "s1", None, None)
    assert (report.in_count, report.out_count) == (4, 2)
