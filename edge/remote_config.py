"""Remote configuration: the hub publishes a camera's configuration on a retained topic; the
agent validates it and applies it without restarting.

    retail/v1/config/{store}/{camera}  {"schema_version": 1, "kind": "config", "store_id", "camera_id",
                                        "config": {lines: […], zones: […], detector: {…}, …}}

A configuration that fails validation is rejected: a config-status "rejected" with the errors
goes back to the hub, and the configuration in force stays. A valid one is handed to the camera,
which switches at its next window boundary (so no window mixes two configurations), then
reports "applied"; a changed view or detector section builds the camera a new detector (a
top-down one then learns its floor again). The camera's source is not changed remotely: it stays
the local file's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from edge.config import CameraConfig, camera_config_from_data
from edge.errors import ConfigError
from edge.protocol.topics import parse_topic

__all__ = ["RemoteConfig", "parse_remote_config", "config_sha256"]


@dataclass(frozen=True, slots=True)
class RemoteConfig:
    camera_id: str
    config: CameraConfig | None  # None when rejected
    sha256: str
    errors: tuple[str, ...] = ()


def config_sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def parse_remote_config(topic: str, payload: bytes, store_id: str,
                        current: dict[str, CameraConfig]) -> RemoteConfig | None:
    """Validate one config message for this agent's cameras; None when it is not for us.

    Pure: never raises on bad input; errors come back in RemoteConfig.errors.
    """
    parsed = parse_topic(topic)
    if parsed is None or parsed.kind != "config" or parsed.store_id != store_id:
        return None
    camera_id = parsed.subject_id
    sha = config_sha256(payload)
    if camera_id not in current:
        return None  # a camera of another box of the same store
    if not payload:
        return None  # a cleared retained message
    try:
        document = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        return RemoteConfig(camera_id, None, sha, (f"not JSON: {str(e)[:150]}",))
    if not isinstance(document, dict) or document.get("schema_version") != 1 or document.get("kind") != "config":
        return RemoteConfig(camera_id, None, sha, ("expected {\"schema_version\": 1, \"kind\": \"config\", …}",))
    if document.get("store_id") != store_id or document.get("camera_id") != camera_id:
        return RemoteConfig(camera_id, None, sha, ("store_id/camera_id differ from the topic",))
    section = document.get("config")
    local = current[camera_id]
    if isinstance(section, dict) and "source" in section:
        if section["source"] != local.source:
            return RemoteConfig(camera_id, None, sha, ("source: the camera's source is set in the local file only",))
        section = {k: v for k, v in section.items() if k != "source"}
    try:
        config = camera_config_from_data(section, camera_id, where="config")
    except ConfigError as e:
        lines = str(e).splitlines()[1:] or [str(e)]
        return RemoteConfig(camera_id, None, sha, tuple(line.strip()[:240] for line in lines[:20]))
    return RemoteConfig(camera_id, replace(config, source=local.source), sha)
