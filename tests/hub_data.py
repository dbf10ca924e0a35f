"""Builders of hub data for tests: schema-valid window payloads as MetricRows, written by the writer.

Imported by hub tests as `from hub_data import …` (tests/ is on sys.path through its conftest).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from edge.protocol.messages import message_id_for
from edge.protocol.schema import schema_errors
from edge.windows.clock import iso_z
from hub.ingest.validate import MetricRow, StatusRow
from hub.ingest.writer import write_batch

DWELL_EDGES_S = [10, 30, 60, 120, 300]


def window_row(store_id: str, camera_id: str, start: datetime, *, window_s: int = 60,
               lines: dict[str, tuple[int, int]] | None = None, zones: dict[str, dict] | None = None,
               heatmap: tuple[int, int, list[float]] | None = None, mascots: dict[str, dict] | None = None,
               agent_id: str = "box-1", frames: int = 600) -> MetricRow:
    """A MetricRow with a schema-valid payload.

    zones: zone_id → {"entries", "current", "max", "mean", "counts" (len(DWELL_EDGES_S) + 1), "median_s"}.
    mascots: mascot_id → {"samples", "visible_fraction", "engagements", "median_dwell_s"}.
    """
    end = start + timedelta(seconds=window_s)
    payload: dict = {
        "schema_version": 1, "kind": "window", "message_id": message_id_for(store_id, camera_id, "window", start),
        "store_id": store_id, "camera_id": camera_id, "agent_id": agent_id,
        "window": {"start": iso_z(start), "end": iso_z(end)}, "frames": frames,
        "lines": [{"line_id": lid, "in": i, "out": o} for lid, (i, o) in (lines or {"door": (0, 0)}).items()],
    }
    if zones:
        payload["zones"] = [
            {"zone_id": zid, "entries": z.get("entries", 0),
             "occupancy": {"current": z.get("current", 0), "max": z.get("max", 0), "mean": z.get("mean", 0.0)},
             "dwell": {"edges_s": DWELL_EDGES_S, "counts": z.get("counts", [0] * (len(DWELL_EDGES_S) + 1)),
                       "median_s": z.get("median_s"), "visits": sum(z.get("counts", []))}}
            for zid, z in zones.items()]
    if heatmap:
        cols, rows, cells = heatmap
        payload["heatmap"] = {"cols": cols, "rows": rows, "person_seconds": cells}
    if mascots:
        payload["mascots"] = [{"mascot_id": mid, "samples": m.get("samples", 60),
                               "visible_fraction": m.get("visible_fraction", 1.0),
                               "engagements": m.get("engagements", 0), "median_dwell_s": m.get("median_dwell_s")}
                              for mid, m in mascots.items()]
    errors = schema_errors(payload)
    assert not errors, errors
    return MetricRow(payload["message_id"], store_id, camera_id, agent_id, start, end, payload)


def write(db, rows, received_at: datetime | None = None):
    return write_batch(db, rows, received_at or datetime.now(UTC))


def heartbeat(store_id: str, agent_id: str, cameras: list[dict], outbox_pending: int = 0) -> StatusRow:
    return StatusRow("heartbeat", store_id, agent_id,
                     {"schema_version": 1, "store_id": store_id, "agent_id": agent_id, "cameras": cameras,
                      "outbox_pending": outbox_pending})


def status(store_id: str, agent_id: str, state: str) -> StatusRow:
    return StatusRow("status", store_id, agent_id,
                     {"schema_version": 1, "store_id": store_id, "agent_id": agent_id, "state": state})
