"""Report → text: table, json, csv."""

from __future__ import annotations

import csv
import io
import json

from hub.reports.report import Report

__all__ = ["FORMATS", "render"]

FORMATS = ("table", "json", "csv")


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["start", "end", "camera_id", "in", "out", "frames"])
        for w in report.windows:
            writer.writerow([w.start, w.end, w.camera_id, w.in_count, w.out_count, w.frames])
        writer.writerow(["TOTAL", "", "", report.in_count, report.out_count, sum(w.frames for w in report.windows)])
        return out.getvalue().rstrip("\n")
    rows = [f"{'start (UTC)':<22} {'end (UTC)':<22} {'camera':<16} {'in':>6} {'out':>6} {'frames':>7}"]
    for w in report.windows:
        rows.append(f"{w.start:<22} {w.end:<22} {w.camera_id:<16} {w.in_count:>6} {w.out_count:>6} {w.frames:>7}")
    rows.append(f"{'total':<22} {'':<22} {'':<16} {report.in_count:>6} {report.out_count:>6} "
                f"{sum(w.frames for w in report.windows):>7}")
    rows.append(f"store {report.store_id}: {len(report.windows)} windows")
    return "\n".join(rows)
