import numpy as np
import pytest

from edge.geometry import (
    anchor_points,
    crosses_segment,
    points_in_polygon,
    polygon_area,
    side_of_line,
    signed_distance,
)

A, B = (0.0, 100.0), (200.0, 100.0)  # horizontal line drawn left to right: down is "in" (s > 0)


@pytest.mark.parametrize(
    "point, sign",
    [
        ((50, 150), 1),    # below a left-to-right line: s > 0
        ((50, 50), -1),    # above: s < 0
        ((50, 100), 0),    # on the line
        ((500, 150), 1),   # beyond the segment's end: the side is still defined (extension)
    ],
)
def test_side_of_line_sign(point, sign):
    assert np.sign(side_of_line(A, B, np.array(point))) == sign


def test_signed_distance_is_pixels():
    assert signed_distance(A, B, np.array([[10, 130], [10, 90]])).tolist() == [30.0, -10.0]


def test_signed_distance_rejects_zero_length_line():
    with pytest.raises(ValueError, match="zero length"):
        signed_distance(A, A, np.array([1, 2]))


def test_anchor_is_bottom_centre():
    assert anchor_points(np.array([[10, 20, 30, 80]])).tolist() == [[20.0, 80.0]]


@pytest.mark.parametrize(
    "p, q, expected",
    [
        ((100, 50), (100, 150), True),    # straight through the middle
        ((300, 50), (300, 150), False),   # through the extension only
        ((200, 50), (200, 150), True),    # exactly over the end point B
        ((100, 50), (100, 99), False),    # stops short of the line
        ((-50, 100), (50, 100), True),    # along the line, overlapping the segment
        ((250, 100), (300, 100), False),  # along the extension
    ],
)
def test_crosses_segment(p, q, expected):
    assert crosses_segment(A, B, p, q) is expected


def test_points_in_polygon_even_odd():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]])
    inside = points_in_polygon(np.array([[5, 5], [15, 5], [-1, -1], [9.9, 0.1]]), square)
    assert inside.tolist() == [True, False, False, True]


@pytest.mark.parametrize("polygon, area", [
    ([(0, 0), (4, 0), (4, 3)], 6.0),
    ([(0, 0), (0, 3), (4, 3), (4, 0)], 12.0),                        # clockwise on the image: same area
    ([(0, 0), (4, 0), (4, 4), (2, 4), (2, 2), (0, 2)], 12.0),        # concave (an L)
    ([(10, 10), (100, 10), (200, 10)], 0.0),                         # on one line
])
def test_polygon_area(polygon, area):
    assert polygon_area(polygon) == pytest.approx(area)
