"""TiledDetector: the full frame plus overlapping tiles, merged — for small, far-away people.

YOLOX-Nano sees a frame shrunk to 416 px; a person 40 px tall in a 1280 px frame is 13 px there,
below what it finds reliably. Running the same model on tiles enlarges them:

    ┌────────┬─┬────────┐   "2x2", overlap 0.2: four tiles, each ~55 % of the frame's width and
    │   0    │ │   1    │   height, overlapping by 20 % of a tile; every person up to that size is
    ├────────┼─┼────────┤   whole in at least one tile. Plus one full-frame pass, which keeps the
    │   2    │ │   3    │   people too big for a tile.
    └────────┴─┴────────┘

Merging: a tile's box that touches an inner tile edge is a person cut by the tile and is dropped
(the neighbouring tile or the full frame sees them whole); the rest are pooled with the
full-frame boxes and de-duplicated by NMS. Cost: (cols × rows + 1) inferences per frame;
bench/results/detection.md has recall by person height and ms per frame.
"""

from __future__ import annotations

import numpy as np

from edge.detections.decode import nms
from edge.detections.detections import Detections
from edge.detections.detector import Detector

__all__ = ["TiledDetector", "tile_boxes"]

EDGE_PX = 2.0  # a box within this of an inner tile edge was cut by the tile


def tile_boxes(frame_wh: tuple[int, int], tiles: tuple[int, int], overlap: float) -> list[tuple[int, int, int, int]]:
    """Pixel rectangles (x1, y1, x2, y2) of cols × rows tiles covering the frame, row-major.

    Example:
        >>> tile_boxes((100, 100), (2, 1), 0.0)
        [(0, 0, 50, 100), (50, 0, 100, 100)]
    """
    (w, h), (cols, rows) = frame_wh, tiles
    boxes = []
    tw = w / (cols - (cols - 1) * overlap)
    th = h / (rows - (rows - 1) * overlap)
    for r in range(rows):
        for c in range(cols):
            x1 = round(c * tw * (1 - overlap))
            y1 = round(r * th * (1 - overlap))
            boxes.append((x1, y1, min(w, round(x1 + tw)), min(h, round(y1 + th))))
    return boxes


class TiledDetector:
    """A Detector that runs `base` on the whole frame and on overlapping tiles.

    Args:
        base: the detector to run (any Detector).
        tiles: (cols, rows), for example (2, 2).
        overlap: overlap of neighbouring tiles, fraction of a tile (0–0.5). Must exceed the
            height of the people the tiles are for, relative to a tile, or a person on a seam is
            cut in both tiles (and then only the full frame may find them).
        nms_iou: boxes overlapping more than this are one person (0–1).

    Example:
        >>> TiledDetector(base, (2, 2)).detect(image)  # doctest: +SKIP
    """

    def __init__(self, base: Detector, tiles: tuple[int, int], overlap: float = 0.2, nms_iou: float = 0.5) -> None:
        if not 0.0 <= overlap < 1.0:
            raise ValueError(f"overlap: expected 0 ≤ overlap < 1, got {overlap}")
        self.base, self.tiles, self.overlap, self.nms_iou = base, tiles, overlap, nms_iou

    def detect(self, image: np.ndarray, ts: float | None = None) -> Detections:
        h, w = image.shape[:2]
        parts = [self.base.detect(image)]
        for x1, y1, x2, y2 in tile_boxes((w, h), self.tiles, self.overlap):
            found = self.base.detect(np.ascontiguousarray(image[y1:y2, x1:x2]))
            if not len(found):
                continue
            xyxy = found.xyxy + np.array([x1, y1, x1, y1], dtype=np.float32)
            cut = np.zeros(len(found), dtype=bool)
            if x1 > 0:
                cut |= xyxy[:, 0] <= x1 + EDGE_PX
            if y1 > 0:
                cut |= xyxy[:, 1] <= y1 + EDGE_PX
            if x2 < w:
                cut |= xyxy[:, 2] >= x2 - EDGE_PX
            if y2 < h:
                cut |= xyxy[:, 3] >= y2 - EDGE_PX
            parts.append(Detections(xyxy[~cut], found.confidence[~cut]))
        pooled = Detections.concat(parts)
        if not len(pooled):
            return pooled
        keep = nms(pooled.xyxy, pooled.confidence, self.nms_iou)
        return pooled[keep]
