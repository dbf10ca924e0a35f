"""Constant-velocity Kalman filter on (cx, cy, aspect, height), as in SORT/ByteTrack, in seconds.

State x = [cx, cy, a, h, vcx, vcy, va, vh] with velocities in units per *second*, and
predict(dt_s) advances by the real time since the last step. So a track moves the same distance
whether the detector runs at 5 or 30 fps, or skips frames. Noise scales with the box height,
so a far (small) person and a near (large) one are tracked alike; it is given per reference step
of 1/25 s (the values SORT/ByteTrack use per frame) and scales with √(dt / step), as a random walk.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["KalmanBoxFilter", "xyxy_to_xyah", "xyah_to_xyxy"]

_STD_POSITION = 1.0 / 20
_STD_VELOCITY = 1.0 / 160
_REF_STEP_S = 1.0 / 25


def xyxy_to_xyah(b: np.ndarray) -> np.ndarray:
    w, h = b[2] - b[0], max(b[3] - b[1], 1e-6)
    return np.array([b[0] + w / 2, b[1] + h / 2, w / h, h], dtype=np.float64)


def xyah_to_xyxy(m: np.ndarray) -> np.ndarray:
    h = m[3]
    w = m[2] * h
    return np.array([m[0] - w / 2, m[1] - h / 2, m[0] + w / 2, m[1] + h / 2], dtype=np.float64)


class KalmanBoxFilter:
    """One track's motion model. Example: f = KalmanBoxFilter(box); f.predict(0.04); f.update(box2)."""

    _H = np.eye(4, 8)

    def __init__(self, xyxy: np.ndarray) -> None:
        z = xyxy_to_xyah(xyxy)
        self.mean = np.concatenate([z, np.zeros(4)])
        h = z[3]
        v = 10 * _STD_VELOCITY * h / _REF_STEP_S  # px/s: a new track may move in any direction
        std = [2 * _STD_POSITION * h, 2 * _STD_POSITION * h, 1e-2, 2 * _STD_POSITION * h,
               v, v, 1e-5, v]
        self.covariance = np.diag(np.square(std))

    def predict(self, dt_s: float) -> None:
        """Advance by dt_s seconds (0 does nothing)."""
        if dt_s <= 0:
            return
        h = self.mean[3]
        scale = math.sqrt(dt_s / _REF_STEP_S)
        vel = _STD_VELOCITY * h / _REF_STEP_S
        std = np.array([_STD_POSITION * h, _STD_POSITION * h, 1e-2, _STD_POSITION * h,
                        vel, vel, 1e-5, vel]) * scale
        f = np.eye(8)
        f[:4, 4:] = np.eye(4) * dt_s
        self.mean = f @ self.mean
        self.covariance = f @ self.covariance @ f.T + np.diag(np.square(std))
        self.mean[3] = max(self.mean[3], 1.0)

    def update(self, xyxy: np.ndarray) -> None:
        z = xyxy_to_xyah(xyxy)
        h = self.mean[3]
        r = np.diag(np.square([_STD_POSITION * h, _STD_POSITION * h, 1e-1, _STD_POSITION * h]))
        s = self._H @ self.covariance @ self._H.T + r
        k = np.linalg.solve(s, (self.covariance @ self._H.T).T).T
        self.mean = self.mean + k @ (z - self._H @ self.mean)
        self.covariance = (np.eye(8) - k @ self._H) @ self.covariance

    def box(self) -> np.ndarray:
        return xyah_to_xyxy(self.mean[:4])

    def centre_distance2(self, centres: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance of measured box centres (n, 2) from the predicted centre,
        measurement noise included: how surprising each would be as this track's next position.
        A new track knows little of its velocity, so its gate widens with the time since it was
        seen: a walker one box away after 0.2 s is plausible, after 1/30 s it is not."""
        h = self.mean[3]
        s = self.covariance[:2, :2] + np.eye(2) * (_STD_POSITION * h) ** 2
        d = np.asarray(centres, dtype=np.float64).reshape(-1, 2) - self.mean[:2]
        return np.einsum("ni,ij,nj->n", d, np.linalg.inv(s), d)
