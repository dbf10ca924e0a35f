"""Camera and agent health from the agents table (status + heartbeat JSON) and the cameras catalogue.

    agent  online   its last status is online and it was heard from within AGENT_STALE_S
           offline  it said so (or its will did), or it has been silent for longer
    camera online   its agent is online and the heartbeat reports it running, or a window of it
                    arrived within max(3 windows, CAMERA_STALE_S) when there is no heartbeat and
                    its agent has not said it is offline (an agent that finished a file or was
                    stopped says so, or its will does; its cameras stop with it)
           offline  otherwise; `state` keeps what the heartbeat said (e.g. "reconnecting")

Heartbeat (edge/protocol/schema/heartbeat-v1.json): {"cameras": [{"camera_id", "state", "fps",
"inference_ms", "dropped_frames", "reconnects", and "input_size" (angled) or "person_size"
(top-down): the size its detector works at now}], "backlog_pending": n, "backlog_dropped": n}
(an older "outbox_pending" is read too); fields that are missing are shown as null.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from edge.windows.clock import iso_z, parse_iso_z
from hub.store import queries

__all__ = ["health_of", "AGENT_STALE_S", "CAMERA_STALE_S"]

AGENT_STALE_S = 120    # heartbeats come every few seconds; two minutes of silence is an outage
CAMERA_STALE_S = 180   # without a heartbeat, three minutes without a window
_RUNNING = {"streaming", "reading", "running"}  # heartbeat-v1 states of a camera that is being counted


def _age_s(stamp: str | None, now: datetime) -> float | None:
    if not stamp:
        return None
    try:
        return max(0.0, (now - parse_iso_z(stamp)).total_seconds())
    except ValueError:
        return None


def _number(value) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def health_of(db: sqlite_utils.Database, store_id: str, now: datetime) -> dict:
    agents, beats, said_offline = [], {}, set()
    for a in queries.agent_rows(db, store_id):
        age = _age_s(a["last_seen"], now)
        is_online = a["state"] == "online" and age is not None and age <= AGENT_STALE_S
        if a["state"] != "online":
            said_offline.add(a["agent_id"])
        cams = a["heartbeat"].get("cameras")
        cams = [c for c in cams if isinstance(c, dict)] if isinstance(cams, list) else []
        for c in cams:
            if isinstance(c.get("camera_id"), str):
                beats[c["camera_id"]] = (c, is_online, a["agent_id"])
        agents.append({"agent_id": a["agent_id"], "status": "online" if is_online else "offline",
                       "state": a["state"], "since": a["since"], "last_seen": a["last_seen"],
                       "seen_s_ago": None if age is None else round(age),
                       "outbox_pending": _number(a["heartbeat"].get("backlog_pending",
                                                                    a["heartbeat"].get("outbox_pending"))),
                       "outbox_dropped": _number(a["heartbeat"].get("backlog_dropped")), "cameras": len(cams)})
    cameras = []
    catalogue = {c["camera_id"]: c for c in queries.camera_rows(db, store_id)}
    for camera_id in sorted(set(catalogue) | set(beats)):
        cat = catalogue.get(camera_id, {})
        beat, agent_online, agent_id = beats.get(camera_id, ({}, False, cat.get("agent_id")))
        age = _age_s(cat.get("last_received_at"), now)
        if beat:
            state = str(beat.get("state", "unknown"))[:32]
            is_online = agent_online and state.lower() in _RUNNING
        else:
            state = None
            limit = max(3 * (cat.get("window_s") or 60), CAMERA_STALE_S)
            is_online = age is not None and age <= limit and agent_id not in said_offline
        cameras.append({"camera_id": camera_id, "agent_id": agent_id, "status": "online" if is_online else "offline",
                        "state": state, "fps": _number(beat.get("fps")),
                        "inference_ms": _number(beat.get("inference_ms")),
                        "dropped_frames": _number(beat.get("dropped_frames")),
                        "reconnects": _number(beat.get("reconnects")),
                        "input_size": _number(beat.get("input_size")),
                        "person_size": _number(beat.get("person_size")),
                        "last_window_end": cat.get("last_window_end"), "last_received_at": cat.get("last_received_at"),
                        "seen_s_ago": None if age is None else round(age)})
    return {"as_of": iso_z(now), "agents": agents, "cameras": cameras}
