"""LineCounter: table-driven paths of one person's feet, and broken tracks that re-form."""

from __future__ import annotations

import numpy as np
import pytest

from edge.detections import Detections
from edge.events.lines import CountingLine, LineCounter
from edge.tracks.tracks import Tracks

# horizontal line y=100 from x=0 to x=200, drawn left to right: moving down the image is "in"
LINE = CountingLine("door", (0.0, 100.0), (200.0, 100.0))
H = 100.0  # box height: the dead band is ±10 px


def frame(*people: tuple[int, float, float]) -> Tracks:
    boxes = [(x - 20, y - H, x + 20, y) for _, x, y in people]
    xyxy = np.asarray(boxes, np.float32).reshape(-1, 4)
    return Tracks(Detections(xyxy, np.ones(len(boxes), np.float32)), np.array([p[0] for p in people], np.int64))


def count(path: list[list[tuple[int, float, float]]]) -> list[str]:
    counter = LineCounter(LINE)
    events = []
    for i, people in enumerate(path):
        events += [e.direction for e in counter.update(frame(*people), ts=i * 0.1)]
    return events


@pytest.mark.parametrize(
    "ys, expected",
    [
        ([50, 80, 120, 150], ["in"]),                         # walks down across the line
        ([150, 120, 80, 50], ["out"]),                        # walks up across it
        ([50, 95, 105, 96, 104, 97, 103, 95, 50], []),        # lingers on the line, feet jitter ±5 px
        ([50, 95, 105, 96, 104, 120, 104, 96, 120], ["in"]),  # lingers, then goes in: counted once
        ([50, 120, 50, 120], ["in", "out", "in"]),            # really goes back and forth
        ([50, 105, 108, 50], []),                             # steps onto the line and back
        ([95, 120], ["in"]),                                  # first seen in the band: starts on its side
        ([105, 120], []),                                     # first seen in the band, already past it
    ],
)
def test_one_person_crossing(ys, expected):
    assert count([[(1, 100.0, float(y))] for y in ys]) == expected


def test_passing_beside_the_segment_is_not_a_crossing():
    assert count([[(1, 300.0, 50.0)], [(1, 300.0, 150.0)]]) == []  # x=300 is past B's end


def test_track_broken_on_the_line_and_reformed_counts_once():
    # track 1 comes from above and vanishes in the band; track 2 appears nearby below it
    path = [[(1, 100, 50)], [(1, 100, 80)], [(1, 100, 98)], [], [], [(2, 104, 115)], [(2, 104, 140)]]
    assert count(path) == ["in"]


def test_track_broken_after_crossing_is_not_counted_again():
    path = [[(1, 100, 50)], [(1, 100, 130)], [], [(2, 100, 140)], [(2, 100, 160)]]
    assert count(path) == ["in"]


def test_reform_too_far_away_is_another_person():
    # track 1 vanishes above the line; track 2 appears far away (> one box height) below
    path = [[(1, 20, 50)], [], [(2, 180, 150)], [(2, 180, 160)]]
    assert count(path) == []


def test_two_people_crossing_opposite_ways_at_once():
    path = [[(1, 80, 50), (2, 120, 150)], [(1, 80, 150), (2, 120, 50)]]
    assert sorted(count(path)) == ["in", "out"]


def test_state_is_pruned_when_tracks_go():
    counter = LineCounter(LINE)
    counter.update(frame((1, 100, 50), (2, 150, 150)), ts=0.0)
    assert counter.state_count == 2
    counter.update(frame(), ts=10.0)
    assert counter.state_count == 0


def test_center_anchor_uses_the_box_centre():
    counter = LineCounter(LINE, anchor="center")
    # feet cross y=100 but the centre (feet − 50) stays above the line: nothing
    events = [counter.update(frame((1, 100, y)), ts=i) for i, y in enumerate([60.0, 140.0])]
    assert events == [[], []]
    assert [e.direction for e in counter.update(frame((1, 100, 200.0)), ts=3)] == ["in"]


def boxes(*xyxy: tuple[float, float, float, float]) -> Tracks:
    arr = np.asarray(xyxy, np.float32).reshape(-1, 4)
    return Tracks(Detections(arr, np.ones(len(arr), np.float32)), np.arange(1, len(arr) + 1, dtype=np.int64))


# a 200×200 frame; the line y=100 from right to left, so walking UP the image is "in";
# anchor "center": the body centre crosses
ENTRANCE = CountingLine("entrance", (200.0, 100.0), (0.0, 100.0))


@pytest.mark.parametrize(
    "first_box, later_box, expected",
    [
        # first found already past the line, box cut by the bottom edge: came in from below
        ((80, 20, 120, 199), (80, 10, 120, 150), ["in"]),
        # the same box, but clear of every edge: it came out of an occlusion, no history
        ((80, 20, 120, 170), (80, 10, 120, 150), []),
        # cut by the top edge and still above the line: it came from the top, no crossing
        ((80, 0, 120, 60), (80, 0, 120, 70), []),
        # cut by the left edge below the line: it entered on the side it is on, nothing crossed
        ((0, 120, 30, 190), (10, 130, 40, 195), []),
    ],
)
def test_a_track_cut_by_the_frame_edge_came_in_through_it(first_box, later_box, expected):
    counter = LineCounter(ENTRANCE, anchor="center")
    events = counter.update(boxes(first_box), 0.0, (200, 200)) + counter.update(boxes(later_box), 0.1, (200, 200))
    assert [e.direction for e in events] == expected


def test_without_the_frame_size_there_is_no_entry_history():
    counter = LineCounter(ENTRANCE, anchor="center")
    assert counter.update(boxes((80, 20, 120, 199)), 0.0) == []


def born_frame(track_id: int, x: float, y: float, born_y: float | None) -> Tracks:
    t = frame((track_id, x, y))
    born = None if born_y is None else np.asarray([[x - 20, born_y - H, x + 20, born_y]], np.float32)
    return Tracks(t.detections, t.track_id, born)


@pytest.mark.parametrize(
    "born_y, expected",
    [
        (60, ["in"]),     # born above the line, first reported below it (a 5 fps walker): counted
        (140, []),        # born below too: nothing crossed
        (95, []),         # born inside the dead band: its side is unknown, nothing is counted
        (None, []),       # no birth history: starts on the side it is first seen on
    ],
)
def test_a_new_track_starts_from_where_it_was_born(born_y, expected):
    counter = LineCounter(LINE)
    events = counter.update(born_frame(7, 100, 130, born_y), ts=0.0)
    events += counter.update(frame((7, 100, 160)), ts=0.2)
    assert [e.direction for e in events] == expected


def test_a_reformed_track_keeps_the_vanished_ones_side_over_its_birth():
    # crossed as track 1, broke, re-formed as track 2 whose birth box is (wrongly) above the line:
    # it inherits track 1's side, so the crossing is not counted again
    counter = LineCounter(LINE)
    events = []
    for i, y in enumerate([50, 80, 130]):
        events += counter.update(frame((1, 100, y)), ts=i * 0.1)
    events += counter.update(born_frame(2, 100, 140, 60), ts=0.4)
    events += counter.update(frame((2, 100, 160)), ts=0.5)
    assert [e.direction for e in events] == ["in"]
