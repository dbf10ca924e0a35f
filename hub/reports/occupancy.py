"""Store-day figures (hub/occupancy/daily.py) → JSON as shown on the dashboard and in reports.

Counts of people (visitors, entries, exits, occupancy) go through small-cell suppression on
themselves; the imbalance (entries − exits) on the entries it derives from; the exit scale and
percentages derive from no one and are exact.
"""

from __future__ import annotations

from edge.windows.clock import iso_z
from hub.occupancy.daily import DayOccupancy, StoreDayFigures
from hub.occupancy.estimate import DayBalance, OccupancyPoint
from hub.reports.suppress import shown, shown_if

__all__ = ["store_day_json", "occupancy_json", "balance_json", "peak"]

CURVE_STEP_MIN = 5  # the curve is sent every 5 minutes (the last point of each 5 minutes): ~300 points a day


def _n(count: int | None, k: int | None):
    return count if k is None else shown(count, k)


def balance_json(b: DayBalance, k: int | None) -> dict:
    imbalance = b.imbalance if k is None else shown_if(b.imbalance, b.entries, k, None)
    pct = b.imbalance_pct
    return {"date": b.day.isoformat(), "entries": _n(b.entries, k), "exits": _n(b.exits, k), "imbalance": imbalance,
            "imbalance_pct": None if pct is None or isinstance(imbalance, str) else round(pct, 2)}


def peak(curve: tuple[OccupancyPoint, ...]) -> OccupancyPoint | None:
    return max(curve, key=lambda p: p.corrected, default=None)


def occupancy_json(occ: DayOccupancy, k: int | None) -> dict:
    """The occupancy at occ.as_of (the last window counted), with the correction it used."""
    last = occ.curve[-1] if occ.curve else None
    top = peak(occ.curve)
    return {"store_day": occ.store_day.day.isoformat(), "since": iso_z(occ.store_day.start),
            "reset_at": iso_z(occ.store_day.reset), "as_of": iso_z(last.at) if last else None,
            "corrected": _n(last.shown_corrected if last else 0, k), "raw": _n(last.shown_raw if last else 0, k),
            "raw_in_minus_out": last.raw if last and k is None else None,
            "exit_scale": round(occ.correction.exit_scale, 4), "is_corrected": occ.correction.is_applied,
            "correction": occ.correction.reason, "correction_days": len(occ.correction.days),
            "peak": None if top is None else {"at": iso_z(top.at), "corrected": _n(top.shown_corrected, k),
                                              "raw": _n(max(p.shown_raw for p in occ.curve), k)}}


def _curve(points: tuple[OccupancyPoint, ...], k: int | None) -> list[dict]:
    out: dict[int, OccupancyPoint] = {}
    for p in points:
        out[int(p.at.timestamp() // (60 * CURVE_STEP_MIN))] = p
    return [{"at": iso_z(p.at), "corrected": _n(p.shown_corrected, k), "raw": _n(p.shown_raw, k)}
            for _, p in sorted(out.items())]


def store_day_json(f: StoreDayFigures, k: int | None, live: DayOccupancy | None = None,
                   with_curve: bool = True) -> dict:
    """One store-local day from the store model: visitors per hour, the day's occupancy and
    imbalance (per entrance and in total), the earlier days' imbalance, and the live figure."""
    sd = f.occupancy.store_day if f.occupancy else None
    hours = f.model.hours_on(f.day)
    occ = f.occupancy
    doc = {
        "has_model": True, "date": f.day.isoformat(), "tz": f.model.tz,
        "hours": hours.text() if hours else "closed", "reset_grace_min": f.model.reset_grace_min,
        "opens": iso_z(sd.opens) if sd and sd.opens else None, "closes": iso_z(sd.closes) if sd and sd.closes else None,
        "visitors": _n(f.visitors, k), "exits": _n(sum(h.exits for h in f.hours), k),
        "hourly": [{"hour": h.hour.label, "start": iso_z(h.hour.start), "entries": _n(h.entries, k),
                    "exits": _n(h.exits, k)} for h in f.hours],
        "entrances": [{"camera_id": b.entrance.camera_id, "line_id": b.entrance.line_id,
                       "in_direction": b.entrance.in_direction, "entries": _n(b.entries, k), "exits": _n(b.exits, k),
                       "imbalance": b.imbalance if k is None else shown_if(b.imbalance, b.entries, k, None)}
                      for b in (occ.balances if occ else ())],
        "imbalance": None if occ is None else {**balance_json(occ.total, k), "is_final": occ.is_final,
                                               "as_of": iso_z(occ.as_of)},
        "occupancy": None if occ is None else occupancy_json(occ, k),
        "history": [balance_json(b, k) for b in f.history],
        "live": None if live is None else occupancy_json(live, k),
    }
    if with_curve:
        doc["curve"] = _curve(occ.curve, k) if occ else []
    return doc
