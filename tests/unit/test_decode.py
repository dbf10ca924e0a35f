import numpy as np
import pytest

from edge.detections.decode import decode_yolox, nms, yolox_grid


def raw_with(cells: dict[int, tuple[float, float, float, float, float, float]]) -> np.ndarray:
    """A raw YOLOX output with all-zero scores except the given cells (tx, ty, tw, th, obj, person)."""
    raw = np.zeros((1, 3549, 85), np.float32)
    for index, (tx, ty, tw, th, obj, person) in cells.items():
        raw[0, index, :6] = [tx, ty, tw, th, obj, person]
    return raw


def test_grid_has_3549_cells_in_stride_order():
    grid, strides = yolox_grid(416)
    assert grid.shape == (3549, 2)
    assert strides[0, 0] == 8 and strides[52 * 52, 0] == 16 and strides[-1, 0] == 32
    assert grid[53].tolist() == [1, 1]  # row-major: cell 53 of the 52×52 grid is (x=1, y=1)


def test_decode_box_formula_and_ratio():
    # cell 53 at stride 8: cx = (0.5 + 1)·8 = 12, w = e^0·8 = 8 → box 8..16 in model pixels
    raw = raw_with({53: (0.5, 0.5, 0.0, 0.0, 0.9, 0.8)})
    d = decode_yolox(raw, 416, ratio=0.5, score_threshold=0.1)
    assert len(d) == 1
    np.testing.assert_allclose(d.xyxy[0], [16, 16, 32, 32])  # ÷ ratio 0.5
    assert d.confidence[0] == pytest.approx(0.72)


@pytest.mark.parametrize(
    "obj, person, kept",
    [
        (0.9, 0.9, 1),    # clear person
        (0.9, 0.05, 0),   # object, but not a person: 0.045 < 0.1
        (0.2, 0.5, 1),    # exactly at the threshold 0.1 is kept
    ],
)
def test_decode_threshold_on_product(obj, person, kept):
    assert len(decode_yolox(raw_with({0: (0, 0, 0, 0, obj, person)}), 416, 1.0, 0.1)) == kept


def test_decode_clips_to_frame():
    raw = raw_with({0: (0.0, 0.0, 2.0, 2.0, 0.9, 0.9)})  # a big box around the top-left corner
    d = decode_yolox(raw, 416, 1.0, 0.1, frame_wh=(100, 50))
    assert d.xyxy[0, 0] == 0 and d.xyxy[0, 1] == 0 and d.xyxy[0, 2] <= 100 and d.xyxy[0, 3] <= 50


def test_decode_rejects_wrong_shape():
    with pytest.raises(ValueError, match="expected 3549 rows"):
        decode_yolox(np.zeros((1, 100, 85), np.float32), 416, 1.0, 0.1)


def test_nms_keeps_best_of_overlapping():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    assert nms(boxes, np.array([0.5, 0.9, 0.7]), 0.45).tolist() == [1, 2]
