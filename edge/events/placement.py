"""Do a camera's lines and zones lie on its frame? Checked once the frame size is known.

Coordinates are pixels of the frame the camera sends. Drawn on another resolution (a main stream
of 1920×1080 when the agent reads the 640×360 sub-stream) they can fall partly or wholly outside
it, and a line outside the frame counts nobody, silently. So:

    nothing of it inside the frame     → an error (it can measure nothing)
    less than half of it inside        → a warning (likely drawn for another resolution)

A line's share is its length inside the frame; a zone's, its area inside the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge.events.lines import CountingLine
from edge.events.zones import Zone
from edge.geometry import polygon_area

__all__ = ["Placement", "check_placement", "share_inside"]

_WARN_BELOW = 0.5  # share inside the frame under which a line or zone gets a warning


@dataclass(frozen=True, slots=True)
class Placement:
    """What is wrong with the lines and zones on a frame: errors (nothing inside) and warnings."""

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def _clip_segment(a, b, w: float, h: float) -> float:
    """The share (0–1) of segment AB inside [0, w] × [0, h] (Liang–Barsky)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0]), (dx, w - a[0]), (-dy, a[1]), (dy, h - a[1])):
        if p == 0:
            if q < 0:
                return 0.0
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    return max(0.0, t1 - t0)


def _clip_polygon(points: Sequence[tuple[float, float]], w: float, h: float) -> list[tuple[float, float]]:
    """The polygon cut to [0, w] × [0, h] (Sutherland–Hodgman; the frame is convex, so any
    simple polygon's clipped area is right)."""
    edges = ((0, 0.0, 1), (0, w, -1), (1, 0.0, 1), (1, h, -1))  # (axis, bound, inside sign)
    out = list(points)
    for axis, bound, sign in edges:
        pts, out = out, []
        for i, cur in enumerate(pts):
            prev = pts[i - 1]
            cur_in = sign * (cur[axis] - bound) >= 0
            prev_in = sign * (prev[axis] - bound) >= 0
            if cur_in != prev_in:
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            if cur_in:
                out.append(cur)
        if not out:
            break
    return out


def share_inside(item: CountingLine | Zone, frame_wh: tuple[int, int]) -> float:
    """The share of a line's length, or a zone's area, inside a frame of (width, height) pixels."""
    w, h = frame_wh
    if isinstance(item, CountingLine):
        return _clip_segment(item.a, item.b, w, h)
    whole = polygon_area(item.polygon)
    if whole == 0:
        return 0.0
    inside = _clip_polygon(item.polygon, w, h)
    return min(1.0, polygon_area(inside) / whole) if len(inside) >= 3 else 0.0


def check_placement(lines: Sequence[CountingLine], zones: Sequence[Zone], frame_wh: tuple[int, int]) -> Placement:
    """Errors for the lines and zones with nothing inside the frame, warnings for those mostly outside."""
    w, h = frame_wh
    hint = ("coordinates are pixels of the frame this camera sends; were they drawn on another "
            "resolution? (`units: normalized` takes 0–1 of the frame instead)")
    errors, warnings = [], []
    for kind, items in (("line", lines), ("zone", zones)):
        for item in items:
            name = item.line_id if kind == "line" else item.zone_id
            share = share_inside(item, frame_wh)
            if share <= 0.0:
                errors.append(f"{kind} {name} lies outside the {w}×{h} frame, so it can measure nothing; {hint}")
            elif share < _WARN_BELOW:
                warnings.append(f"only {share:.0%} of {kind} {name} lies inside the {w}×{h} frame; {hint}")
    return Placement(tuple(errors), tuple(warnings))
