"""Pure plane geometry in pixel coordinates (origin top-left, y down). See CONVENTIONS.md.

    A ───────────────▶ B        s(P) = (Bx−Ax)(Py−Ay) − (By−Ay)(Px−Ax)
        s > 0 below (y down)    a point moving from s<0 to s>0 through AB is "in"
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "anchor_points",
    "side_of_line",
    "signed_distance",
    "crosses_segment",
    "points_in_polygon",
    "polygon_area",
]


def anchor_points(xyxy: np.ndarray) -> np.ndarray:
    """Bottom-centre of each box (the feet): (n, 4) xyxy → (n, 2) xy."""
    xyxy = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    return np.stack([(xyxy[:, 0] + xyxy[:, 2]) / 2.0, xyxy[:, 3]], axis=1)


def side_of_line(a: tuple[float, float], b: tuple[float, float], p: np.ndarray) -> np.ndarray:
    """s(P) for each point in p ((n, 2) or (2,)); the sign says the side of line AB."""
    p = np.asarray(p, dtype=np.float64)
    return (b[0] - a[0]) * (p[..., 1] - a[1]) - (b[1] - a[1]) * (p[..., 0] - a[0])


def signed_distance(a: tuple[float, float], b: tuple[float, float], p: np.ndarray) -> np.ndarray:
    """s(P) divided by |AB|: the signed perpendicular distance in pixels."""
    length = float(np.hypot(b[0] - a[0], b[1] - a[1]))
    if length == 0.0:
        raise ValueError("line has zero length")
    return side_of_line(a, b, p) / length


def crosses_segment(
    a: tuple[float, float],
    b: tuple[float, float],
    p: tuple[float, float],
    q: tuple[float, float],
) -> bool:
    """True when the move P→Q passes through segment AB (not its extension).

    Touching an end point counts: a person walking exactly over the line's end is on the line.
    """

    def orient(u, v, w) -> float:
        return (v[0] - u[0]) * (w[1] - u[1]) - (v[1] - u[1]) * (w[0] - u[0])

    d1, d2 = orient(a, b, p), orient(a, b, q)
    d3, d4 = orient(p, q, a), orient(p, q, b)
    if d1 * d2 > 0 or d3 * d4 > 0:
        return False
    if d1 == 0 and d2 == 0:  # collinear move: only counts if the spans overlap
        def proj(t):
            return t[0] * (b[0] - a[0]) + t[1] * (b[1] - a[1])
        lo, hi = sorted((proj(a), proj(b)))
        plo, phi = sorted((proj(p), proj(q)))
        return plo <= hi and phi >= lo
    return True


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule: (n, 2) points, (k, 2) polygon vertices → (n,) bool."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    x, y = pts[:, 0][:, None], pts[:, 1][:, None]
    x1, y1 = poly[:, 0][None, :], poly[:, 1][None, :]
    x2, y2 = np.roll(poly[:, 0], -1)[None, :], np.roll(poly[:, 1], -1)[None, :]
    straddles = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at_y = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    hits = straddles & (x < x_at_y)
    return (hits.sum(axis=1) % 2) == 1


def polygon_area(polygon) -> float:
    """Area enclosed by a simple polygon's vertices ((k, 2) or a sequence of (x, y)): the shoelace formula."""
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    x, y = poly[:, 0], poly[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2.0)
