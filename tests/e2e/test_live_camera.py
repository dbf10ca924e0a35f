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
    assert during and all(w["frames"] == 0 for w in during), during
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
