"""Publish a camera's configuration to its agent: retained, QoS 1, validated before it leaves.

    retail-hub config push --broker URL --store s1 --camera front --file front.yaml

The agent answers on retail/v1/config-status/{store}/{camera} ("applied" or "rejected" with the
errors); the hub stores the answer in camera_configs (see `retail-hub config status`).
"""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.config import camera_config_from_data, read_yaml
from edge.delivery.broker import BrokerAddress
from edge.errors import ConfigError as EdgeConfigError
from edge.protocol.topics import topic_for
from hub.errors import ConfigError, RetailHubError

__all__ = ["config_message", "push_config"]


def config_message(store_id: str, camera_id: str, path: Path) -> tuple[str, bytes]:
    """(topic, payload) for a camera file; raises ConfigError naming the file's errors."""
    try:
        data = read_yaml(path, "--file")
        camera_config_from_data(data, camera_id, where=str(path))
        topic = topic_for("config", store_id, camera_id)
    except (EdgeConfigError, ValueError) as e:
        raise ConfigError(str(e)) from None
    document = {"schema_version": 1, "kind": "config", "store_id": store_id, "camera_id": camera_id, "config": data}
    return topic, json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def push_config(broker: BrokerAddress, topic: str, payload: bytes, timeout_s: float = 15) -> None:
    """Publish retained with QoS 1 and wait for the broker's acknowledgement."""
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.is_tls:
        client.tls_set(ca_certs=broker.ca_file, cert_reqs=ssl.CERT_REQUIRED)
    try:
        client.connect(broker.host, broker.port, keepalive=15)
    except OSError as e:
        raise RetailHubError(f"cannot reach the broker {broker}: {e}") from None
    client.loop_start()
    try:
        info = client.publish(topic, payload, qos=1, retain=True)
        info.wait_for_publish(timeout_s)
        if not info.is_published():
            raise RetailHubError(f"the broker {broker} did not acknowledge the configuration within {timeout_s:.0f} s")
    finally:
        client.disconnect()
        client.loop_stop()
