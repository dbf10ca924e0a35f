"""The running agent: camera pipeline(s) → windows → outbox → publisher, until the end or a signal.

Threads: the camera loop runs on the caller's thread (named after the camera) and the publisher
drains the outbox on its own thread; one stop event ends both. On a file source the agent exits
once the last window is acknowledged by the broker; on a live source it runs until stopped,
reopening a dropped stream with backoff.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from edge.config import CameraConfig
from edge.delivery.broker import BrokerAddress
from edge.delivery.mqtt import Publisher
from edge.delivery.outbox import Outbox
from edge.detections.yolox import YoloxDetector
from edge.errors import SourceError
from edge.frames.sources import VideoSource, parse_source
from edge.pipeline import CameraPipeline
from edge.protocol.messages import agent_message, window_message
from edge.windows.aggregate import WindowAggregate
from edge.windows.clock import iso_z, to_utc

__all__ = ["AgentSettings", "AgentResult", "run_agent", "default_agent_id", "default_state_dir", "FILE_EPOCH"]

log = logging.getLogger("retail_edge.agent")

# A file's timeline starts here unless --start is given: the same on every run, so a re-run after
# a crash produces the same windows (the same message ids) and replaces instead of adding.
FILE_EPOCH = "2000-01-01T00:00:00Z"
HEARTBEAT_S = 30.0
RECONNECT_MAX_S = 30.0


def default_agent_id() -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().lower()).strip("-")
    return (name or "agent")[:64]


def default_state_dir() -> Path:
    base = os.environ.get("RETAIL_EDGE_STATE_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "retail-edge"
    )
    return Path(base)


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """One camera's agent run.

    Args:
        source: --source text (file, URL or camera index).
        window_s: aggregation window in seconds.
        start: on a file, the UTC time of the video's first frame (windows follow the video).
        outbox_path: the SQLite outbox file.
        heartbeat_s: seconds between heartbeats.
    """

    source: str
    store_id: str
    camera_id: str
    broker: BrokerAddress
    camera: CameraConfig
    window_s: int = 60
    agent_id: str = field(default_factory=default_agent_id)
    start: datetime | None = None
    outbox_path: Path | None = None
    heartbeat_s: float = HEARTBEAT_S
    max_frames: int | None = None


@dataclass(frozen=True, slots=True)
class AgentResult:
    frames: int
    windows: int
    pending: int  # messages still in the outbox (0 after a completed file run)


@dataclass(slots=True)
class _Health:
    """Figures for the heartbeat (aggregates of the agent itself, nothing about people)."""

    camera_state: str = "starting"
    frames: int = 0
    dropped_frames: int = 0
    reconnects: int = 0
    inference_ms: float = 0.0
    fps: float = 0.0
    _window_started: float = field(default_factory=time.monotonic)
    _window_frames: int = 0

    def tick(self, inference_ms: float) -> None:
        self.frames += 1
        self._window_frames += 1
        self.inference_ms = 0.9 * self.inference_ms + 0.1 * inference_ms if self.inference_ms else inference_ms
        elapsed = time.monotonic() - self._window_started
        if elapsed >= 5.0:
            self.fps = self._window_frames / elapsed
            self._window_started, self._window_frames = time.monotonic(), 0


def run_agent(settings: AgentSettings, stop: threading.Event) -> AgentResult:
    """Count and publish until the file ends (and is delivered) or `stop` is set.

    Raises:
        SourceError: a file source that cannot be opened (a live one is retried instead).
        ModelError: the model is missing or corrupt.
        DeliveryError: the outbox cannot be opened.
    """
    spec = parse_source(settings.source)
    detector = YoloxDetector()
    outbox_path = settings.outbox_path or default_state_dir() / f"outbox-{settings.store_id}-{settings.agent_id}.db"
    outbox = Outbox(outbox_path)
    publisher = Publisher(settings.broker, outbox, settings.store_id, settings.agent_id)
    health = _Health()
    pipeline = CameraPipeline(settings.camera, detector, settings.window_s, settings.store_id, settings.camera_id)
    windows_sent = 0

    def enqueue(windows) -> None:
        nonlocal windows_sent
        for window in windows:
            outbox.put(window_message(window, settings.agent_id))
            windows_sent += 1
            _log_window(window)
        if windows:
            publisher.notify()

    if len(outbox):
        log.info("%d messages from an earlier run wait in the outbox %s; sending them first", len(outbox), outbox_path)
    publisher.start()
    heartbeat = threading.Thread(
        target=_heartbeat_loop, args=(publisher, settings, health, outbox, stop), name="heartbeat", daemon=True
    )
    heartbeat.start()
    try:
        if spec.is_live:
            _run_live(settings, pipeline, health, enqueue, stop)
        else:
            _run_file(settings, pipeline, health, enqueue, stop)
        if not spec.is_live and not stop.is_set():
            log.info("video done: %d windows; waiting for the broker to acknowledge them", windows_sent)
            publisher.wait_drained(stop)
    finally:
        stop.set()
        heartbeat.join(2)
        publisher.stop()
        pending = len(outbox)
        outbox.close()
    if pending:
        log.warning("%d messages remain in the outbox %s; they are sent on the next start", pending, outbox_path)
    return AgentResult(health.frames, windows_sent, pending)


def _log_window(window: WindowAggregate) -> None:
    log.info("window %s → %s: in %d, out %d (%d frames)", iso_z(window.start), iso_z(window.end),
             window.in_count, window.out_count, window.frames)


def _run_file(settings: AgentSettings, pipeline: CameraPipeline, health: _Health, enqueue, stop) -> None:
    from edge.windows.clock import parse_iso_z

    epoch = (settings.start or parse_iso_z(FILE_EPOCH)).timestamp()
    with VideoSource(parse_source(settings.source)) as video:
        health.camera_state = "reading"
        for frame in video.frames(settings.max_frames):
            if stop.is_set():
                return  # the open window is not flushed: a re-run sends it whole, same id
            began = time.perf_counter()
            result = pipeline.process(frame, epoch + frame.ts)
            health.tick((time.perf_counter() - began) * 1000)
            enqueue(result.windows)
        health.camera_state = "ended"
    enqueue(pipeline.finish())


def _run_live(settings: AgentSettings, pipeline: CameraPipeline, health: _Health, enqueue, stop) -> None:
    """Wall-clock windows; a dropped or unreachable stream is reopened with exponential backoff."""
    backoff = 1.0
    while not stop.is_set():
        try:
            video = VideoSource(parse_source(settings.source))
        except SourceError as e:
            health.camera_state = "unreachable"
            log.warning("%s; retrying in %.0f s", e, backoff)
            enqueue(pipeline.aggregator.close(time.time()))  # windows keep closing while it is down
            stop.wait(backoff)
            backoff = min(backoff * 2, RECONNECT_MAX_S)
            continue
        health.camera_state = "streaming"
        backoff = 1.0
        with video:
            for frame in video.frames():
                if stop.is_set():
                    break
                began = time.perf_counter()
                result = pipeline.process(frame, frame.ts)
                health.tick((time.perf_counter() - began) * 1000)
                enqueue(result.windows)
        if not stop.is_set():
            health.camera_state = "reconnecting"
            health.reconnects += 1
            log.warning("camera %s stopped delivering frames; reconnecting", settings.camera_id)
    enqueue(pipeline.finish())


def _heartbeat_loop(publisher: Publisher, settings: AgentSettings, health: _Health, outbox: Outbox, stop) -> None:
    while not stop.wait(settings.heartbeat_s):
        payload = {
            "schema_version": 1, "kind": "heartbeat", "store_id": settings.store_id,
            "agent_id": settings.agent_id, "at": iso_z(to_utc(time.time())),
            "cameras": [{
                "camera_id": settings.camera_id, "state": health.camera_state,
                "fps": round(health.fps, 2), "inference_ms": round(health.inference_ms, 2),
                "dropped_frames": health.dropped_frames, "reconnects": health.reconnects,
            }],
            "backlog_pending": len(outbox), "backlog_dropped": outbox.dropped,
        }
        publisher.publish_live(agent_message("heartbeat", settings.store_id, settings.agent_id, payload))
