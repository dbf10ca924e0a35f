"""API-only views: time series at a chosen granularity, rollup rows, heatmaps, health, alerts.

Each takes a Query (hub/web/params.py), reads every parameter it accepts, calls q.finish() so an
unknown one is a 400, and returns a JSON document with figures suppressed below k.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from edge.windows.clock import iso_z, parse_iso_z
from hub.reports.report import zone_lines
from hub.reports.suppress import shown, shown_if
from hub.store import queries
from hub.store.rollups import DAY, HOUR, day_bounds, hour_bucket, read_figures
from hub.web.health import health_of
from hub.web.params import BadRequest, NotFound, Query
from hub.web.views import heatmaps_json, store_or_404, zone_json

__all__ = ["series_view", "rollups_view", "heatmap_view", "health_view", "alerts_view", "cameras_view",
           "GRANULARITIES", "MAX_SPAN"]

GRANULARITIES = ("window", "hour", "day")
MAX_SPAN = {"window": timedelta(days=2), "hour": timedelta(days=93), "day": timedelta(days=3700)}
UNITS = {"in": "people", "out": "people", "entries": "people", "visits": "visits", "occupancy_max": "people",
         "occupancy_mean": "people (time-weighted mean)", "engagements": "people",
         "visible_fraction": "fraction of samples (0-1)"}


def _as_utc(value: datetime | date | None, tz: ZoneInfo, is_end: bool) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return day_bounds(value, tz)[1 if is_end else 0]


def _range(q: Query, tz: ZoneInfo, now: datetime, granularity: str) -> tuple[datetime, datetime]:
    """[from, to) in UTC; dates are store-local days, `to` as a date is included."""
    start = _as_utc(q.moment("from"), tz, False)
    end = _as_utc(q.moment("to"), tz, True)
    today = now.astimezone(tz).date()
    if start is None and end is None:
        first = today - timedelta(days=29) if granularity == "day" else today
        start, end = day_bounds(first, tz)[0], day_bounds(today, tz)[1]
    elif start is None:
        start = end - (timedelta(days=30) if granularity == "day" else timedelta(days=1))
    elif end is None:
        end = start + (timedelta(days=30) if granularity == "day" else timedelta(days=1))
    if end <= start:
        raise BadRequest("to: must be after from", "to")
    if end - start > MAX_SPAN[granularity]:
        raise BadRequest(f"from/to: granularity {granularity} covers at most {MAX_SPAN[granularity].days} days; "
                         "narrow the range or use a coarser granularity", "granularity")
    return start, end


def series_view(db: sqlite_utils.Database, store_id: str, q: Query, now: datetime, k: int) -> dict:
    store = store_or_404(db, store_id)
    tz = ZoneInfo(store.tz)
    metric = q.choice("metric", tuple(queries.SERIES_METRICS), "in")
    granularity = q.choice("granularity", GRANULARITIES, "hour")
    camera_id, subject_id = q.text_id("camera"), q.text_id("subject")
    start, end = _range(q, tz, now, granularity)
    q.finish()
    if granularity == "window" and queries.SERIES_METRICS[metric][3] is None:
        raise BadRequest(f"granularity: metric {metric} is kept per hour and day only; use hour or day", "granularity")
    if granularity == "day":
        lo, hi = start.astimezone(tz).date().isoformat(), (end - timedelta(microseconds=1)).astimezone(tz).date()
        hi = (hi + timedelta(days=1)).isoformat()
    elif granularity == "hour":
        lo, hi = hour_bucket(start), iso_z(end)
    else:
        lo, hi = iso_z(start), iso_z(end)
    points = []
    for bucket, value, people in queries.series(db, store_id, metric, granularity, lo, hi, camera_id, subject_id):
        if metric == "visible_fraction":
            shown_value = None if value is None else round(value, 3)
        elif metric == "occupancy_mean":
            shown_value = shown_if(value, people, k, 2)
        else:
            shown_value = shown(value, k)
        local = bucket if granularity == "day" else parse_iso_z(bucket).astimezone(tz).isoformat(timespec="minutes")
        points.append({"t": bucket, "local": local, "value": shown_value})
    return {"store_id": store_id, "metric": metric, "unit": UNITS[metric], "granularity": granularity,
            "tz": store.tz, "from": iso_z(start), "to": iso_z(end), "k": k, "points": points}


def rollups_view(db: sqlite_utils.Database, store_id: str, q: Query, now: datetime, k: int) -> dict:
    store = store_or_404(db, store_id)
    tz = ZoneInfo(store.tz)
    granularity = q.choice("granularity", ("hour", "day"), "day")
    by = q.choice("by", ("camera", "line", "zone", "mascot"), "camera")
    camera_id = q.text_id("camera")
    start, end = _range(q, tz, now, granularity)
    q.finish()
    if granularity == "day":
        lo = start.astimezone(tz).date().isoformat()
        hi = ((end - timedelta(microseconds=1)).astimezone(tz).date() + timedelta(days=1)).isoformat()
    else:
        lo, hi = hour_bucket(start), iso_z(end)
    rows = []
    for (bucket, cam), fig in sorted(read_figures(db, store_id, DAY if granularity == "day" else HOUR, lo, hi,
                                                  camera_id).items()):
        base = {"bucket": bucket, "camera_id": cam}
        if by == "camera":
            rows.append({**base, "in": shown(fig.in_count, k), "out": shown(fig.out_count, k),
                         "windows": fig.windows, "frames": fig.frames})
        elif by == "line":
            rows += [{**base, "line_id": lid, "in": shown(i, k), "out": shown(o, k)}
                     for lid, (i, o) in sorted(fig.lines.items())]
        elif by == "zone":
            rows += [{**base, **zone_json(z, k)} for z in zone_lines(cam, fig)]
        else:
            rows += [{**base, "mascot_id": mid, "engagements": shown(m.engagements, k),
                      "visible_fraction": round(m.visible_samples / m.samples, 3) if m.samples else None,
                      "dwell_s": shown_if(m.dwell_median_x_engagements / m.engagements if m.engagements else None,
                                          m.engagements, k)}
                     for mid, m in sorted(fig.mascots.items())]
    return {"store_id": store_id, "granularity": granularity, "by": by, "tz": store.tz, "k": k,
            "from": iso_z(start), "to": iso_z(end), "rows": rows}


def heatmap_view(db: sqlite_utils.Database, store_id: str, q: Query, now: datetime, k: int) -> dict:
    store = store_or_404(db, store_id)
    tz = ZoneInfo(store.tz)
    day = q.date("date") or now.astimezone(tz).date()
    camera_id = q.text_id("camera")
    q.finish()
    figs = queries.day_figures(db, store_id, day)
    if camera_id:
        figs = {c: f for c, f in figs.items() if c == camera_id}
    return {"store_id": store_id, "date": day.isoformat(), "tz": store.tz, "k": k, "heatmaps": heatmaps_json(figs, k)}


def cameras_view(db: sqlite_utils.Database, store_id: str, q: Query, now: datetime) -> dict:
    store_or_404(db, store_id)
    q.finish()
    return {"store_id": store_id, "cameras": health_of(db, store_id, now)["cameras"]}


def health_view(db: sqlite_utils.Database, q: Query, now: datetime, store_id: str | None = None) -> dict:
    store_id = store_id or q.text_id("store")
    q.finish()
    if store_id:
        store_or_404(db, store_id)
        return {"stores": [{"store_id": store_id, **health_of(db, store_id, now)}]}
    return {"stores": [{"store_id": s.store_id, **health_of(db, s.store_id, now)} for s in queries.list_stores(db)]}


def alerts_view(db: sqlite_utils.Database, q: Query, now: datetime) -> dict:
    store_id = q.text_id("store")
    since = q.moment("since")
    limit = q.integer("limit", 100, 1, 1000)
    q.finish()
    if store_id:
        store_or_404(db, store_id)
    if isinstance(since, date) and not isinstance(since, datetime):
        since = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    return {"alerts": queries.alert_rows(db, store_id, since or now - timedelta(days=7), limit)}


def model_view(db: sqlite_utils.Database, store_id: str, q: Query) -> dict:
    """The store's model in the file's shape (docs/OCCUPANCY.md); 404 when it has none."""
    from hub.occupancy.model import model_to_dict
    from hub.occupancy.models_db import get_model

    q.finish()
    model = get_model(db, store_id)
    if model is None:
        raise NotFound(f"store {store_id!r} has no store model: load one with `retail-hub stores load FILE` or "
                       "PUT it here (docs/OCCUPANCY.md)")
    return {"store_id": store_id, "model": model_to_dict(model)}


def occupancy_view(db: sqlite_utils.Database, store_id: str, q: Query, now: datetime, k: int) -> dict:
    """One store-local day from the store model: visitors per hour, occupancy (live for today),
    the imbalance per entrance and of earlier days."""
    from hub.occupancy import daily
    from hub.occupancy.models_db import get_model
    from hub.reports.occupancy import store_day_json

    day = q.date("date")
    q.finish()
    model = get_model(db, store_id)
    if model is None:
        raise NotFound(f"store {store_id!r} has no store model: load one with `retail-hub stores load FILE` "
                       "(docs/OCCUPANCY.md)")
    today = now.astimezone(model.zone).date()
    day = day or today
    live = daily.live_occupancy(db, model, now) if day == today else None
    return {"store_id": store_id, "as_of": iso_z(now), "k": k,
            **store_day_json(daily.store_day_figures(db, model, day, now), k, live)}
