"""The agent's heartbeat as its cameras' real detectors fill it: schema-valid, health only, and
saying the size each detector works at now (what the "auto" settings chose)."""

from __future__ import annotations

import threading

from edge.agent import AgentSettings, heartbeat_document
from edge.camera_worker import CameraWorker
from edge.config import CameraConfig, with_view
from edge.delivery.broker import parse_broker_url
from edge.delivery.outbox import Outbox
from edge.detections.factory import make_detector
from edge.events.lines import CountingLine
from edge.protocol.messages import SCHEMA_FOR_KIND
from edge.protocol.schema import schema_errors
from helpers import SAMPLE_VIDEO


def test_heartbeat_carries_each_detector_s_working_size(tmp_path):
    door = (CountingLine("door", (0.0, 300.0), (768.0, 300.0)),)
    angled = CameraConfig(lines=door, camera_id="floor", source=str(SAMPLE_VIDEO))
    ceiling = with_view(CameraConfig(lines=door, camera_id="door", source=str(SAMPLE_VIDEO)), "top-down")
    settings = AgentSettings("s1", parse_broker_url("mqtt://127.0.0.1:1883"), (angled, ceiling), agent_id="box-1")
    stop = threading.Event()
    workers = [CameraWorker(c, make_detector(c), "s1", 60, lambda windows: None, stop) for c in (angled, ceiling)]
    workers[1].detector.person_size = 0.1  # as `person_size: auto` leaves it on a high ceiling
    outbox = Outbox(tmp_path / "outbox.db")
    try:
        document = heartbeat_document(settings, workers, outbox)
    finally:
        outbox.close()
    assert schema_errors(document, SCHEMA_FOR_KIND["heartbeat"]) == []
    floor, ceiling_cam = document["cameras"]
    assert floor["camera_id"] == "floor" and floor["input_size"] == 416 and "person_size" not in floor
    assert ceiling_cam["camera_id"] == "door" and ceiling_cam["person_size"] == 0.1 and "input_size" not in ceiling_cam


def test_the_first_heartbeat_comes_soon_after_start_then_every_heartbeat_s(tmp_path, monkeypatch):
    import time

    import edge.agent as agent

    monkeypatch.setattr(agent, "FIRST_HEARTBEAT_S", 0.2)
    sent: list[float] = []

    class Publisher:
        def publish_live(self, message):
            sent.append(time.monotonic())

    settings = AgentSettings("s1", parse_broker_url("mqtt://127.0.0.1:1883"), (), agent_id="box-1", heartbeat_s=3.0)
    stop = threading.Event()
    outbox = Outbox(tmp_path / "outbox.db")
    began = time.monotonic()
    loop = threading.Thread(target=agent._heartbeat_loop, args=(Publisher(), settings, [], outbox, stop))
    loop.start()
    try:
        while len(sent) < 2 and time.monotonic() - began < 10:
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(5)
        outbox.close()
    assert len(sent) >= 2
    assert sent[0] - began < 2.0 and sent[1] - sent[0] > 2.5  # first after 0.2 s, then heartbeat_s apart
