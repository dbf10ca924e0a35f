"""Report JSON (already suppressed) → one self-contained HTML page: inline CSS and SVG, no script,
nothing loaded from anywhere, so it can be mailed or printed as it is."""

from __future__ import annotations

from html import escape

__all__ = ["render_html"]

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2733;margin:0;background:#f4f6f9}
main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;color:#34495e}
.sub{color:#5b6b7c;margin:0 0 18px}.note{font-size:13px;color:#5b6b7c}
.tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{background:#fff;border-radius:10px;padding:14px 18px;
min-width:150px;box-shadow:0 1px 3px rgba(0,0,0,.08)}.tile b{display:block;font-size:28px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:10px;overflow:hidden;
box-shadow:0 1px 3px rgba(0,0,0,.08)}th,td{padding:7px 12px;text-align:right;border-bottom:1px solid #e8ecf1}
th:first-child,td:first-child{text-align:left}th{background:#eef2f6;font-weight:600;font-size:13px}
svg{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.08);width:100%;height:auto}
"""


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _number(value) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _day_chart(days: list[dict], k: int | None) -> str:
    """Bars of visitors (in) per store-local day; a suppressed day is a hatched stub labelled <k."""
    if not days:
        return ""
    width, height, left, bottom = 900, 240, 48, 36
    top = max([_number(d["in"]) for d in days] + [k or 1, 1])
    step = (width - left - 10) / len(days)
    bars = []
    for i, d in enumerate(days):
        x = left + i * step + step * 0.15
        w = max(step * 0.7, 1)
        if isinstance(d["in"], str):
            h = (height - bottom - 10) * (k or 1) / top
            bars.append(f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                        f'fill="url(#hatch)"><title>{escape(d["date"])}: {escape(d["in"])}</title></rect>')
        else:
            h = (height - bottom - 10) * _number(d["in"]) / top
            bars.append(f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                        f'fill="#2f80ed" rx="2"><title>{escape(d["date"])}: {d["in"]}</title></rect>')
        if len(days) <= 16 or i % max(1, len(days) // 12) == 0:
            bars.append(f'<text x="{x + w / 2:.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" '
                        f'fill="#5b6b7c">{escape(d["date"][5:])}</text>')
    axis = (f'<text x="{left - 6}" y="16" font-size="11" text-anchor="end" fill="#5b6b7c">{int(top)}</text>'
            f'<text x="{left - 6}" y="{height - bottom}" font-size="11" text-anchor="end" fill="#5b6b7c">0</text>'
            f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#c9d2dc"/>')
    hatch = ('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#e3e8ee"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#9aa8b6" stroke-width="2"/></pattern></defs>')
    return (f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="visitors per day">{hatch}{axis}'
            f'{"".join(bars)}</svg>')


def render_html(doc: dict) -> str:
    k = doc["k"]
    t = doc["totals"]
    period = f"{doc['days'][0]['date']} – {doc['days'][-1]['date']}" if doc["days"] else "no data in this period"
    parts = [
        f"<h1>Store {escape(doc['store_id'])}</h1>",
        f'<p class="sub">{escape(period)} · days in {escape(doc["tz"])} (store-local time)</p>',
        '<div class="tiles">'
        f'<div class="tile">Visitors in<b>{_cell(t["in"])}</b></div>'
        f'<div class="tile">Visitors out<b>{_cell(t["out"])}</b></div>'
        f'<div class="tile">Days<b>{len(doc["days"])}</b></div>'
        f'<div class="tile">Windows measured<b>{_cell(t["windows"])}</b></div></div>',
    ]
    if doc["days"]:
        parts += ["<h2>Visitors per day (people entering)</h2>", _day_chart(doc["days"], k),
                  _table(["Day", "In (people)", "Out (people)", "Windows"],
                         [[d["date"], d["in"], d["out"], d["windows"]] for d in doc["days"]])]
    if doc.get("store_days"):
        parts += ["<h2>Visitors, occupancy and data quality (store model: entrances only)</h2>",
                  _table(["Store day", "Hours", "Visitors", "Exits", "Imbalance at reset", "% of entries",
                          "Peak occupancy (corrected)", "Peak (raw in − out)", "Exits ×"],
                         [[d["date"], d["hours"], d["visitors"], d["exits"], d["imbalance"], d["imbalance_pct"],
                           d["occupancy_peak"], d["occupancy_peak_raw"], d["exit_scale"]] for d in doc["store_days"]]),
                  '<p class="note">Imbalance: entries − exits from one reset (closing + grace) to the next; a '
                  "perfect counter shows 0. Occupancy corrects exits by earlier days' imbalance (docs/OCCUPANCY.md)."
                  "</p>"]
    if doc["cameras"]:
        parts += ["<h2>Cameras</h2>", _table(["Camera", "In", "Out", "Windows", "Hours seen", "Frames/s"],
                                             [[c["camera_id"], c["in"], c["out"], c["windows"], c["seen_h"], c["fps"]]
                                              for c in doc["cameras"]])]
    if doc["lines"]:
        parts += ["<h2>Entrances (counting lines)</h2>",
                  _table(["Camera / line", "In", "Out"], [[key, v["in"], v["out"]] for key, v in doc["lines"].items()])]
    if doc["zones"]:
        parts += ["<h2>Zones</h2>", _table(
            ["Camera / zone", "Entries", "Visits", "Max occupancy", "Mean occupancy", "Dwell (s)"],
            [[f"{z['camera_id']}/{z['zone_id']}", z["entries"], z["visits"], z["occupancy_max"],
              z["occupancy_mean"], z["dwell_s"]] for z in doc["zones"]])]
        for z in doc["zones"]:
            if z["histogram"]:
                parts += [f"<h2>Dwell time, {escape(z['camera_id'])}/{escape(z['zone_id'])} (visits per band)</h2>",
                          _table(["Dwell band", "Visits"],
                                 [[f"{h['from_s']:g}–{h['to_s']:g} s" if h["to_s"] is not None else
                                   f"≥ {h['from_s']:g} s", h["visits"]] for h in z["histogram"]])]
    if doc["mascots"]:
        parts += ["<h2>Mascots</h2>", _table(
            ["Camera / mascot", "Visible (% of time)", "Engagements", "Dwell (s)"],
            [[f"{m['camera_id']}/{m['mascot_id']}",
              None if m["visible_fraction"] is None else f"{m['visible_fraction']:.0%}", m["engagements"], m["dwell_s"]]
             for m in doc["mascots"]])]
    note = (f"Figures derived from fewer than {k} people are shown as &lt;{k} (small-cell rule, docs/PRIVACY.md)."
            if k else "Exact figures: no small-cell suppression was applied.")
    parts.append(f'<p class="note">{note} Built from aggregate counts only; no image or per-person data.</p>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width,initial-scale=1"><title>Store {escape(doc["store_id"])} report</title>'
            f"<style>{_CSS}</style></head><body><main>{''.join(parts)}</main></body></html>\n")
