"""WindowAggregate → Message: the only way a figure leaves the agent.

The payload is built field by field from the aggregate and validated against the schema before
it is returned; the schema allows only counts, histograms and coarse grids.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from edge.protocol.schema import SCHEMA_VERSION, schema_errors
from edge.protocol.topics import topic_for
from edge.windows.aggregate import WindowAggregate
from edge.windows.clock import iso_z

__all__ = ["Message", "message_id_for", "window_message", "agent_message", "MessageError", "SCHEMA_FOR_KIND"]

# Every topic kind the agent publishes has its schema; nothing leaves without passing it.
SCHEMA_FOR_KIND = {
    "metrics": "metrics-v1",
    "status": "status-v1",
    "heartbeat": "heartbeat-v1",
    "alerts": "alert-v1",
    "config-status": "config-status-v1",
}


class MessageError(ValueError):
    """A payload that does not satisfy the schema (a bug: it is never published)."""


@dataclass(frozen=True, slots=True)
class Message:
    """A schema-valid MQTT message ready for the outbox.

    message_id is deterministic: the same window of the same camera always has the same id, so
    a re-sent window replaces the stored one and never adds to it.
    """

    message_id: str
    topic: str
    payload: bytes


def message_id_for(store_id: str, camera_id: str, metric: str, start: datetime | str) -> str:
    """start: an aware datetime, or its iso_z() string."""
    key = f"{store_id}/{camera_id}/{metric}/{start if isinstance(start, str) else iso_z(start)}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def window_payload(window: WindowAggregate, agent_id: str) -> dict:
    payload: dict = {
        "schema_version": SCHEMA_VERSION,
        "kind": "window",
        "message_id": message_id_for(window.store_id, window.camera_id, "window", window.start),
        "store_id": window.store_id,
        "camera_id": window.camera_id,
        "agent_id": agent_id,
        "window": {"start": iso_z(window.start), "end": iso_z(window.end)},
        "frames": window.frames,
        **({} if window.seen_s is None else {"seen_s": round(window.seen_s, 1)}),
        "lines": [{"line_id": t.line_id, "in": t.in_count, "out": t.out_count} for t in window.lines],
    }
    if window.zones:
        payload["zones"] = [z.to_payload() for z in window.zones]
    if window.heatmap is not None:
        payload["heatmap"] = window.heatmap.to_payload()
    if window.mascots:
        payload["mascots"] = [m.to_payload() for m in window.mascots]
    return payload


def window_message(window: WindowAggregate, agent_id: str) -> Message:
    """Raises MessageError when the payload would not satisfy the schema."""
    payload = window_payload(window, agent_id)
    errors = schema_errors(payload)
    if errors:
        raise MessageError(f"window payload violates the schema: {'; '.join(errors[:3])}")
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return Message(payload["message_id"], topic_for("metrics", window.store_id, window.camera_id), body)


def agent_message(kind: str, store_id: str, subject_id: str, document: dict) -> Message:
    """A status, heartbeat, alert or config-status message, validated against its schema.

    The message id is the document's own `message_id` when it has one (alerts), else a hash of
    the payload (status and heartbeats are live-only and never deduplicated).

    Raises:
        MessageError: the document does not satisfy the kind's schema.
    """
    errors = schema_errors(document, SCHEMA_FOR_KIND[kind])
    if errors:
        raise MessageError(f"{kind} payload violates the schema: {'; '.join(errors[:3])}")
    body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    message_id = document.get("message_id") or hashlib.sha256(body).hexdigest()[:32]
    return Message(message_id, topic_for(kind, store_id, subject_id), body)
