"""The running agent: N camera workers → outbox → publisher, until the files end or a signal.

    cam:{id}:capture ─▶ cam:{id}:pipeline ─┐
    cam:{id}:capture ─▶ cam:{id}:pipeline ─┼─▶ outbox (SQLite) ─▶ publisher ─▶ MQTT
                                 heartbeat ─┘ (live only)

One stop event ends every thread. When every camera is a file, the agent exits once the last
window is acknowledged by the broker; with a live camera it runs until stopped (SIGTERM).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path

from edge.camera_worker import CameraWorker
from edge.config import CameraConfig, EdgeConfig, parse_line_arg
from edge.delivery.broker import BrokerAddress, parse_broker_url
from edge.delivery.mqtt import Publisher
from edge.delivery.outbox import Outbox
from edge.detections.factory import make_detector, working_size
from edge.errors import ConfigError
from edge.frames.sources import parse_source
from edge.mascots.live import MascotsConfig, mascots_config
from edge.protocol.messages import agent_message, window_message
from edge.protocol.topics import subscription
from edge.remote_config import RemoteConfig, parse_remote_config
from edge.windows.clock import iso_z, parse_iso_z, to_utc
from edge.windows.open_windows import OpenWindows

__all__ = ["AgentSettings", "AgentResult", "run_agent", "settings_from_config", "settings_from_args",
           "default_agent_id", "default_state_dir", "default_outbox_path", "open_windows_path", "heartbeat_document",
           "FILE_EPOCH"]

log = logging.getLogger("retail_edge.agent")

# A file's timeline starts here unless a start is given: the same on every run, so a re-run after
# a crash produces the same windows (the same message ids) and replaces instead of adding.
FILE_EPOCH = "2000-01-01T00:00:00Z"
HEARTBEAT_S = 30.0
FIRST_HEARTBEAT_S = 5.0  # the first comes soon after start: an installer sees the cameras' state at once


def default_agent_id() -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().lower()).strip("-")
    return (name or "agent")[:64]


def default_state_dir() -> Path:
    base = os.environ.get("RETAIL_EDGE_STATE_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "retail-edge"
    )
    return Path(base)


def default_outbox_path(store_id: str, agent_id: str) -> Path:
    """Where an agent keeps its outbox unless its config says otherwise (one file per agent)."""
    return default_state_dir() / f"outbox-{store_id}-{agent_id}.db"


def open_windows_path(outbox_path: str | Path) -> Path:
    """Where the live cameras' open windows are kept: beside the outbox (edge/windows/open_windows.py)."""
    outbox_path = Path(outbox_path)
    return outbox_path.with_name(outbox_path.stem + "-open-windows.db")


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """One agent: a store's cameras and where their windows go.

    Args:
        cameras: each with its camera_id and source.
        window_s: aggregation window in seconds.
        start: on files, the UTC time of the first frame (windows follow the video).
        outbox_path: the SQLite outbox file (default: the state dir).
        min_count: the small-cell rule's k.
        heartbeat_s: seconds between heartbeats.
    """

    store_id: str
    broker: BrokerAddress
    cameras: tuple[CameraConfig, ...]
    window_s: int = 60
    agent_id: str = field(default_factory=default_agent_id)
    start: datetime | None = None
    outbox_path: Path | None = None
    min_count: int = 5
    heartbeat_s: float = HEARTBEAT_S
    max_frames: int | None = None
    mascots: MascotsConfig | None = None


@dataclass(frozen=True, slots=True)
class AgentResult:
    frames: int
    windows: int
    pending: int  # messages still in the outbox (0 after a completed file run)
    failed_cameras: tuple[str, ...] = ()


def _broker(url: str, field_name: str, username=None, password=None, ca_file=None) -> BrokerAddress:
    try:
        address = parse_broker_url(url, field_name)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    return replace(address, username=username or address.username, password=password or address.password,
                   ca_file=str(ca_file) if ca_file else None)


def _check_window(window_s: int) -> int:
    if window_s <= 0 or 86400 % window_s:
        raise ConfigError(f"--window: expected seconds that divide a day (10, 60, 300, 3600…), got {window_s}")
    return window_s


def settings_from_config(config: EdgeConfig, broker_url: str | None = None, window_s: int | None = None,
                         start: datetime | None = None, outbox_path: Path | None = None,
                         agent_id: str | None = None, max_frames: int | None = None) -> AgentSettings:
    """An agent file plus command-line overrides → AgentSettings. Raises ConfigError."""
    b = config.broker
    for camera in config.cameras:
        if not camera.source:
            raise ConfigError(f"cameras.{camera.camera_id}.source: every camera of an agent needs a source")
        parse_source(camera.source)  # a missing file is a config error now, not a failed thread later
    return AgentSettings(
        store_id=config.store_id,
        broker=_broker(broker_url or b.url, "--broker" if broker_url else "broker.url", b.username, b.password,
                       b.ca_file),
        cameras=config.cameras,
        window_s=_check_window(config.window_s if window_s is None else window_s),
        agent_id=agent_id or config.agent_id or default_agent_id(),
        start=start,
        outbox_path=outbox_path or config.outbox,
        min_count=config.privacy.min_count,
        max_frames=max_frames,
        mascots=mascots_config(config.mascots),
    )


