"""The small-cell rule: figures drawn from very few people are suppressed before they leave.

A heatmap cell or a dwell bucket that only one or two people contributed to can single someone
out ("the one person who stood by the fitting room for 4 minutes at 09:14"). So, per window:

* Heatmap: a cell seen by fewer than `min_count` distinct people (distinct tracks) is set to 0.
  The schema says so ("cells below the minimum count are 0"); a 0 claims nothing about anyone.
* Dwell histogram: a bucket holding 1 … min_count−1 visits is merged with its neighbour (the
  next longer one; the last merges with the one before), dropping the edge between them, until
  every bucket is empty or holds at least min_count visits. The remaining edges are always a
  subset of the configured ones, so windows can still be summed on the edges they share; the
  total (`visits`) is never changed. With fewer than min_count visits in all, one bucket
  remains (no edges): it says how many visits there were, which `entries` says anyway.
* Dwell median: null when the window has fewer than min_count completed visits.
* Occupancy, entries and line counts are plain counts of people and are not suppressed.

Default min_count is 5 (config `privacy.min_count`, edge.config.DEFAULT_MIN_COUNT), the usual
floor for published small-area counts. Trade-off: larger k protects better but zeroes more of a
quiet store's heatmap (lengthen `window_s` to keep detail). Distinct people are counted as
distinct tracks, so one person whose track broke counts twice: the rule errs on the side of
publishing, which is why k is not set lower than 5.
"""

from __future__ import annotations

import numpy as np

__all__ = ["suppress_cells", "merge_small_buckets", "suppress_median"]


def suppress_cells(values: np.ndarray, people: np.ndarray, min_count: int) -> np.ndarray:
    """Zero every cell whose distinct-people count is below min_count. Shapes must match."""
    values = np.asarray(values, dtype=np.float64)
    people = np.asarray(people)
    if values.shape != people.shape:
        raise ValueError(f"people: expected shape {values.shape}, got {people.shape}")
    return np.where(people >= min_count, values, 0.0)


def merge_small_buckets(
    edges_s: tuple[float, ...], counts: tuple[int, ...], min_count: int
) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Merge buckets with 1 … min_count−1 visits into a neighbour; see the module docstring.

    Example:
        >>> merge_small_buckets((10.0, 30.0, 120.0), (6, 2, 0, 7), 5)
        ((10.0,), (6, 9))
    """
    if len(counts) != len(edges_s) + 1:
        raise ValueError(f"counts: expected {len(edges_s) + 1} buckets for {len(edges_s)} edges, got {len(counts)}")
    edges, values = list(edges_s), list(counts)
    while len(values) > 1:
        small = [i for i, c in enumerate(values) if 0 < c < min_count]
        if not small:
            break
        i = small[0]
        j = i + 1 if i + 1 < len(values) else i - 1  # the next longer bucket, or the one before
        lo = min(i, j)
        values[lo] += values[lo + 1]
        del values[lo + 1]
        del edges[lo]  # the edge between bucket lo and lo+1
    return tuple(edges), tuple(values)


def suppress_median(median_s: float | None, visits: int, min_count: int) -> float | None:
    """The median of fewer than min_count visits is one person's dwell time: withhold it."""
    return median_s if visits >= min_count else None
