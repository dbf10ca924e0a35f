"""Where people's shadows fall in a top-down view, learnt from the people seen whole.

A person whose evidence and attached shadow are both seen gives the vector from one to the other,
in person widths; the running mean of these is the sun's direction and the shadows' length. Once
`SEEN` people agree on a shadow at least `MIN_LENGTH` long:

* a long dark blob lying along it is a person in dark clothes with their shadow, the person at
  its end towards the sun (`sunward_end`);
* at least `CRUSHED_LENGTH` long, a near-black region lying along it is a shadow the camera
  crushed, not black clothes (`topdown_compare.crushed_shadows`, given `direction`).

The detector keeps one `Sun` per scene (a moved camera may have its sun elsewhere).
"""

from __future__ import annotations

import numpy as np

__all__ = ["Sun"]

SEEN = 3  # people who must agree before the sun is used
MIN_LENGTH = 0.25  # person widths: a shorter shadow tells no direction
CRUSHED_LENGTH = 0.5  # person widths: long enough to tell crushed shadows by
RATE = 0.1  # running mean's weight of each new person


class Sun:
    """The learnt person → own shadow vector (`vector`, in person widths) and how many gave it."""

    def __init__(self) -> None:
        self.vector = np.zeros(2)
        self.seen = 0

    @property
    def length(self) -> float:
        return float(np.hypot(*self.vector))

    def direction(self, min_length: float = CRUSHED_LENGTH) -> np.ndarray | None:
        """Unit vector towards the shadows, once known and at least `min_length` long; else None."""
        length = self.length
        if self.seen < SEEN or length < min_length:
            return None
        return self.vector / length

    def learn(self, blob: np.ndarray, shadow: np.ndarray, xs: np.ndarray, ys: np.ndarray, size: float,
              person_area: float) -> None:
        """Take one person (evidence at xs, ys) and the shadow part of their blob."""
        sy, sx = np.nonzero(blob & shadow)
        if len(sx) < 0.3 * person_area or len(xs) < 0.3 * person_area:
            return
        v = np.array([sx.mean() - xs.mean(), sy.mean() - ys.mean()]) / size
        self.vector += RATE * (v - self.vector) if self.seen else v - self.vector
        self.seen += 1

    def sunward_end(self, xs: np.ndarray, ys: np.ndarray, axis: np.ndarray, size: float,
                    shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The pixels of a long dark blob that are a person in dark clothes: its end towards the
        sun, one person deep, if the blob lies along the learnt shadow direction and that end is
        inside the view (a shadow whose caster is outside it is nobody). Else none."""
        none = (xs[:0], ys[:0])
        u = self.direction(MIN_LENGTH)
        if u is None or abs(float(axis @ u)) < 0.6:
            return none
        t = xs * u[0] + ys * u[1]
        h, w = shape[:2]
        tip = t <= t.min() + 2.0
        if (xs[tip].min() <= 0 or ys[tip].min() <= 0 or xs[tip].max() >= w - 1
                or ys[tip].max() >= h - 1):
            return none
        end = t <= t.min() + 0.8 * size
        return xs[end], ys[end]
