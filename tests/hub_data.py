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
               agent_id: str = "box-1", frames: int = 600, seen_s: float | None = None,
               check: bool = True) -> MetricRow:
    """A MetricRow with a schema-valid payload (without `seen_s`, as from an agent before it).

    zones: zone_id → {"entries", "current", "max", "mean", "counts" (len(DWELL_EDGES_S) + 1), "median_s"}.
    mascots: mascot_id → {"samples", "visible_fraction", "engagements", "median_dwell_s"}.
    """
    end = start + timedelta(seconds=window_s)
    lines = lines if lines is not None else {"door": (0, 0)}
    payload: dict = {
        "schema_version": 1, "kind": "window", "message_id": message_id_for(store_id, camera_id, "window", start),
        "store_id": store_id, "camera_id": camera_id, "agent_id": agent_id,
        "window": {"start": iso_z(start), "end": iso_z(end)}, "frames": frames,
        "lines": [{"line_id": lid, "in": i, "out": o} for lid, (i, o) in lines.items()],
    }
    if seen_s is not None:
        payload["seen_s"] = seen_s
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
    if check:  # jsonschema takes ~8 ms a window: bulk seeds check their first rows only
        errors = schema_errors(payload)
        assert not errors, errors
    return MetricRow(payload["message_id"], store_id, camera_id, agent_id, start, end, payload)


def write(db, rows, received_at: datetime | None = None):
    return write_batch(db, rows, received_at or datetime.now(UTC))


def heartbeat(store_id: str, agent_id: str, cameras: list[dict], backlog_pending: int = 0) -> StatusRow:
    """A heartbeat-v1 payload (edge/protocol/schema/heartbeat-v1.json)."""
    return StatusRow("heartbeat", store_id, agent_id,
                     {"schema_version": 1, "kind": "heartbeat", "store_id": store_id, "agent_id": agent_id,
                      "at": "2026-11-11T00:00:00Z", "cameras": cameras, "backlog_pending": backlog_pending,
                      "backlog_dropped": 0})


def status(store_id: str, agent_id: str, state: str) -> StatusRow:
    return StatusRow("status", store_id, agent_id,
                     {"schema_version": 1, "store_id": store_id, "agent_id": agent_id, "state": state})


def seed_demo(db, now: datetime, store_id: str = "berlin-mitte", tz: str = "Europe/Berlin",
              days_back: tuple[int, ...] = (0, 7), seed: int = 7) -> None:
    """A realistic day of one store: two cameras, a door line, two zones, a heatmap, a mascot,
    heartbeats and an alert, for today (up to now) and the same weekday last week. Windows are
    one minute, from 08:00 local; written through the writer (and so the rollups)."""
    import random
    from zoneinfo import ZoneInfo

    from hub.store.rollups import set_store_tz

    rng = random.Random(seed)
    set_store_tz(db, store_id, tz)
    zone = ZoneInfo(tz)
    for back in days_back:
        day = (now.astimezone(zone) - timedelta(days=back)).date()
        open_at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=zone).astimezone(UTC)
        until = min(now - timedelta(minutes=1), open_at + timedelta(hours=12)) if back == 0 else \
            open_at + timedelta(hours=12)
        rows, moment = [], open_at
        while moment <= until:
            hour = moment.astimezone(zone).hour
            busy = 0.4 + 1.2 * (1 if 11 <= hour <= 13 or 16 <= hour <= 18 else 0.3) * (0.8 if back else 1.0)
            i, o = rng.randint(0, int(4 * busy)), rng.randint(0, int(3.7 * busy))
            check = not rows
            rows.append(window_row(store_id, "entrance", moment, agent_id="box-1", check=check,
                                   lines={"door-north": (i, o), "door-south": (i // 2, o // 2)}))
            cells = [_floor_cell(c % 12, c // 12, busy, rng) for c in range(12 * 8)]
            counts = [rng.randint(0, 2), rng.randint(0, 3), rng.randint(0, 2), rng.randint(0, 1), 0, 0]
            rows.append(window_row(
                store_id, "floor", moment, lines={},  # a floor camera counts zones, not entrances
                zones={"checkout": {"entries": sum(counts), "current": rng.randint(0, 3), "max": 4, "mean": 1.5,
                                    "counts": counts, "median_s": 25.0},
                       "promo-table": {"entries": 1, "current": 1, "max": 2, "mean": 0.6,
                                       "counts": [0, 1, 1, 0, 0, 0], "median_s": 40.0}},
                heatmap=(12, 8, cells),
                mascots={"bear": {"samples": 60, "visible_fraction": 0.9 if hour < 19 else 0.2,
                                  "engagements": rng.randint(0, 3), "median_dwell_s": 12.0}},
                agent_id="box-1", check=check))
            moment += timedelta(minutes=1)
        write(db, rows, received_at=now)
    write(db, [status(store_id, "box-1", "online"),
               heartbeat(store_id, "box-1", [
                   {"camera_id": "entrance", "state": "streaming", "fps": 12.4, "inference_ms": 41.0,
                    "dropped_frames": 3, "reconnects": 0, "input_size": 864},
                   {"camera_id": "floor", "state": "streaming", "fps": 9.8, "inference_ms": 55.5,
                    "dropped_frames": 12, "reconnects": 1, "person_size": 0.125}], backlog_pending=0)],
          received_at=now)
    db["alerts"].insert({"message_id": f"alert-{store_id}", "store_id": store_id, "camera_id": "floor",
                         "kind": "mascot-missing", "mascot_id": "bear",
                         "message": "Mascot 'bear' not seen for 30 minutes",
                         "raised_at": iso_z(now - timedelta(hours=1))},
                        pk="message_id", replace=True)
    db.conn.commit()


def _floor_cell(col: int, row: int, busy: float, rng) -> float:
    """Person-seconds of one heatmap cell: a checkout queue at the left, a promo table in the middle."""
    import math

    heat = 40 * math.exp(-((col - 2) ** 2 + (row - 5) ** 2) / 3.0)
    heat += 25 * math.exp(-((col - 8) ** 2 + (row - 3) ** 2) / 4.0)
    heat += 6 * math.exp(-((row - 7) ** 2) / 1.5)  # the walkway along the front
    value = heat * busy * (0.6 + 0.8 * rng.random())
    return round(value, 1) if value >= 1 else 0.0
