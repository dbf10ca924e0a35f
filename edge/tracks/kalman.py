"""Constant-velocity Kalman filter on (cx, cy, aspect, height), as in SORT/ByteTrack.

State x = [cx, cy, a, h, vcx, vcy, va, vh]; one predict() per tracker step. Noise scales with
the box height, so a far (small) person and a near (large) one are tracked alike.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KalmanBoxFilter", "xyxy_to_xyah", "xyah_to_xyxy"]

_STD_POSITION = 1.0 / 20
_STD_VELOCITY = 1.0 / 160


def xyxy_to_xyah(b: np.ndarray) -> np.ndarray:
    w, h = b[2] - b[0], max(b[3] - b[1], 1e-6)
    return np.array([b[0] + w / 2, b[1] + h / 2, w / h, h], dtype=np.float64)


def xyah_to_xyxy(m: np.ndarray) -> np.ndarray:
    h = m[3]
    w = m[2] * h
    return np.array([m[0] - w / 2, m[1] - h / 2, m[0] + w / 2, m[1] + h / 2], dtype=np.float64)


class KalmanBoxFilter:
    """One track's motion model. Example: f = KalmanBoxFilter(box); f.predict(); f.update(box2)."""

    _F = np.eye(8)
    _F[:4, 4:] = np.eye(4)
    _H = np.eye(4, 8)

    def __init__(self, xyxy: np.ndarray) -> None:
        z = xyxy_to_xyah(xyxy)
        self.mean = np.concatenate([z, np.zeros(4)])
        h = z[3]
        std = [2 * _STD_POSITION * h, 2 * _STD_POSITION * h, 1e-2, 2 * _STD_POSITION * h,
               10 * _STD_VELOCITY * h, 10 * _STD_VELOCITY * h, 1e-5, 10 * _STD_VELOCITY * h]
        self.covariance = np.diag(np.square(std))

    def predict(self) -> None:
        h = self.mean[3]
        std = [_STD_POSITION * h, _STD_POSITION * h, 1e-2, _STD_POSITION * h,
               _STD_VELOCITY * h, _STD_VELOCITY * h, 1e-5, _STD_VELOCITY * h]
        self.mean = self._F @ self.mean
        self.covariance = self._F @ self.covariance @ self._F.T + np.diag(np.square(std))
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
