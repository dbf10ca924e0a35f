"""Report → text: table, json, csv, html.

Small-cell suppression (hub/reports/suppress.py) by format: `table` and `html` are read by people
and apply it with k = 5 unless told otherwise; `json` and `csv` are the exact exports used to
reconcile the hub with the agents' own counts (issue 5) and apply it only when k is given.
"""

from __future__ import annotations

import csv
import io
import json

from hub.reports.report import Report
from hub.reports.suppress import DEFAULT_K

__all__ = ["FORMATS", "render", "effective_k"]

FORMATS = ("table", "json", "csv", "html")
_SUPPRESSED_BY_DEFAULT = ("table", "html")


def effective_k(fmt: str, k: int | None) -> int | None:
    """The k a format applies: the one given, else 5 for formats read by people, else none."""
    if k is not None:
        return k
    return DEFAULT_K if fmt in _SUPPRESSED_BY_DEFAULT else None


def render(report: Report, fmt: str, k: int | None = None) -> str:
    k = effective_k(fmt, k)
    doc = report.to_json(k)
    if fmt == "json":
        return json.dumps(doc, indent=2)
    if fmt == "html":
        from hub.reports.html import render_html

        return render_html(doc)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["start", "end", "camera_id", "in", "out", "frames", "seen_s"])
        for w in doc["windows"]:
            writer.writerow([w["start"], w["end"], w["camera_id"], w["in"], w["out"], w["frames"],
                             "" if w["seen_s"] is None else w["seen_s"]])
        t = doc["totals"]
        writer.writerow(["TOTAL", "", "", t["in"], t["out"], t["frames"]])
        if doc["store_days"]:  # a second table: the store model's days
            writer.writerow([])
            writer.writerow(["store_day", "visitors", "exits", "imbalance", "imbalance_pct", "occupancy_peak",
                             "occupancy_peak_raw", "exit_scale"])
            for d in doc["store_days"]:
                writer.writerow([d["date"], d["visitors"], d["exits"], d["imbalance"], d["imbalance_pct"],
                                 d["occupancy_peak"], d["occupancy_peak_raw"], d["exit_scale"]])
        return out.getvalue().rstrip("\n")
    return _table(doc)


def _dash(value) -> str:
    return "–" if value is None else str(value)


def _table(doc: dict) -> str:
    t = doc["totals"]
    rows = [f"store {doc['store_id']} · days in {doc['tz']}"
            + (f" · figures from fewer than {doc['k']} people shown as <{doc['k']}" if doc["k"] else "")]
    if doc["days"]:
        rows.append(f"{'day':<12} {'in':>8} {'out':>8} {'windows':>8}")
        rows += [f"{d['date']:<12} {d['in']!s:>8} {d['out']!s:>8} {d['windows']:>8}" for d in doc["days"]]
    if doc["cameras"]:
        rows.append(f"{'camera':<24} {'in':>8} {'out':>8} {'windows':>8} {'seen h':>7} {'fps':>6}")
        rows += [f"{c['camera_id']:<24} {c['in']!s:>8} {c['out']!s:>8} {c['windows']:>8} {c['seen_h']:>7} "
                 f"{c['fps'] or '':>6}" for c in doc["cameras"]]
    if doc["lines"]:
        rows.append(f"{'line (camera/line)':<36} {'in':>8} {'out':>8}")
        rows += [f"{key:<36} {v['in']!s:>8} {v['out']!s:>8}" for key, v in doc["lines"].items()]
    if doc["zones"]:
        rows.append(f"{'zone (camera/zone)':<36} {'entries':>8} {'visits':>8} {'max':>6} {'dwell s':>8}")
        rows += [f"{z['camera_id'] + '/' + z['zone_id']:<36} {z['entries']!s:>8} {z['visits']!s:>8} "
                 f"{z['occupancy_max']!s:>6} {z['dwell_s'] if z['dwell_s'] is not None else '–'!s:>8}"
                 for z in doc["zones"]]
    if doc["mascots"]:
        rows.append(f"{'mascot (camera/mascot)':<36} {'visible':>8} {'engaged':>8}")
        rows += [f"{m['camera_id'] + '/' + m['mascot_id']:<36} "
                 f"{'–' if m['visible_fraction'] is None else format(m['visible_fraction'], '.0%'):>8} "
                 f"{m['engagements']!s:>8}" for m in doc["mascots"]]
    if doc["store_days"]:
        rows.append(f"{'store day':<12} {'visitors':>8} {'exits':>8} {'imbalance':>10} {'%':>6} {'peak':>6} "
                    f"{'raw peak':>8} {'exits ×':>8}")
        rows += [f"{d['date']:<12} {d['visitors']!s:>8} {d['exits']!s:>8} {_dash(d['imbalance']):>10} "
                 f"{_dash(d['imbalance_pct']):>6} {_dash(d['occupancy_peak']):>6} {_dash(d['occupancy_peak_raw']):>8} "
                 f"{_dash(d['exit_scale']):>8}" for d in doc["store_days"]]
    rows.append(f"{'total':<12} {t['in']!s:>8} {t['out']!s:>8} {t['windows']:>8}")
    rows.append(f"store {doc['store_id']}: {t['windows']} windows, {t['frames']} frames")
    return "\n".join(rows)
