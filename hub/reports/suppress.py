"""Small-cell suppression: a figure derived from fewer than k people is shown as "<k", never exactly.

    figure derived from n people      shown as
    n == 0                            0      (describes nobody, so it singles nobody out)
    0 < n < k                         "<k"   (e.g. "<5")
    n >= k                            the figure

Each figure is suppressed on the number of people it derives from: a count on itself (visitors,
entries, visits, engagements, occupancy), a mean or median on the people behind it (a zone's
mean occupancy on its entries, a median dwell on its visits), a heatmap on the visitors the
camera saw. Fractions of time (a mascot's visibility) and machine figures (fps) derive from no
one and are exact. See docs/PRIVACY.md.
"""

from __future__ import annotations

__all__ = ["DEFAULT_K", "Shown", "shown", "shown_if", "is_small", "check_k"]

DEFAULT_K = 5

Shown = int | float | str | None


def check_k(k: int) -> int:
    """k must be at least 1 (k = 1 shows every figure). Raises ValueError."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a whole number of people, at least 1; got {k!r}")
    return k


def is_small(people: float | None, k: int) -> bool:
    return people is not None and 0 < people < k


def shown(count: int | None, k: int) -> Shown:
    """A count of people as it may be shown."""
    return f"<{k}" if is_small(count, k) else count


def shown_if(value: float | None, people: float | None, k: int, digits: int | None = 1) -> Shown:
    """A figure derived from `people` people (a mean, a median) as it may be shown: "<k" when
    they are fewer than k, whatever the figure's unit (the mark reads "fewer than k people")."""
    if is_small(people, k):
        return f"<{k}"
    if value is None or digits is None:
        return value
    return round(value, digits)