def settings_from_args(source: str, store_id: str, camera_id: str, line: str, broker_url: str,
                       window_s: int | None = None, start: datetime | None = None, outbox_path: Path | None = None,
                       agent_id: str | None = None, max_frames: int | None = None,
                       mascots_dir: Path | None = None) -> AgentSettings:
    """The quick single-camera form (--source --store --camera --line --broker). Raises ConfigError/SourceError."""
    parse_source(source)
    camera = CameraConfig(lines=(parse_line_arg(line),), camera_id=camera_id, source=source)
    return AgentSettings(store_id=store_id, broker=_broker(broker_url, "--broker"), cameras=(camera,),
                         window_s=_check_window(60 if window_s is None else window_s),
                         agent_id=agent_id or default_agent_id(),
                         start=start, outbox_path=outbox_path, max_frames=max_frames,
                         mascots=mascots_config({"dir": str(mascots_dir)}) if mascots_dir else None)


def run_agent(settings: AgentSettings, stop: threading.Event) -> AgentResult:
    """Count and publish until every file ends (and is delivered) or `stop` is set.

    Raises:
        SourceError: a file source that cannot be opened (a live one is retried instead).
        ModelError: the model is missing or corrupt.
        DeliveryError: the outbox cannot be opened.
    """
    outbox_path = settings.outbox_path or default_outbox_path(settings.store_id, settings.agent_id)
    outbox = Outbox(outbox_path)
    open_windows = OpenWindows(open_windows_path(outbox_path))
    remote = _RemoteConfigHandler(settings, outbox)
    publisher = Publisher(settings.broker, outbox, settings.store_id, settings.agent_id,
                          on_message=remote.on_message, subscriptions=(subscription("config", settings.store_id),))
    remote.publisher = publisher
    counter = {"windows": 0}
    counter_lock = threading.Lock()

    def enqueue(windows) -> None:
        for window in windows:
            outbox.put(window_message(window, settings.agent_id))
        with counter_lock:
            counter["windows"] += len(windows)
        publisher.notify()

    epoch = (settings.start or parse_iso_z(FILE_EPOCH)).timestamp()
    # Split the cores between cameras: one onnxruntime session per camera, run in parallel.
    threads = max(1, (os.cpu_count() or 1) // len(settings.cameras))
    alerts = _AlertSender(settings, outbox, publisher)
    registry = _mascot_registry(settings)
    workers = [
        CameraWorker(camera, make_detector(camera, threads),
                     settings.store_id, settings.window_s, enqueue, stop, epoch, settings.min_count,
                     settings.max_frames, mascots=_mascot_sampler(settings, registry, camera.camera_id),
                     on_alerts=partial(alerts.send, camera.camera_id),
                     new_detector=partial(make_detector, threads=threads), open_windows=open_windows)
        for camera in settings.cameras
    ]
    remote.workers = {w.camera.camera_id: w for w in workers}
    if len(outbox):
        log.info("%d messages from an earlier run wait in the outbox %s; sending them first", len(outbox), outbox_path)
    publisher.start()
    heartbeat = threading.Thread(target=_heartbeat_loop, args=(publisher, settings, workers, outbox, stop),
                                 name="heartbeat", daemon=True)
    heartbeat.start()
    try:
        for w in workers:
            w.start()
        while any(w.is_alive() for w in workers) and not stop.is_set():
            time.sleep(0.2)
        for w in workers:
            w.join(10)
        if not stop.is_set():
            log.info("all sources done: %d windows; waiting for the broker to acknowledge them", counter["windows"])
            publisher.wait_drained(stop)
    finally:
        stop.set()
        for w in workers:
            w.join(10)
        heartbeat.join(2)
        publisher.stop()
        pending = len(outbox)
        outbox.close()
        open_windows.close()
    if pending:
        log.warning("%d messages remain in the outbox %s; they are sent on the next start", pending, outbox_path)
    failed = tuple(w.camera.camera_id for w in workers if w.error is not None)
    return AgentResult(sum(w.health.frames for w in workers), counter["windows"], pending, failed)


def _mascot_registry(settings: AgentSettings):
    if settings.mascots is None:
        return None
    from edge.mascots.registry import MascotRegistry

    if not settings.mascots.directory.is_dir():
        raise ConfigError(f"mascots: no such folder {str(settings.mascots.directory)!r}")
    return MascotRegistry.from_directory(settings.mascots.directory)


def _mascot_sampler(settings: AgentSettings, registry, camera_id: str):
    if registry is None or not settings.mascots.watches(camera_id):
        return None
    from edge.mascots.detector import DetectorSettings, MascotDetector
    from edge.mascots.live import MascotSampler

    # one thread: the person detector has the cores; a mascot sample every second costs ~3% of one
    detector = MascotDetector(registry, DetectorSettings(threads=1, max_pixels=settings.mascots.max_pixels))
    return MascotSampler(detector, registry.ids, settings.mascots, settings.min_count)


class _AlertSender:
    """Mascot alerts → alert messages through the outbox (they must not be lost either)."""

    def __init__(self, settings: AgentSettings, outbox: Outbox, publisher: Publisher) -> None:
        self.settings, self.outbox, self.publisher = settings, outbox, publisher

    def send(self, camera_id: str, alerts: list) -> None:
        for alert in alerts:
            raised = iso_z(to_utc(alert.ts))
            key = f"{self.settings.store_id}/{camera_id}/alert/{alert.mascot_id}/{raised}"
            document = {
                "schema_version": 1, "kind": "alert", "store_id": self.settings.store_id, "camera_id": camera_id,
                "agent_id": self.settings.agent_id, "alert": "mascot-missing", "mascot_id": alert.mascot_id,
                "message_id": hashlib.sha256(key.encode()).hexdigest()[:32], "raised_at": raised,
                "message": f"{alert.mascot_id} not seen for {alert.missing_s / 60:.0f} min",
            }
            self.outbox.put(agent_message("alerts", self.settings.store_id, camera_id, document))
            log.warning("camera %s: %s", camera_id, document["message"])
        self.publisher.notify()


class _RemoteConfigHandler:
    """Config messages (paho's thread) → validated → the camera switches at its next window."""

    def __init__(self, settings: AgentSettings, outbox: Outbox) -> None:
        self.settings, self.outbox = settings, outbox
        self.workers: dict[str, CameraWorker] = {}
        self.publisher: Publisher | None = None
        self._applied: dict[str, str] = {}  # camera_id → sha256 of the configuration in force

    def on_message(self, topic: str, payload: bytes) -> None:
        current = {cid: w.camera for cid, w in self.workers.items()}
        result = parse_remote_config(topic, payload, self.settings.store_id, current)
        if result is None or self._applied.get(result.camera_id) == result.sha256:
            return  # not ours, or the retained copy of what is already in force
        if result.config is None:
            log.error("camera %s: remote configuration rejected, the current one stays: %s",
                      result.camera_id, "; ".join(result.errors))
            self._report(result, "rejected")
            return
        self.workers[result.camera_id].request_config(result.config, lambda: self._report(result, "applied"))

    def _report(self, result: RemoteConfig, state: str) -> None:
        if state == "applied":
            self._applied[result.camera_id] = result.sha256
        document = {"schema_version": 1, "kind": "config-status", "store_id": self.settings.store_id,
                    "camera_id": result.camera_id, "agent_id": self.settings.agent_id, "state": state,
                    "config_sha256": result.sha256, "errors": list(result.errors),
                    "at": iso_z(to_utc(time.time()))}
        self.outbox.put(agent_message("config-status", self.settings.store_id, result.camera_id, document))
        if self.publisher is not None:
            self.publisher.notify()


def heartbeat_document(settings: AgentSettings, workers: list[CameraWorker], outbox: Outbox) -> dict:
    """The agent's health now (edge/protocol/schema/heartbeat-v1.json): nothing about people."""
    return {
        "schema_version": 1, "kind": "heartbeat", "store_id": settings.store_id,
        "agent_id": settings.agent_id, "at": iso_z(to_utc(time.time())),
        "cameras": [{
            "camera_id": w.camera.camera_id, "state": w.health.state,
            "fps": round(w.health.fps, 2), "inference_ms": round(w.health.inference_ms, 2),
            "dropped_frames": w.health.dropped_frames, "reconnects": w.health.reconnects,
            **working_size(w.detector),
        } for w in workers],
        "backlog_pending": len(outbox), "backlog_dropped": outbox.dropped,
    }


def _heartbeat_loop(publisher: Publisher, settings: AgentSettings, workers: list[CameraWorker],
                    outbox: Outbox, stop: threading.Event) -> None:
    wait_s = min(FIRST_HEARTBEAT_S, settings.heartbeat_s)
    while not stop.wait(wait_s):
        wait_s = settings.heartbeat_s
        document = heartbeat_document(settings, workers, outbox)
        publisher.publish_live(agent_message("heartbeat", settings.store_id, settings.agent_id, document))
