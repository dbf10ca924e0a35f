"""Pure validation: (topic, bytes, now) → MetricRow or Rejection. Never raises on bad input.

Every check names its reason, which goes into the dead_letters table:
  topic      not one of ours, or a kind the hub does not take
  size       over MAX_PAYLOAD_BYTES
  json       not UTF-8 JSON, or not an object
  version    a schema_version the hub does not speak
  schema     missing, extra or ill-typed fields; negative or absurd numbers (the JSON Schema)
  identity   store/camera in the payload differ from the topic; message id not the one derived
             from (store, camera, metric, window start)
  window     end not after start; longer than a day; not aligned; in the future
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from edge.protocol.messages import SCHEMA_FOR_KIND, message_id_for
from edge.protocol.schema import SCHEMA_VERSION, schema_errors
from edge.protocol.topics import Topic, parse_topic
from edge.windows.clock import iso_z, parse_iso_z

__all__ = ["MetricRow", "StatusRow", "Rejection", "validate", "MAX_PAYLOAD_BYTES"]

MAX_PAYLOAD_BYTES = 64 * 1024
MAX_WINDOW = timedelta(days=1)
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST = datetime.fromisoformat("2000-01-01T00:00:00+00:00")
TAKEN_KINDS = frozenset(("metrics", "status", "heartbeat", "alerts", "config", "config-status"))

log = logging.getLogger("retail_hub.ingest")


@dataclass(frozen=True, slots=True)
class MetricRow:
    """A valid window aggregate, ready to store."""

    message_id: str
    store_id: str
    camera_id: str
    agent_id: str
    start: datetime
    end: datetime
    payload: dict
    start_iso: str = ""  # the payload's own strings (canonical: checked), so no one formats them again
    end_iso: str = ""
    payload_json: str = ""  # the payload's own text (valid JSON of `payload`), stored as it came


@dataclass(frozen=True, slots=True)
class StatusRow:
    """An agent's status or heartbeat (kind "status" | "heartbeat")."""

    kind: str
    store_id: str
    agent_id: str
    payload: dict


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str  # one of the headings in this module's docstring, then ": detail"
    topic: str
    received_at: datetime
    payload_excerpt: str
    size: int


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


_decode_json = json.JSONDecoder(parse_constant=_refuse_constant).decode  # one decoder, not one per message


@lru_cache(maxsize=4096)
def _parse_topic(topic: str) -> Topic | None:
    """parse_topic, remembered: a hub hears the same few thousand topics over and over."""
    return parse_topic(topic)


def _parse_window_time(text: str) -> tuple[datetime, bool]:
    """(the time, whether `text` is canonical, i.e. exactly iso_z of it). `text` has passed the
    schema's pattern. Raises ValueError for a date that does not exist (month 13)."""
    if len(text) == 20:  # YYYY-MM-DDTHH:MM:SSZ, the common case: no strftime to compare
        moment = datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
        return moment, moment.year >= 1000  # strftime writes years before 1000 unpadded
    moment = parse_iso_z(text)
    return moment, text == iso_z(moment)


def _reject(reason: str, topic: str, payload: bytes, now: datetime) -> Rejection:
    excerpt = payload[:512].decode("utf-8", "backslashreplace")
    return Rejection(reason, topic[:512], now, excerpt, len(payload))


def validate(topic: str, payload: bytes, now: datetime) -> MetricRow | StatusRow | Rejection:
    try:
        return _validate(topic, payload, now)
    except Exception as e:  # a check that raised is a bug, but one payload must not stop the hub
        log.exception("validating a message on %.200s raised", topic)
        return _reject(f"schema: could not be checked ({type(e).__name__}: {str(e)[:200]})", topic, payload, now)


