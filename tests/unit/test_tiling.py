"""TiledDetector: tile geometry and merging, with a fake detector."""

from __future__ import annotations

import numpy as np
import pytest

from edge.detections import Detections
from edge.detections.tiling import TiledDetector, tile_boxes


@pytest.mark.parametrize(
    "frame_wh, tiles, overlap, expected",
    [
        ((100, 100), (2, 1), 0.0, [(0, 0, 50, 100), (50, 0, 100, 100)]),
        ((120, 60), (2, 2), 0.2, [(0, 0, 67, 33), (53, 0, 120, 33), (0, 27, 67, 60), (53, 27, 120, 60)]),
    ],
)
def test_tile_boxes_cover_the_frame(frame_wh, tiles, overlap, expected):
    assert tile_boxes(frame_wh, tiles, overlap) == expected


class FakeDetector:
    """Finds the 'people' (boxes in frame px) that lie entirely inside the image it is given,
    as long as they are at least `min_h` px tall *after* the 416-px resize."""

    def __init__(self, people, frame_w, min_h=20):
        self.people, self.frame_w, self.min_h = people, frame_w, min_h
        self.offset = (0, 0)

    def detect(self, image):
        h, w = image.shape[:2]
        ox, oy = int(image[0, 0, 0]), int(image[0, 0, 1])  # the test paints each pixel with its x, y
        scale = 416 / max(w, h)
        found = []
        for x1, y1, x2, y2 in self.people:
            lx1, ly1, lx2, ly2 = x1 - ox, y1 - oy, x2 - ox, y2 - oy
            inside = lx1 >= 0 and ly1 >= 0 and lx2 <= w and ly2 <= h
            if inside and (ly2 - ly1) * scale >= self.min_h:
                found.append((lx1, ly1, lx2, ly2))
            elif lx2 > 0 and ly2 > 0 and lx1 < w and ly1 < h and not inside:
                found.append((max(lx1, 0), max(ly1, 0), min(lx2, w), min(ly2, h)))  # cut person
        if not found:
            return Detections.empty()
        return Detections(np.asarray(found, np.float32), np.full(len(found), 0.9, np.float32))


def coordinate_image(w, h):
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = (np.arange(w)[None, :] % 256).astype(np.uint8)
    img[..., 1] = (np.arange(h)[:, None] % 256).astype(np.uint8)
    return img


def test_tiles_find_small_people_and_merge_duplicates():
    small = (30.0, 30.0, 40.0, 50.0)     # 20 px tall in a 250 px frame: 33 px at 416 → found by the full frame
    tiny = (150.0, 150.0, 155.0, 160.0)  # 10 px tall: 17 px at 416, too small; 33 px on a tile
    people = [small, tiny]
    detector = FakeDetector(people, 250)
    image = coordinate_image(250, 250)
    assert len(detector.detect(image)) == 1
    found = TiledDetector(detector, (2, 2), overlap=0.2).detect(image)
    assert sorted(map(tuple, found.xyxy.tolist())) == sorted(people)  # no duplicates, no cut boxes
