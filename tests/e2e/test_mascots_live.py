"""Mascots in the live agent: visibility and engagement figures per window, and the alert when a
registered mascot disappears, through a real broker."""

from __future__ import annotations

import json
import subprocess

import cv2
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from helpers import ROOT, SAMPLE_VIDEO, cli

pytestmark = pytest.mark.e2e
PRESENT_FRAMES = 150  # the fox stands on the left for 15 s, then is taken away


def clip_with_mascot(path) -> None:
    fox = cv2.imread(str(ROOT / "media" / "mascots" / "mascot-fox.png"))
    fox = cv2.resize(fox, (120, 160), interpolation=cv2.INTER_AREA)
    src = cv2.VideoCapture(str(SAMPLE_VIDEO))
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (768, 432))
    for i in range(300):
        ok, frame = src.read()
        assert ok
        if i < PRESENT_FRAMES:
            frame[200:360, 60:180] = fox
        out.write(frame)
    out.release()


def test_mascot_figures_and_missing_alert(mosquitto, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip_with_mascot(clip)
    config = tmp_path / "edge.yaml"
    config.write_text(f"""store_id: s1
agent_id: box-1
broker: {{url: "{mosquitto.url}"}}
window_s: 10
outbox: {tmp_path / "outbox.db"}
mascots: {{dir: {ROOT / "media" / "mascots"}, sample_every_s: 1, missing_alert_min: 0.1}}
cameras:
  front:
    source: {clip}
    lines: [{{id: door, points: "500,0,500,432"}}]
""")
    got: list[tuple[str, dict]] = []
    sniffer = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    sniffer.on_message = lambda c, u, m: got.append((m.topic, json.loads(m.payload)))
    sniffer.connect("127.0.0.1", mosquitto.port)
    sniffer.subscribe([("retail/v1/metrics/#", 1), ("retail/v1/alerts/#", 1)])
    sniffer.loop_start()
    try:
        r = subprocess.run([cli("retail-edge"), "run", "--config", str(config)], capture_output=True, text=True,
                           timeout=600)
    finally:
        sniffer.loop_stop()
    assert r.returncode == 0, r.stderr[-2000:]
    windows = sorted((p for t, p in got if "/metrics/" in t), key=lambda p: p["window"]["start"])
    assert len(windows) == 3
    fox = [{m["mascot_id"]: m for m in w["mascots"]}["mascot-fox"] for w in windows]
    panda = [{m["mascot_id"]: m for m in w["mascots"]}["mascot-panda"] for w in windows]
    assert [f["samples"] for f in fox] == [10, 10, 10]
    assert fox[0]["visible_fraction"] >= 0.9        # 0–10 s: standing there
    assert fox[2]["visible_fraction"] == 0.0        # 20–30 s: taken away
    assert all(p["visible_fraction"] == 0.0 for p in panda)  # never there: never reported
    alerts = [p for t, p in got if "/alerts/" in t]
    kinds = {(a["alert"], a["mascot_id"]) for a in alerts}
    assert ("mascot-missing", "mascot-fox") in kinds and ("mascot-missing", "mascot-panda") in kinds