def _validate(topic: str, payload: bytes, now: datetime) -> MetricRow | StatusRow | Rejection:
    parsed = _parse_topic(topic)
    if parsed is None or parsed.kind not in TAKEN_KINDS:
        return _reject("topic: not a retail/v1 topic the hub takes", topic, payload, now)
    if len(payload) > MAX_PAYLOAD_BYTES:
        return _reject(f"size: {len(payload)} bytes is over the {MAX_PAYLOAD_BYTES} byte limit", topic, payload, now)
    try:
        text = payload.decode("utf-8")
        if text.startswith("\ufeff"):  # as json.loads says
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        document = _decode_json(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as e:
        return _reject(f"json: {str(e)[:120]}", topic, payload, now)
    if not isinstance(document, dict):
        return _reject("json: the payload is not a JSON object", topic, payload, now)
    if document.get("schema_version") != SCHEMA_VERSION:
        return _reject(f"version: schema_version {str(document.get('schema_version'))[:20]!r} is not "
                       f"{SCHEMA_VERSION}", topic, payload, now)
    if document.get("store_id") != parsed.store_id:
        return _reject(f"identity: store_id {str(document.get('store_id'))[:70]!r} differs from the topic's "
                       f"{parsed.store_id!r}", topic, payload, now)
    if parsed.kind != "metrics":
        return _validate_status(parsed.kind, parsed.store_id, parsed.subject_id, document, topic, payload, now)
    errors = schema_errors(document)
    if errors:
        return _reject(f"schema: {'; '.join(errors[:3])}"[:500], topic, payload, now)
    if document["camera_id"] != parsed.subject_id:
        return _reject(f"identity: camera_id {document['camera_id']!r} differs from the topic's "
                       f"{parsed.subject_id!r}", topic, payload, now)
    start_iso, end_iso = document["window"]["start"], document["window"]["end"]
    try:
        (start, start_ok), (end, end_ok) = _parse_window_time(start_iso), _parse_window_time(end_iso)
    except ValueError as e:
        return _reject(f"window: not a valid time ({str(e)[:80]})", topic, payload, now)
    if not (start_ok and end_ok):
        return _reject("window: times must be written as YYYY-MM-DDTHH:MM:SSZ", topic, payload, now)
    if end <= start:
        return _reject("window: end is not after start", topic, payload, now)
    if end - start > MAX_WINDOW:
        return _reject(f"window: {end - start} is longer than {MAX_WINDOW}", topic, payload, now)
    if start < EARLIEST:
        return _reject(f"window: starts before {EARLIEST.date()}", topic, payload, now)
    if start > now + CLOCK_SKEW:
        return _reject("window: starts in the future", topic, payload, now)
    length_s = (end - start).total_seconds()
    if start.timestamp() % length_s:
        return _reject("window: start is not aligned to the window length", topic, payload, now)
    if document.get("seen_s", 0) > length_s:
        return _reject(f"schema: seen_s {document['seen_s']} is longer than the window ({length_s:g} s)",
                       topic, payload, now)
    expected = message_id_for(parsed.store_id, parsed.subject_id, "window", start_iso)
    if document["message_id"] != expected:
        return _reject("identity: message_id is not the one derived from store, camera and window start",
                       topic, payload, now)
    for zone in document.get("zones", []):
        occupancy = zone["occupancy"]
        if occupancy["current"] > occupancy["max"] or occupancy["mean"] > occupancy["max"]:
            return _reject(f"schema: zone {zone['zone_id']!r} occupancy exceeds its maximum", topic, payload, now)
    heatmap = document.get("heatmap")
    if heatmap is not None and len(heatmap["person_seconds"]) != heatmap["cols"] * heatmap["rows"]:
        return _reject("schema: heatmap has not cols × rows cells", topic, payload, now)
    return MetricRow(document["message_id"], parsed.store_id, parsed.subject_id, document["agent_id"],
                     start, end, document, start_iso, end_iso, text)


def _validate_status(kind, store_id, subject_id, document, topic, payload, now):
    if kind == "config":
        return StatusRow(kind, store_id, subject_id, document)  # the hub's own retained configs
    errors = schema_errors(document, SCHEMA_FOR_KIND[kind])
    if errors:
        return _reject(f"schema: {'; '.join(errors[:3])}"[:500], topic, payload, now)
    id_field = "agent_id" if kind in ("status", "heartbeat") else "camera_id"
    if document[id_field] != subject_id:
        return _reject(f"identity: {id_field} differs from the topic", topic, payload, now)
    return StatusRow(kind, store_id, subject_id, document)
