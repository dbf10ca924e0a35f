"""Build and parse MQTT topics. One meaning per level; kind before ids; version in the path.

    retail/v1/metrics/{store_id}/{camera_id}        agent → hub   window aggregates (QoS 1)
    retail/v1/alerts/{store_id}/{camera_id}         agent → hub   e.g. a mascot not seen
    retail/v1/status/{store_id}/{agent_id}          agent → hub   retained online/offline (will)
    retail/v1/heartbeat/{store_id}/{agent_id}       agent → hub   health figures
    retail/v1/config/{store_id}/{camera_id}         hub → agent   retained camera configuration
    retail/v1/config-status/{store_id}/{camera_id}  agent → hub   applied / rejected
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PREFIX", "KINDS", "Topic", "topic_for", "parse_topic", "is_valid_id", "subscription"]

PREFIX = "retail/v1"
KINDS = ("metrics", "alerts", "status", "heartbeat", "config", "config-status")
ID_PATTERN = re.compile(r"^[a-z0-9-]{1,64}$")


def is_valid_id(text: str) -> bool:
    return bool(ID_PATTERN.match(text))


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed topic: kind, store_id, and the camera or agent id (`subject_id`)."""

    kind: str
    store_id: str
    subject_id: str

    def __str__(self) -> str:
        return f"{PREFIX}/{self.kind}/{self.store_id}/{self.subject_id}"


def topic_for(kind: str, store_id: str, subject_id: str) -> str:
    """Raises ValueError for an unknown kind or an id outside [a-z0-9-]{1,64}."""
    if kind not in KINDS:
        raise ValueError(f"unknown topic kind {kind!r}; known: {', '.join(KINDS)}")
    for name, value in (("store_id", store_id), ("subject_id", subject_id)):
        if not is_valid_id(value):
            raise ValueError(f"{name} {value!r}: use 1–64 lowercase letters, digits or '-'")
    return str(Topic(kind, store_id, subject_id))


def parse_topic(topic: str) -> Topic | None:
    """The Topic, or None when the string is not one of ours."""
    parts = topic.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != PREFIX or parts[2] not in KINDS:
        return None
    if not (is_valid_id(parts[3]) and is_valid_id(parts[4])):
        return None
    return Topic(parts[2], parts[3], parts[4])


def subscription(kind: str, store_id: str = "+") -> str:
    """Wildcard subscription for one kind: every store by default."""
    return f"{PREFIX}/{kind}/{store_id}/+"
