"""Views: (database, parsed parameters, now, k) → the JSON document of a page or an API call.

Each page's figures come from here, so a page and its JSON twin always agree. Figures are read
exact from hub/store/queries.py and pass through small-cell suppression (hub/reports/suppress.py)
on their way out: a count of fewer than k people becomes "<k".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from edge.windows.clock import iso_z, parse_iso_z
from hub.occupancy import daily
from hub.occupancy.days import calendar_day
from hub.occupancy.model import StoreModel
from hub.occupancy.models_db import get_model
from hub.reports.occupancy import store_day_json
from hub.reports.report import ZoneLine, zone_lines
from hub.reports.suppress import is_small, shown, shown_if
from hub.store import queries
from hub.store.figures import Figures, merge
from hub.store.rollups import day_bounds, hour_bucket
from hub.web.health import health_of
from hub.web.params import NotFound

__all__ = ["store_or_404", "heatmaps_json", "chain_view", "dashboard_view", "stores_view", "store_view", "zone_json"]


def store_or_404(db: sqlite_utils.Database, store_id: str) -> queries.StoreRow:
    store = queries.get_store(db, store_id)
    if store is None:
        raise NotFound(f"no store {store_id!r}: GET /api/stores lists the stores this hub has heard from")
    return store


def _store_json(store: queries.StoreRow) -> dict:
    return {"store_id": store.store_id, "name": store.name, "tz": store.tz, "cameras": store.cameras,
            "first_window": store.first_window, "last_window_end": store.last_window_end,
            "last_received_at": store.last_received_at}


def stores_view(db: sqlite_utils.Database) -> dict:
    return {"stores": [_store_json(s) for s in queries.list_stores(db)]}


def store_view(db: sqlite_utils.Database, store_id: str, now: datetime) -> dict:
    store = store_or_404(db, store_id)
    return {"store": _store_json(store), "today": now.astimezone(ZoneInfo(store.tz)).date().isoformat(),
            "cameras": queries.camera_rows(db, store_id)}


def _change_pct(current: int, previous: int, k: int) -> float | None:
    """Change against last week in %; None when either side is suppressed or last week was 0."""
    if is_small(current, k) or is_small(previous, k) or not previous:
        return None
    return round(100.0 * (current - previous) / previous, 1)


def _compare_end(day: date, tz: ZoneInfo, now: datetime) -> datetime:
    """How much of `day` to compare: all of it when past, up to the end of the current hour today."""
    end = day_bounds(day, tz)[1]
    current_hour_end = parse_iso_z(hour_bucket(now)) + timedelta(hours=1)
    return min(end, current_hour_end)


def zone_json(z: ZoneLine, k: int) -> dict:
    return {"camera_id": z.camera_id, "zone_id": z.zone_id, "entries": shown(z.entries, k),
            "visits": shown(z.visits, k), "occupancy_max": shown(z.occupancy_max, k),
            "occupancy_mean": shown_if(z.occupancy_mean, z.entries, k, 2), "dwell_s": shown_if(z.dwell_s, z.visits, k),
            "histogram": [{"from_s": lo, "to_s": hi, "visits": shown(c, k)} for lo, hi, c in z.histogram]}


def heatmaps_json(day_figs: dict[str, Figures], k: int) -> list[dict]:
    out = []
    for camera_id, fig in sorted(day_figs.items()):
        if not fig.heatmaps:
            continue
        (cols, rows), cells = max(fig.heatmaps.items(), key=lambda kv: sum(kv[1]))
        people = max(fig.in_count, fig.out_count, sum(z.entries for z in fig.zones.values()))
        hidden = is_small(people, k) or people == 0
        out.append({"camera_id": camera_id, "cols": cols, "rows": rows, "unit": "person-seconds per cell",
                    "is_suppressed": hidden, "people": shown(people, k),
                    "person_seconds": None if hidden else [round(v, 1) for v in cells],
                    "max": None if hidden else round(max(cells, default=0.0), 1)})
    return out


def _hourly(db, store_id: str, day: date, tz: ZoneInfo, k: int) -> list[dict]:
    start, end = day_bounds(day, tz)
    last_start, last_end = day_bounds(day - timedelta(days=7), tz)
    this_week = queries.hourly_counts(db, store_id, start, end)
    last_week = queries.hourly_counts(db, store_id, last_start, last_end)
    last_by_label = {parse_iso_z(b).astimezone(tz).strftime("%H:00"): v for b, v in last_week.items()}
    hours, moment = [], start
    while moment < end:
        bucket = hour_bucket(moment)
        label = moment.astimezone(tz).strftime("%H:00")
        i, o = this_week.get(bucket, (0, 0))
        li, lo = last_by_label.get(label, (0, 0))
        hours.append({"hour": label, "start": bucket, "in": shown(i, k), "out": shown(o, k),
                      "last_week_in": shown(li, k), "last_week_out": shown(lo, k)})
        moment += timedelta(hours=1)
    return hours


def _mascots(db, store_id: str, day: date, tz: ZoneInfo, day_figs: dict[str, Figures], k: int) -> dict:
    start, end = day_bounds(day, tz)
    hours = [{"hour": parse_iso_z(r["bucket"]).astimezone(tz).strftime("%H:00"), "start": r["bucket"],
              "mascot_id": r["mascot_id"],
              "visible_fraction": None if r["visible_fraction"] is None else round(r["visible_fraction"], 3),
              "engagements": shown(r["engagements"], k)}
             for r in queries.hourly_mascots(db, store_id, start, end)]
    totals: dict[str, list[float]] = {}
    for fig in day_figs.values():
        for mascot_id, m in fig.mascots.items():
            t = totals.setdefault(mascot_id, [0, 0.0, 0])
            t[0] += m.samples
            t[1] += m.visible_samples
            t[2] += m.engagements
    return {"hours": hours,
            "totals": [{"mascot_id": mid, "visible_fraction": round(vis / n, 3) if n else None,
                        "engagements": shown(int(eng), k)} for mid, (n, vis, eng) in sorted(totals.items())]}


def dashboard_view(db: sqlite_utils.Database, store_id: str, day: date | None, now: datetime, k: int) -> dict:
    """Everything the store page shows for one store-local day (default: today)."""
    store = store_or_404(db, store_id)
    tz = ZoneInfo(store.tz)
    today = now.astimezone(tz).date()
    day = day or today
    day_figs = queries.day_figures(db, store_id, day)
    total = merge(day_figs.values())
    last_week_day = day - timedelta(days=7)
    compare_end = _compare_end(day, tz, now)
    elapsed = compare_end - day_bounds(day, tz)[0]
    last_in, last_out = queries.counts_between(db, store_id, day_bounds(last_week_day, tz)[0],
                                               day_bounds(last_week_day, tz)[0] + elapsed)
    live = queries.latest_zone_occupancy(db, store_id, now - timedelta(minutes=5)) if day == today else []
    zones_live = [{**z, "current": shown(z["current"], k)} for z in live]
    entrances = [{"camera_id": cam, "line_id": line_id, "in": shown(i, k), "out": shown(o, k)}
                 for cam, fig in sorted(day_figs.items()) for line_id, (i, o) in sorted(fig.lines.items())]
    cameras = [{"camera_id": cam, "in": shown(f.in_count, k), "out": shown(f.out_count, k), "windows": f.windows,
                "seen_h": round(f.seconds / 3600, 2),
                "fps": round(f.frames / f.seconds, 1) if f.seconds else None} for cam, f in sorted(day_figs.items())]
    zones = [zone_json(z, k) for cam, f in sorted(day_figs.items()) for z in zone_lines(cam, f)]
    doc = {
        "store": _store_json(store), "date": day.isoformat(), "weekday": day.strftime("%A"),
        "is_today": day == today, "today": today.isoformat(), "as_of": iso_z(now), "k": k, "tz": store.tz,
        "compare_date": last_week_day.isoformat(),
        "visitors": {"in": shown(total.in_count, k), "out": shown(total.out_count, k),
                     "last_week_in": shown(last_in, k), "last_week_out": shown(last_out, k),
                     "compared_until": iso_z(compare_end),
                     "change_pct": _change_pct(total.in_count, last_in, k)},
        "occupancy": {"store": shown(max(0, total.in_count - total.out_count), k) if day == today else None,
                      "zones": zones_live},
        "hourly": _hourly(db, store_id, day, tz, k),
        "entrances": entrances, "cameras": cameras, "zones": zones,
        "heatmaps": heatmaps_json(day_figs, k),
        "mascots": _mascots(db, store_id, day, tz, day_figs, k),
        "health": health_of(db, store_id, now),
        "alerts": queries.alert_rows(db, store_id, now - timedelta(days=7), 20),
        "token": queries.change_token(db, store_id),
        "store_model": {"has_model": False},
    }
    model = get_model(db, store_id)
    if model is not None:
        _from_model(doc, db, model, day, today, now, compare_end - day_bounds(day, tz)[0], k)
    return doc


def _entries_until(hours: list[daily.HourVisitors], until: datetime) -> int:
    return sum(h.entries for h in hours if h.hour.start < until)


def _from_model(doc: dict, db, model: StoreModel, day: date, today: date, now: datetime, elapsed: timedelta,
                k: int) -> None:
    """Visitors, hourly counts and occupancy from the store model (entrances only, drift-corrected
    occupancy since the last reset), with the imbalance beside them."""
    figs = daily.store_day_figures(db, model, day, now)
    live = daily.live_occupancy(db, model, now) if day == today else None
    last_week = daily.hourly_visitors(db, model, day - timedelta(days=7))
    last_in = _entries_until(last_week, calendar_day(day - timedelta(days=7), model.zone)[0] + elapsed)
    doc["store_model"] = store_day_json(figs, k, live)
    doc["visitors"].update({"in": shown(figs.visitors, k), "out": shown(sum(h.exits for h in figs.hours), k),
                            "last_week_in": shown(last_in, k), "last_week_out": None,
                            "change_pct": _change_pct(figs.visitors, last_in, k)})
    if live is not None:
        last = live.curve[-1] if live.curve else None
        doc["occupancy"]["store"] = shown(last.shown_corrected if last else 0, k)
        doc["occupancy"]["store_raw"] = shown(last.shown_raw if last else 0, k)
    by_label = {h.hour.label: h for h in last_week}
    doc["hourly"] = [{"hour": h.hour.label, "start": iso_z(h.hour.start), "in": shown(h.entries, k),
                      "out": shown(h.exits, k),
                      "last_week_in": shown(by_label[h.hour.label].entries, k) if h.hour.label in by_label else 0,
                      "last_week_out": shown(by_label[h.hour.label].exits, k) if h.hour.label in by_label else 0}
                     for h in figs.hours]


def chain_view(db: sqlite_utils.Database, now: datetime, k: int) -> dict:
    """Stores ranked by today's visitors (each in its own zone), and by change against last week."""
    rows, total_in = [], 0
    for store in queries.list_stores(db):
        tz = ZoneInfo(store.tz)
        today = now.astimezone(tz).date()
        start = day_bounds(today, tz)[0]
        elapsed = _compare_end(today, tz, now) - start
        last_start = day_bounds(today - timedelta(days=7), tz)[0]
        model = get_model(db, store.store_id)
        if model is None:
            i, o = queries.counts_between(db, store.store_id, start, start + elapsed)
            li, _ = queries.counts_between(db, store.store_id, last_start, last_start + elapsed)
        else:  # visitors are the entries over the store's entrances
            hours = daily.hourly_visitors(db, model, today)
            i, o = _entries_until(hours, start + elapsed), sum(h.exits for h in hours if h.hour.start < start + elapsed)
            li = _entries_until(daily.hourly_visitors(db, model, today - timedelta(days=7)), last_start + elapsed)
        total_in += i
        health = health_of(db, store.store_id, now)
        cams = health["cameras"]
        rows.append({"store_id": store.store_id, "name": store.name, "tz": store.tz, "date": today.isoformat(),
                     "in": shown(i, k), "out": shown(o, k), "last_week_in": shown(li, k),
                     "change_pct": _change_pct(i, li, k),
                     "cameras_online": sum(c["status"] == "online" for c in cams), "cameras": len(cams),
                     "_in": 0 if is_small(i, k) else i})
    rows.sort(key=lambda r: (-r["_in"], r["store_id"]))
    by_change = sorted((r for r in rows if r["change_pct"] is not None), key=lambda r: -r["change_pct"])
    for n, r in enumerate(rows, 1):
        r["rank"] = n
        r["change_rank"] = next((m for m, c in enumerate(by_change, 1) if c is r), None)
        del r["_in"]
    return {"as_of": iso_z(now), "k": k, "stores": rows,
            "totals": {"in": shown(total_in, k)}, "token": queries.change_token(db)}
