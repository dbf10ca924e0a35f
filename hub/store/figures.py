"""Pure: window payloads → Figures of one camera over one bucket (an hour or a day), and merging.

A bucket's Figures are a sum of its windows' figures, so an hour is `figures_of(payloads)` and a
day is `merge(hours)`. Everything kept is additive (counts, seconds, products such as
mean × seconds) or a maximum, so merging never needs the windows again:

    windows ──figures_of──▶ hour Figures ──merge──▶ day Figures
    (raw, pruned after N days)   (kept forever)       (kept forever)

No I/O here: rollups.py reads and writes the rows, tests feed payload dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["ZoneFigures", "MascotFigures", "Figures", "figures_of", "merge", "dwell_bins"]


@dataclass(slots=True)
class ZoneFigures:
    """One zone over a bucket.

    seconds: Σ seconds the camera was seen in the windows (`window_seconds`).
    occupancy_mean_x_s: Σ (window mean occupancy × its seen seconds), so the bucket's mean is
        occupancy_mean_x_s / seconds. dwell_median_x_visits: Σ (window median dwell s × visits),
        a visit-weighted mean of window medians (medians do not add up; this is the honest
        summary that does). dwell_hist: visits per bin keyed by the bin's lower edge in seconds.
    """

    windows: int = 0
    seconds: float = 0.0
    entries: int = 0
    visits: int = 0
    occupancy_max: int = 0
    occupancy_mean_x_s: float = 0.0
    dwell_median_x_visits: float = 0.0
    dwell_hist: dict[float, int] = field(default_factory=dict)


@dataclass(slots=True)
class MascotFigures:
    """One mascot over a bucket. visible_samples = Σ visible_fraction × samples."""

    windows: int = 0
    samples: int = 0
    visible_samples: float = 0.0
    engagements: int = 0
    dwell_median_x_engagements: float = 0.0


@dataclass(slots=True)
class Figures:
    """One camera over a bucket: counts, line totals, zones, heatmaps, mascots.

    heatmaps is keyed by the grid's (cols, rows): a camera whose grid changed keeps one sum per
    grid rather than adding cells that do not correspond.
    """

    windows: int = 0
    seconds: float = 0.0
    frames: int = 0
    in_count: int = 0
    out_count: int = 0
    lines: dict[str, list[int]] = field(default_factory=dict)          # line_id → [in, out]
    zones: dict[str, ZoneFigures] = field(default_factory=dict)
    heatmaps: dict[tuple[int, int], list[float]] = field(default_factory=dict)  # person-seconds
    mascots: dict[str, MascotFigures] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return self.windows == 0


def dwell_bins(edges_s: list[float], n_counts: int) -> list[float]:
    """Lower edge (s) of each of n_counts histogram bins.

    Interior edges (n_counts == len(edges) + 1): bins [0, e0), [e0, e1), …, [e_last, ∞).
    Lower edges (n_counts == len(edges)): bins start at each edge. Full boundaries
    (n_counts == len(edges) - 1): the last edge closes the last bin.
    """
    if n_counts == len(edges_s) + 1:
        return [0.0, *(float(e) for e in edges_s)]
    return [float(e) for e in edges_s[:n_counts]] + [float("nan")] * max(0, n_counts - len(edges_s))


def window_seconds(payload: Mapping) -> float:
    """Seconds of a window the camera was seen: its `seen_s`, or, from an agent that does not say
    (before the field existed), the window's length. A window the camera missed entirely (0 s)
    then weighs nothing in the bucket's means and rates."""
    seen = payload.get("seen_s")
    window = payload["window"]
    return float(seen) if seen is not None else _seconds(window["start"], window["end"])


