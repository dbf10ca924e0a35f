"""`retail-edge check`: is this box ready? One pass/fail result per item, nothing changed.

    config       the agent file validates (done before any check runs)
    model        each shipped model file matches its checksum
    camera       each camera's source opens and yields a frame (within the open timeout), and its
                 lines and zones lie on that frame (edge.events.placement)
    broker       the broker accepts this store's login (TLS and credentials included)
    outbox       the outbox file can be opened for writing
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from edge.config import EdgeConfig
from edge.errors import RetailEdgeError

__all__ = ["CheckResult", "run_checks"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    item: str
    ok: bool
    detail: str


def _models() -> list[CheckResult]:
    from edge.models import MODEL_SHA256, verified_model_path

    results = []
    for name in MODEL_SHA256:
        try:
            path = verified_model_path(name)
            results.append(CheckResult(f"model {name}", True, f"sha256 matches ({path})"))
        except RetailEdgeError as e:
            results.append(CheckResult(f"model {name}", False, str(e)))
    return results


def _camera(camera) -> CheckResult:
    from edge.events.placement import check_placement
    from edge.frames.sources import open_source

    try:
        with open_source(camera.source or "") as video:
            frame = next(iter(video.frames(1)), None)
        if frame is None:
            return CheckResult(f"camera {camera.camera_id}", False, f"{camera.source} opened but gave no frame")
        h, w = frame.image.shape[:2]
        pixels = camera.in_pixels((w, h))
        placement = check_placement(pixels.lines, pixels.zones, (w, h))
        problems = "; ".join(placement.errors + placement.warnings)
        detail = f"{w}×{h} at {video.fps:.0f} fps" + (f"; {problems}" if problems else "")
        return CheckResult(f"camera {camera.camera_id}", not placement.errors, detail)
    except RetailEdgeError as e:
        return CheckResult(f"camera {camera.camera_id}", False, str(e))


def _broker(config: EdgeConfig, timeout_s: float) -> CheckResult:
    import ssl

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from edge.delivery.broker import parse_broker_url

    try:
        address = parse_broker_url(config.broker.url, "broker.url")
    except ValueError as e:
        return CheckResult("broker", False, str(e))
    answered = threading.Event()
    outcome: dict = {}

    def on_connect(client, userdata, flags, reason_code, properties):
        outcome["reason"] = reason_code
        answered.set()

    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5,
                         client_id=f"check-{config.store_id}"[:64])
    client.on_connect = on_connect
    username = config.broker.username or address.username
    if username:
        client.username_pw_set(username, config.broker.password or address.password)
    try:
        if address.is_tls:
            client.tls_set(ca_certs=str(config.broker.ca_file) if config.broker.ca_file else None,
                           cert_reqs=ssl.CERT_REQUIRED)
        client.connect(address.host, address.port, keepalive=10)
    except (OSError, ssl.SSLError, ValueError) as e:
        return CheckResult("broker", False, f"cannot reach {address}: {e}")
    client.loop_start()
    try:
        if not answered.wait(timeout_s):
            return CheckResult("broker", False, f"{address} did not answer the login within {timeout_s:.0f} s")
        reason = outcome["reason"]
        if reason.is_failure:
            return CheckResult("broker", False, f"{address} refused the login as {username or 'anonymous'}: {reason}")
        return CheckResult("broker", True, f"logged in to {address} as {username or 'anonymous'}")
    finally:
        client.disconnect()
        client.loop_stop()


def _outbox(config: EdgeConfig) -> CheckResult:
    from edge.agent import default_agent_id, default_outbox_path
    from edge.delivery.outbox import Outbox

    path = config.outbox or default_outbox_path(config.store_id, config.agent_id or default_agent_id())
    try:
        box = Outbox(path)
        pending = len(box)
        box.close()
    except RetailEdgeError as e:
        return CheckResult("outbox", False, str(e))
    return CheckResult("outbox", True, f"{path} ({pending} messages pending)")


def run_checks(config: EdgeConfig, broker_timeout_s: float = 10.0) -> list[CheckResult]:
    """Every check, in order; never raises for a failed item."""
    results = _models()
    results += [_camera(camera) for camera in config.cameras]
    results.append(_broker(config, broker_timeout_s))
    results.append(_outbox(config))
    return results
