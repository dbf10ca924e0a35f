"""Pure decoding of YOLOX raw output into person Detections (see models/MODELS.md).

Per grid cell: tx, ty, tw, th, objectness, 80 class scores (sigmoid already applied).
    cx = (tx + gx)·stride   cy = (ty + gy)·stride   w = e^tw·stride   h = e^th·stride
"""

from __future__ import annotations

from functools import cache

import numpy as np

from edge.detections.detections import Detections

__all__ = ["yolox_grid", "decode_yolox", "nms"]

PERSON_CLASS = 0


@cache
def yolox_grid(input_size: int | tuple[int, int],
               strides: tuple[int, ...] = (8, 16, 32)) -> tuple[np.ndarray, np.ndarray]:
    """Grid cell offsets (n, 2) and strides (n, 1) in the model's output order for an input of
    `input_size` (a side, or (width, height)); computed once, the arrays are shared, read-only."""
    width, height = (input_size, input_size) if isinstance(input_size, int) else input_size
    grids, expanded = [], []
    for stride in strides:
        ys, xs = np.meshgrid(np.arange(height // stride), np.arange(width // stride), indexing="ij")
        grids.append(np.stack([xs, ys], axis=-1).reshape(-1, 2))
        expanded.append(np.full((xs.size, 1), stride))
    grid, stride = np.concatenate(grids).astype(np.float32), np.concatenate(expanded).astype(np.float32)
    grid.flags.writeable = stride.flags.writeable = False
    return grid, stride


def nms(xyxy: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression; returns kept indices, highest score first."""
    order = np.argsort(-scores, kind="stable")
    areas = (xyxy[:, 2] - xyxy[:, 0]).clip(0) * (xyxy[:, 3] - xyxy[:, 1]).clip(0)
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(xyxy[i, 0], xyxy[rest, 0])
        yy1 = np.maximum(xyxy[i, 1], xyxy[rest, 1])
        xx2 = np.minimum(xyxy[i, 2], xyxy[rest, 2])
        yy2 = np.minimum(xyxy[i, 3], xyxy[rest, 3])
        inter = (xx2 - xx1).clip(0) * (yy2 - yy1).clip(0)
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def decode_yolox(
    raw: np.ndarray,
    input_size: int | tuple[int, int],
    ratio: float,
    score_threshold: float,
    nms_iou: float = 0.45,
    frame_wh: tuple[int, int] | None = None,
) -> Detections:
    """Raw (1, n, 85) or (n, 85) output → person Detections in original-frame pixels.

    Args:
        raw: the model output.
        input_size: the model input's side (416), or its (width, height).
        ratio: resize ratio used at preprocessing (model px per frame px).
        score_threshold: keep boxes with objectness × person score at least this.
        nms_iou: overlap above which the weaker of two boxes is dropped.
        frame_wh: clip boxes to the frame when given.
    """
    out = np.asarray(raw, dtype=np.float32).reshape(-1, raw.shape[-1])
    grid, strides = yolox_grid(input_size)
    if out.shape[0] != grid.shape[0]:
        raise ValueError(f"raw: expected {grid.shape[0]} rows for input {input_size}, got {out.shape[0]}")
    scores = out[:, 4] * out[:, 5 + PERSON_CLASS]
    keep = scores >= score_threshold
    if not keep.any():
        return Detections.empty()
    cell, grid, strides, scores = out[keep], grid[keep], strides[keep], scores[keep]
    cxcy = (cell[:, 0:2] + grid) * strides
    wh = np.exp(np.clip(cell[:, 2:4], -10, 10)) * strides
    xyxy = np.concatenate([cxcy - wh / 2, cxcy + wh / 2], axis=1) / ratio
    if frame_wh is not None:
        xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, frame_wh[0])
        xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, frame_wh[1])
    kept = nms(xyxy, scores, nms_iou)
    return Detections(xyxy[kept].astype(np.float32), scores[kept].astype(np.float32))
