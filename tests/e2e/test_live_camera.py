"""A real RTSP camera (GStreamer's RTSP server on loopback) that drops out and comes back."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from helpers import ROOT, SAMPLE_VIDEO, cli, free_port, spawn, stop_once_writing, stop_process, wait_for_port

pytestmark = pytest.mark.e2e
SERVER = Path(__file__).resolve().parent.parent / "rtsp_server.py"


def rtsp_server(port: int, log: Path) -> subprocess.Popen:
    probe = subprocess.run(["/usr/bin/python3", "-c", "import gi; gi.require_version('GstRtspServer', '1.0'); "
                            "from gi.repository import GstRtspServer"], capture_output=True)
    if probe.returncode != 0:
        pytest.fail("GStreamer RTSP server missing: apt-get install -y gir1.2-gst-rtsp-server-1.0 python3-gi "
                    "gstreamer1.0-plugins-good gstreamer1.0-plugins-bad (scripts/setup.sh --test does it)")
    proc = spawn(["/usr/bin/python3", str(SERVER), str(SAMPLE_VIDEO), str(port)], log)
    wait_for_port(port, 10, proc)
    return proc


def test_agent_survives_a_camera_outage_and_stops_on_sigterm(mosquitto, tmp_path):
    port = free_port()
    got: list[tuple[float, str, bytes]] = []
    sniffer = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    sniffer.on_message = lambda c, u, m: got.append((time.monotonic(), m.topic, m.payload))
    sniffer.connect("127.0.0.1", mosquitto.port)
    sniffer.subscribe("retail/v1/metrics/#", qos=1)
    sniffer.loop_start()
    server = rtsp_server(port, tmp_path / "rtsp.log")
    agent = spawn([cli("retail-edge"), "run", "--source", f"rtsp://127.0.0.1:{port}/cam", "--store", "live",
                   "--camera", "cam-1", "--broker", mosquitto.url, "--line", "384,0,384,432", "--window", "5",
                   "--outbox", str(tmp_path / "outbox.db")], tmp_path / "agent.log", cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not any(json.loads(p)["frames"] > 0 for _, _, p in got) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert got, "no window before the outage:\n" + (tmp_path / "agent.log").read_text()[-2000:]
        stop_process(server)
        t_down = time.monotonic()
        time.sleep(12)
        server = rtsp_server(port, tmp_path / "rtsp2.log")
        t_up = time.monotonic()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(t > t_up and json.loads(p)["frames"] > 0 for t, _, p in got):
                break
            time.sleep(0.2)
        assert agent.poll() is None, "the agent died during the outage"
        began = time.monotonic()
        stop_process(agent, signal.SIGTERM, timeout_s=20)
        stop_s = time.monotonic() - began
    finally:
        stop_process(agent)
        stop_process(server)
        sniffer.loop_stop()
    log = (tmp_path / "agent.log").read_text()
    during = [json.loads(p) for t, _, p in got if t_down + 6 < t < t_up]
    after = [json.loads(p) for t, _, p in got if t > t_up and json.loads(p)["frames"] > 0]
    assert after, "no frames after the camera came back:\n" + log[-2000:]
    # windows keep closing while the camera is down, with 0 frames: a visible gap, not a missing window
    assert during and all(w["frames"] == 0 and w["seen_s"] == 0 for w in during), during
    # a window with frames says how long the camera was seen in it: never more than the window
    windows = [json.loads(p) for _, _, p in got]
    assert all(0 < w["seen_s"] <= 5 for w in windows if w["frames"] >= 2), [(w["frames"], w["seen_s"]) for w in windows]
    starts = sorted({json.loads(p)["window"]["start"] for _, _, p in got})
    assert len(starts) == len({s for s in starts}), "a window was published twice"
    assert agent.returncode == 0 and stop_s < 15, (agent.returncode, stop_s)
    assert "reconnecting" in log or "retrying" in log


def test_ar_on_a_live_camera_runs_until_sigterm_and_leaves_a_video_that_plays(tmp_path):
    """The in-store screen's use: `ar` on an RTSP camera, which never ends by itself."""
    port = free_port()
    server = rtsp_server(port, tmp_path / "rtsp.log")
    out = tmp_path / "screen.mp4"
    try:
        r, written = stop_once_writing([cli("retail-edge"), "ar", "--source", f"rtsp://127.0.0.1:{port}/cam",
                                        "--mascots", str(ROOT / "media" / "mascots"), "--out", str(out)],
                                       out, signal.SIGTERM)
    finally:
        stop_process(server)
    assert r.returncode == 0, r.stderr
    assert written == json.loads(r.stdout)["frames"] > 0


