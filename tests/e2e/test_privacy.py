"""Privacy audit: everything that leaves the agent during a real run, seen from the broker (`#`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.protocol.messages import SCHEMA_FOR_KIND
from edge.protocol.schema import schema_errors
from edge.protocol.topics import parse_topic
from helpers import CLIP_LINE, cli

pytestmark = pytest.mark.e2e

FORBIDDEN_KEY = re.compile(r"image|frame_data|jpeg|png|pixel|crop|face|track|bbox|box|xy|coord|trajector|embedding",
                           re.I)
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"/9j/", b"iVBOR")  # JPEG/PNG raw and base64
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".mp4", ".avi", ".mkv", ".npy", ".ppm"}


def walk(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
            yield ("key", f"{path}.{key}", key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}[{i}]")
    else:
        yield ("value", path, node)


def test_every_message_is_a_schema_valid_aggregate(mosquitto, clip, tmp_path):
    seen: list[tuple[str, bytes]] = []
    lock = threading.Lock()
    sniffer = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="audit")

    def on_message(client, userdata, message):
        with lock:
            seen.append((message.topic, message.payload))

    sniffer.on_message = on_message
    sniffer.connect("127.0.0.1", mosquitto.port)
    sniffer.subscribe("#", qos=1)
    sniffer.loop_start()
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    try:
        r = subprocess.run(
            [cli("retail-edge"), "run", "--source", clip, "--store", "s1", "--camera", "cam-1",
             "--broker", mosquitto.url, "--line", CLIP_LINE, "--window", "10",
             "--outbox", str(tmp_path / "state" / "outbox.db")],
            capture_output=True, text=True, timeout=600, cwd=workdir,
            env=dict(os.environ, RETAIL_EDGE_STATE_DIR=str(tmp_path / "state")),
        )
        assert r.returncode == 0, r.stderr[-2000:]
    finally:
        sniffer.loop_stop()
        sniffer.disconnect()

    kinds = [parse_topic(t).kind for t, _ in seen]
    assert kinds.count("metrics") == 5 and "status" in kinds, kinds
    for topic, payload in seen:
        parsed = parse_topic(topic)
        assert parsed is not None, f"unexpected topic {topic}"
        assert not any(magic in payload for magic in IMAGE_MAGIC), topic
        document = json.loads(payload)
        assert schema_errors(document, SCHEMA_FOR_KIND[parsed.kind]) == [], topic
        for what, path, item in walk(document):
            if what == "key":
                assert not FORBIDDEN_KEY.search(item), f"{topic}: key {path}"
            elif isinstance(item, str):
                assert len(item) <= 256, f"{topic}: long string at {path}"
        if parsed.kind == "metrics":
            # per-window totals only: no list in the payload is as long as the number of frames
            assert set(document) <= {"schema_version", "kind", "message_id", "store_id", "camera_id", "agent_id",
                                     "window", "frames", "seen_s", "lines", "zones", "heatmap", "mascots"}

    # the agent wrote no image or video anywhere: not in its working dir, not in its state dir
    written = [p for p in tmp_path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES]
    assert written == [], written
