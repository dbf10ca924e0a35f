"""Agent → real Mosquitto → hub → SQLite → report equals the offline count of the same clip."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from helpers import CLIP_LINE, cli, spawn, stop_process

pytestmark = pytest.mark.e2e


def report_json(db, store: str) -> dict:
    r = subprocess.run([cli("retail-hub"), "report", "--db", str(db), "--store", store, "--format", "json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def wait_for_windows(db, store: str, count: int, timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    report = {}
    while time.monotonic() < deadline:
        if db.exists():
            report = report_json(db, store)
            if report["totals"]["windows"] >= count:
                return report
        time.sleep(0.3)
    return report


def test_agent_windows_reach_the_report_with_the_offline_totals(mosquitto, clip, clip_count, tmp_path):
    db = tmp_path / "hub.db"
    hub = spawn([cli("retail-hub"), "serve", "--broker", mosquitto.url, "--db", str(db)], tmp_path / "hub.log")
    try:
        agent = subprocess.run(
            [cli("retail-edge"), "run", "--source", clip, "--store", "s1", "--camera", "cam-1",
             "--broker", mosquitto.url, "--line", CLIP_LINE, "--window", "10",
             "--outbox", str(tmp_path / "outbox.db"), "--agent-id", "box-1"],
            capture_output=True, text=True, timeout=600,
        )
        assert agent.returncode == 0, agent.stderr[-2000:]
        assert json.loads(agent.stdout.strip().splitlines()[-1]) == {"frames": 480, "windows": 5, "pending": 0}
        report = wait_for_windows(db, "s1", 5)
    finally:
        stop_process(hub)
    assert report["totals"]["in"] == clip_count["in"]
    assert report["totals"]["out"] == clip_count["out"]
    assert report["totals"]["frames"] == 480
    # windows follow the video's timeline from the fixed default start, 10 s each
    assert [w["start"] for w in report["windows"]] == [f"2000-01-01T00:00:{s:02d}Z" for s in (0, 10, 20, 30, 40)]
    assert report["lines"] == {"cam-1/line-1": {"in": clip_count["in"], "out": clip_count["out"]}}
    # the 10 fps clip was seen for every second of its windows: 47.9 s between its first and last frame
    assert [w["seen_s"] for w in report["windows"]] == [9.9, 10.0, 10.0, 10.0, 8.0]
    assert report["cameras"][0]["fps"] == pytest.approx(10.0, abs=0.03)


def test_csv_and_table_formats(mosquitto, tmp_path):
    from datetime import UTC, datetime

    from edge.protocol.messages import window_message
    from edge.windows.aggregate import LineTotals, WindowAggregate
    from hub.ingest.validate import validate
    from hub.ingest.writer import write_batch
    from hub.store.db import open_db

    db = open_db(tmp_path / "hub.db")
    start = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
    m = window_message(WindowAggregate("s1", "cam-1", start, start.replace(minute=1), 9,
                                       (LineTotals("door", 4, 1),), seen_s=42.0), "box-1")
    write_batch(db, [validate(m.topic, m.payload, datetime.now(UTC))], datetime.now(UTC))
    db.close()
    out = subprocess.run([cli("retail-hub"), "report", "--db", str(tmp_path / "hub.db"), "--store", "s1",
                          "--format", "csv"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "start,end,camera_id,in,out,frames,seen_s"
    assert out[1] == "2026-11-11T09:00:00Z,2026-11-11T09:01:00Z,cam-1,4,1,9,42.0"
    assert out[-1] == "TOTAL,,,4,1,9"
    table = subprocess.run([cli("retail-hub"), "report", "--db", str(tmp_path / "hub.db"), "--store", "s1"],
                           capture_output=True, text=True, check=True).stdout
    assert "total" in table and "store s1: 1 windows" in table
