"""Fault tests with real processes: the hub's totals equal the offline count, no window missing,
none counted twice, whatever happens to the broker, the hub or the agent in the middle."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from helpers import CLIP_LINE, cli, spawn, stop_process

pytestmark = pytest.mark.e2e
WINDOWS = 5  # 48 s of video in 10 s windows


def agent_cmd(clip, broker_url, outbox):
    return [cli("retail-edge"), "run", "--source", clip, "--store", "s1", "--camera", "cam-1",
            "--broker", broker_url, "--line", CLIP_LINE, "--window", "10", "--outbox", str(outbox),
            "--agent-id", "box-1"]


def hub_cmd(broker_url, db):
    return [cli("retail-hub"), "serve", "--broker", broker_url, "--db", str(db)]


def stored_windows(db) -> int:
    import sqlite3

    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT COUNT(*) FROM windows WHERE store_id = 's1'").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def wait_until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def report_totals(db) -> dict:
    r = subprocess.run([cli("retail-hub"), "report", "--db", str(db), "--store", "s1", "--format", "json"],
                       capture_output=True, text=True, timeout=60, check=True)
    return json.loads(r.stdout)["totals"]


def assert_matches_count(db, clip_count) -> None:
    wait_until(lambda: stored_windows(db) >= WINDOWS, 60, f"{WINDOWS} windows in the hub")
    totals = report_totals(db)
    assert (totals["windows"], totals["frames"]) == (WINDOWS, 480), totals  # none missing, none doubled
    assert (totals["in"], totals["out"]) == (clip_count["in"], clip_count["out"])


def log_tail(path) -> str:
    return path.read_text()[-3000:] if path.exists() else ""


def test_broker_stopped_and_restarted_mid_run(mosquitto, clip, clip_count, tmp_path):
    db = tmp_path / "hub.db"
    hub = spawn(hub_cmd(mosquitto.url, db), tmp_path / "hub.log")
    agent = spawn(agent_cmd(clip, mosquitto.url, tmp_path / "outbox.db"), tmp_path / "agent.log")
    try:
        wait_until(lambda: stored_windows(db) >= 1, 120, "the first window")
        mosquitto.stop()
        time.sleep(4)  # the agent goes on counting into its outbox
        mosquitto.start()
        assert agent.wait(300) == 0, log_tail(tmp_path / "agent.log")
        assert_matches_count(db, clip_count)
    finally:
        stop_process(agent)
        stop_process(hub)
    assert "lost the broker" in (tmp_path / "agent.log").read_text()


def test_hub_killed_and_restarted_mid_run(mosquitto, clip, clip_count, tmp_path):
    db = tmp_path / "hub.db"
    hub = spawn(hub_cmd(mosquitto.url, db), tmp_path / "hub.log")
    agent = spawn(agent_cmd(clip, mosquitto.url, tmp_path / "outbox.db"), tmp_path / "agent.log")
    try:
        wait_until(lambda: stored_windows(db) >= 1, 120, "the first window")
        stop_process(hub, signal.SIGKILL)
        # windows published while the hub is away wait in its persistent session at the broker
        assert agent.wait(300) == 0, log_tail(tmp_path / "agent.log")
        hub = spawn(hub_cmd(mosquitto.url, db), tmp_path / "hub2.log")
        assert_matches_count(db, clip_count)
    finally:
        stop_process(agent)
        stop_process(hub)


def test_agent_killed_with_sigkill_and_restarted(mosquitto, clip, clip_count, tmp_path):
    db = tmp_path / "hub.db"
    outbox = tmp_path / "outbox.db"
    hub = spawn(hub_cmd(mosquitto.url, db), tmp_path / "hub.log")
    try:
        agent = spawn(agent_cmd(clip, mosquitto.url, outbox), tmp_path / "agent1.log")
        wait_until(lambda: stored_windows(db) >= 2, 120, "two windows")
        stop_process(agent, signal.SIGKILL)
        agent = spawn(agent_cmd(clip, mosquitto.url, outbox), tmp_path / "agent2.log")
        assert agent.wait(300) == 0, log_tail(tmp_path / "agent2.log")
        assert_matches_count(db, clip_count)
    finally:
        stop_process(agent)
        stop_process(hub)