def _add_window(fig: Figures, payload: Mapping) -> None:
    seconds = window_seconds(payload)
    fig.windows += 1
    fig.seconds += seconds
    fig.frames += int(payload.get("frames", 0))
    for line in payload.get("lines", ()):
        totals = fig.lines.setdefault(line["line_id"], [0, 0])
        totals[0] += line["in"]
        totals[1] += line["out"]
        fig.in_count += line["in"]
        fig.out_count += line["out"]
    for zone in payload.get("zones", ()):
        z = fig.zones.setdefault(zone["zone_id"], ZoneFigures())
        occupancy, dwell = zone["occupancy"], zone["dwell"]
        z.windows += 1
        z.seconds += seconds
        z.entries += zone["entries"]
        z.visits += dwell["visits"]
        z.occupancy_max = max(z.occupancy_max, occupancy["max"])
        z.occupancy_mean_x_s += occupancy["mean"] * seconds
        if dwell["median_s"] is not None:
            z.dwell_median_x_visits += dwell["median_s"] * dwell["visits"]
        for lower, count in zip(dwell_bins(dwell["edges_s"], len(dwell["counts"])), dwell["counts"], strict=True):
            if lower == lower:  # nan: a bin without a known edge is not kept; empty bins are, for their edges
                z.dwell_hist[lower] = z.dwell_hist.get(lower, 0) + count
    heatmap = payload.get("heatmap")
    if heatmap is not None:
        key = (heatmap["cols"], heatmap["rows"])
        cells = fig.heatmaps.get(key)
        if cells is None:
            fig.heatmaps[key] = [float(v) for v in heatmap["person_seconds"]]
        else:
            for i, v in enumerate(heatmap["person_seconds"]):
                cells[i] += v
    for mascot in payload.get("mascots", ()):
        m = fig.mascots.setdefault(mascot["mascot_id"], MascotFigures())
        m.windows += 1
        m.samples += mascot["samples"]
        m.visible_samples += mascot["visible_fraction"] * mascot["samples"]
        m.engagements += mascot["engagements"]
        if mascot["median_dwell_s"] is not None:
            m.dwell_median_x_engagements += mascot["median_dwell_s"] * mascot["engagements"]


def _seconds(start: str, end: str) -> float:
    from edge.windows.clock import parse_iso_z

    return (parse_iso_z(end) - parse_iso_z(start)).total_seconds()


def figures_of(payloads: Iterable[Mapping]) -> Figures:
    """Sum schema-valid window payloads (see edge/protocol/schema/metrics-v1.json)."""
    fig = Figures()
    for payload in payloads:
        _add_window(fig, payload)
    return fig


def merge(parts: Iterable[Figures]) -> Figures:
    """The Figures of a bucket made of smaller buckets (hours → day)."""
    out = Figures()
    for p in parts:
        out.windows += p.windows
        out.seconds += p.seconds
        out.frames += p.frames
        out.in_count += p.in_count
        out.out_count += p.out_count
        for line_id, (i, o) in p.lines.items():
            totals = out.lines.setdefault(line_id, [0, 0])
            totals[0] += i
            totals[1] += o
        for zone_id, z in p.zones.items():
            t = out.zones.setdefault(zone_id, ZoneFigures())
            t.windows += z.windows
            t.seconds += z.seconds
            t.entries += z.entries
            t.visits += z.visits
            t.occupancy_max = max(t.occupancy_max, z.occupancy_max)
            t.occupancy_mean_x_s += z.occupancy_mean_x_s
            t.dwell_median_x_visits += z.dwell_median_x_visits
            for lower, count in z.dwell_hist.items():
                t.dwell_hist[lower] = t.dwell_hist.get(lower, 0) + count
        for key, cells in p.heatmaps.items():
            mine = out.heatmaps.get(key)
            if mine is None:
                out.heatmaps[key] = list(cells)
            else:
                for i, v in enumerate(cells):
                    mine[i] += v
        for mascot_id, m in p.mascots.items():
            t = out.mascots.setdefault(mascot_id, MascotFigures())
            t.windows += m.windows
            t.samples += m.samples
            t.visible_samples += m.visible_samples
            t.engagements += m.engagements
            t.dwell_median_x_engagements += m.dwell_median_x_engagements
    return out