def kept_window(path: Path) -> tuple[float, int, int] | None:
    """(start, crossings, frames) of cam-1's open window as the agent keeps it on disk."""
    import sqlite3

    if not path.exists():
        return None
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT figures FROM open_windows WHERE camera_id = 'cam-1'").fetchone()
    if row is None:
        return None
    figures = json.loads(row[0])
    return figures["start"], sum(n for _, _, n in figures["counts"]), figures["frames"]


def test_a_live_agent_killed_mid_window_loses_none_of_its_crossings(mosquitto, tmp_path):
    """kill -9 after a crossing, start again in the same window, stop: the window holds both runs."""
    window_s = 600
    if time.time() % window_s > window_s - 120:  # both runs must fall in one window
        time.sleep(window_s - time.time() % window_s + 1)
    port = free_port()
    got: list[bytes] = []
    sniffer = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    sniffer.on_message = lambda c, u, m: got.append(m.payload)
    sniffer.connect("127.0.0.1", mosquitto.port)
    sniffer.subscribe("retail/v1/metrics/#", qos=1)
    sniffer.loop_start()
    server = rtsp_server(port, tmp_path / "rtsp.log")
    outbox, kept = tmp_path / "outbox.db", tmp_path / "outbox-open-windows.db"
    args = [cli("retail-edge"), "run", "--source", f"rtsp://127.0.0.1:{port}/cam", "--store", "live",
            "--camera", "cam-1", "--broker", mosquitto.url, "--line", "384,0,384,432", "--window", str(window_s),
            "--outbox", str(outbox)]
    agent = spawn(args, tmp_path / "agent1.log", cwd=ROOT)
    second = None
    try:
        deadline = time.monotonic() + 90
        while ((kept_window(kept) or (0, 0, 0))[1] < 1) and time.monotonic() < deadline:
            time.sleep(0.2)
        stop_process(agent, signal.SIGKILL)
        before = kept_window(kept)
        assert before and before[1] >= 1, "no crossing counted:\n" + (tmp_path / "agent1.log").read_text()[-2000:]
        second = spawn(args, tmp_path / "agent2.log", cwd=ROOT)
        deadline = time.monotonic() + 60
        while (kept_window(kept) or (0, 0, 0))[2] <= before[2] + 10 and time.monotonic() < deadline:
            time.sleep(0.2)
        stop_process(second, signal.SIGTERM, timeout_s=20)
    finally:
        stop_process(agent)
        if second is not None:
            stop_process(second)
        stop_process(server)
        time.sleep(0.5)
        sniffer.loop_stop()
    log = (tmp_path / "agent2.log").read_text()
    assert f"goes on from the {before[1]} crossings counted before the restart" in log, log[-2000:]
    after = kept_window(kept)
    assert after[0] == before[0] and after[1] >= before[1] and after[2] > before[2] + 10, (before, after)
    # the window as sent at the stop (to the broker, or still in the outbox): both runs' figures
    import sqlite3

    with sqlite3.connect(outbox) as db:
        waiting = [p for (p,) in db.execute("SELECT payload FROM outbox")]
    sent = [m for m in map(json.loads, got + waiting) if m.get("kind") == "window"]
    assert sent and all(sum(x["in"] + x["out"] for x in m["lines"]) == after[1] and m["frames"] == after[2]
                        for m in sent), (after, sent)
