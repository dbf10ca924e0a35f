"""The YOLOX input: any multiple of 32, a frame's longer side scaled to it, padded only to 32."""

from __future__ import annotations

import numpy as np
import pytest

from edge.detections.decode import yolox_grid
from edge.detections.yolox import check_input_size, free_input_size, input_shape, letterbox
from edge.errors import ModelError


@pytest.mark.parametrize(
    "frame_wh, size, expected",
    [
        ((1280, 720), 416, (416, 256, 0.325)),  # 16:9: 416×256, not a 416×416 square
        ((416, 416), 416, (416, 416, 1.0)),  # a square frame: as the model was exported
        ((1920, 1080), 1088, (1088, 640, 1088 / 1920)),
        ((720, 1280), 416, (256, 416, 0.325)),  # portrait: the longer side is the height
        ((640, 480), 1280, (1280, 960, 2.0)),  # a small frame is enlarged
    ],
)
def test_input_shape(frame_wh, size, expected):
    width, height, ratio = input_shape(frame_wh, size)
    assert (width, height) == expected[:2] and ratio == pytest.approx(expected[2])
    assert width % 32 == 0 and height % 32 == 0


def test_letterbox_pads_below_and_right_with_114():
    image = np.full((720, 1280, 3), 7, np.uint8)
    tensor, ratio = letterbox(image, 416)
    assert tensor.shape == (1, 3, 256, 416) and ratio == pytest.approx(0.325)
    assert (tensor[0, :, :234, :] == 7).all()  # 720 × 0.325 = 234 rows of image
    assert (tensor[0, :, 234:, :] == 114).all()


def test_grid_of_a_rectangular_input_matches_the_model_output_rows():
    grid, strides = yolox_grid((640, 384))
    assert len(grid) == len(strides) == 80 * 48 + 40 * 24 + 20 * 12  # 5040 rows, as the model gives
    assert tuple(grid[80 * 48 - 1]) == (79, 47) and strides[0, 0] == 8 and strides[-1, 0] == 32


@pytest.mark.parametrize("size", [100, 500, 64, 2048, "416"])
def test_an_input_size_the_network_cannot_take_is_refused(size):
    with pytest.raises(ValueError, match="input_size: expected a multiple of 32 from 128 to 1920"):
        check_input_size(size)


def test_free_input_size_refuses_a_model_of_another_shape():
    with pytest.raises(ModelError, match=r"not \(1, 3, 416, 416\)"):
        free_input_size(b"not a model")
