"""Remote configuration against a real broker: a valid config is applied at the next window
without a restart; a bad one is rejected with its errors and the old one stays in force."""

from __future__ import annotations

import json
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from helpers import CLIP_LINE, cli, spawn, stop_process

pytestmark = pytest.mark.e2e


def push(mosquitto, camera_file) -> subprocess.CompletedProcess:
    return subprocess.run([cli("retail-hub"), "config", "push", "--broker", mosquitto.url, "--store", "s1",
                           "--camera", "cam-1", "--file", str(camera_file)], capture_output=True, text=True, timeout=60)


def test_config_applied_live_and_bad_config_rejected(mosquitto, clip, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text('lines:\n  - {id: door, points: "500,0,500,432"}\n'
                    'zones:\n  - {id: table, polygon: "250,150 650,150 650,432 250,432"}\n')
    bad = tmp_path / "bad.yaml"
    bad.write_text('lines:\n  - {id: door, points: "500,0,500"}\n')

    # the hub refuses to publish a file that does not validate
    r = push(mosquitto, bad)
    assert r.returncode == 2 and 'lines[0].points: expected "x1,y1,x2,y2"' in r.stderr, r.stderr

    got: list[dict] = []
    sniffer = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    sniffer.on_message = lambda c, u, m: got.append({"topic": m.topic, **json.loads(m.payload)})
    sniffer.connect("127.0.0.1", mosquitto.port)
    sniffer.subscribe([("retail/v1/metrics/#", 1), ("retail/v1/config-status/#", 1)])
    sniffer.loop_start()
    db = tmp_path / "hub.db"
    hub = spawn([cli("retail-hub"), "serve", "--broker", mosquitto.url, "--db", str(db)], tmp_path / "hub.log")
    agent = spawn([cli("retail-edge"), "run", "--source", clip, "--store", "s1", "--camera", "cam-1",
                   "--broker", mosquitto.url, "--line", CLIP_LINE, "--window", "10",
                   "--outbox", str(tmp_path / "outbox.db")], tmp_path / "agent.log")
    try:
        deadline = time.monotonic() + 120
        while not any(m["topic"].startswith("retail/v1/metrics") for m in got) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert push(mosquitto, good).returncode == 0
        # a malformed message published directly (not through the CLI) is rejected by the agent
        raw = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
        raw.connect("127.0.0.1", mosquitto.port)
        raw.loop_start()
        time.sleep(0.5)
        assert agent.wait(300) == 0
        raw.publish("retail/v1/config/s1/cam-1", b'{"schema_version": 1, "kind": "config", "store_id": "s1", '
                    b'"camera_id": "cam-1", "config": {"lines": [{"id": "door", "points": "1,2"}]}}', qos=1,
                    retain=True).wait_for_publish(10)
        raw.loop_stop()
        # a second run gets the retained bad config at start: it keeps its own and says why
        agent = spawn([cli("retail-edge"), "run", "--source", clip, "--store", "s1", "--camera", "cam-1",
                       "--broker", mosquitto.url, "--line", CLIP_LINE, "--window", "10", "--max-frames", "200",
                       "--outbox", str(tmp_path / "outbox.db")], tmp_path / "agent2.log")
        assert agent.wait(300) == 0
        time.sleep(1.5)
    finally:
        stop_process(agent)
        stop_process(hub)
        sniffer.loop_stop()
    statuses = [m for m in got if m["topic"].startswith("retail/v1/config-status")]
    assert [s["state"] for s in statuses] == ["applied", "rejected"], statuses
    assert any('points: expected "x1,y1,x2,y2"' in e for e in statuses[1]["errors"]), statuses[1]
    first_run = [m for m in got if m["topic"].startswith("retail/v1/metrics") and m["frames"] > 0][:5]
    # before the switch: the command line's line-1 only; after it: the pushed door line and table zone
    assert first_run[0]["lines"][0]["line_id"] == "line-1" and "zones" not in first_run[0]
    switched = [m for m in first_run if m["lines"][0]["line_id"] == "door"]
    assert switched and all(m["zones"][0]["zone_id"] == "table" for m in switched)
    # the hub stored the agent's last answer
    out = subprocess.run([cli("retail-hub"), "config", "status", "--db", str(db), "--store", "s1"],
                         capture_output=True, text=True, check=True).stdout
    assert "cam-1" in out and "rejected" in out
