"""ZoneMonitor, HeatmapAccumulator and the small-cell rule, on synthetic tracks."""

from __future__ import annotations

import numpy as np
import pytest

from edge.detections import Detections
from edge.events.heatmap import HeatmapAccumulator
from edge.events.zones import Zone, ZoneMonitor, dwell_histogram
from edge.protocol.schema import schema_errors
from edge.tracks.tracks import Tracks
from edge.windows.suppress import merge_small_buckets, suppress_cells

ZONE = Zone("till", ((0, 0), (100, 0), (100, 100), (0, 100)))
EDGES = (10.0, 30.0, 120.0, 300.0)


def tracks_at(*people: tuple[int, float, float]) -> Tracks:
    """(track_id, x, y) of each person's feet → Tracks with 40 px tall boxes."""
    boxes = [(x - 10, y - 40, x + 10, y) for _, x, y in people]
    xyxy = np.asarray(boxes, np.float32).reshape(-1, 4)
    return Tracks(Detections(xyxy, np.ones(len(boxes), np.float32)), np.array([p[0] for p in people], np.int64))


def run(monitor, timeline: list[tuple[float, list[tuple[int, float, float]]]]):
    for ts, people in timeline:
        monitor.update(tracks_at(*people), ts)


@pytest.mark.parametrize(
    "edges, counts, k, expected",
    [
        ((10.0, 30.0), (5, 6, 7), 5, ((10.0, 30.0), (5, 6, 7))),        # all big enough: unchanged
        ((10.0, 30.0), (5, 0, 7), 5, ((10.0, 30.0), (5, 0, 7))),        # an empty bucket says nothing
        ((10.0, 30.0), (2, 6, 7), 5, ((30.0,), (8, 7))),                # small first merges with the next
        ((10.0, 30.0), (6, 6, 1), 5, ((10.0,), (6, 7))),                # small last merges with the one before
        ((10.0, 30.0, 120.0), (6, 2, 0, 7), 5, ((10.0,), (6, 9))),      # merging runs until none is small
        ((10.0, 30.0), (1, 1, 1), 5, ((), (3,))),                       # too few in all: one bucket
        ((10.0, 30.0), (0, 0, 0), 5, ((10.0, 30.0), (0, 0, 0))),        # no visits: unchanged
    ],
)
def test_merge_small_buckets(edges, counts, k, expected):
    assert merge_small_buckets(edges, counts, k) == expected
    assert sum(expected[1]) == sum(counts)  # visits are never lost


def test_suppress_cells_zeroes_cells_seen_by_few_people():
    values = np.array([[4.0, 9.0], [1.0, 0.0]])
    people = np.array([[5, 4], [9, 0]])
    assert suppress_cells(values, people, 5).tolist() == [[4.0, 0.0], [1.0, 0.0]]


@pytest.mark.parametrize(
    "dwells, k, counts, median",
    [
        ([5.0] * 5 + [20.0] * 5, 5, (5, 5, 0, 0, 0), 12.5),  # buckets: <10, 10–30, …
        ([5.0, 400.0], 5, (2,), None),                        # two visits: merged and no median
        ([], 5, (0, 0, 0, 0, 0), None),                       # none completed
    ],
)
def test_dwell_histogram(dwells, k, counts, median):
    h = dwell_histogram(dwells, EDGES, k)
    assert (h.counts, h.median_s, h.visits) == (counts, median, len(dwells))


def test_one_visit_with_jitter_and_a_missed_frame_is_one_entry():
    m = ZoneMonitor([ZONE], EDGES, min_count=1)
    run(m, [
        (0.0, [(1, 150, 50)]),    # outside
        (1.0, [(1, 90, 50)]),     # enters
        (2.0, [(1, 101, 50)]),    # feet jitter just outside the edge
        (3.0, [(1, 95, 50)]),     # back in
        (4.0, []),                # not detected for a frame
        (5.0, [(1, 95, 50)]),
        (6.0, [(1, 150, 50)]),    # walks out
        (9.0, [(1, 150, 50)]),    # the grace (2 s) has passed: the visit ends
    ])
    (z,) = m.close_window(0.0, 60.0)
    assert (z.entries, z.dwell.visits, z.dwell.median_s, z.current, z.max) == (1, 1, 4.0, 0, 1)


def test_a_track_reformed_nearby_continues_the_visit():
    m = ZoneMonitor([ZONE], EDGES, min_count=1)
    run(m, [(0.0, [(1, 50, 50)]), (1.0, [(1, 52, 50)]), (1.5, [(2, 55, 52)]), (2.5, [(2, 55, 52)]),
            (10.0, [])])
    (z,) = m.close_window(0.0, 60.0)
    assert (z.entries, z.dwell.visits, z.dwell.median_s) == (1, 1, 2.5)


def test_occupancy_current_max_and_time_weighted_mean():
    m = ZoneMonitor([ZONE], EDGES, min_count=1)
    # one person for 0–10 s, two for 10–20 s (frames every 0.5 s), the window is 0–20 s
    timeline = [(t / 2, [(1, 50, 50)] + ([(2, 60, 60)] if t >= 20 else [])) for t in range(40)]
    run(m, timeline)
    (z,) = m.close_window(0.0, 20.0)
    assert (z.current, z.max, z.entries) == (2, 2, 2)
    assert z.mean == pytest.approx(1.5)
    (z2,) = m.close_window(20.0, 40.0)  # nothing seen after 19.5 s: held for at most 1 s
    assert (z2.current, z2.max, z2.entries) == (2, 2, 0) and z2.mean == pytest.approx(2.0)


def test_zone_payload_matches_the_schema():
    m = ZoneMonitor([ZONE], EDGES, min_count=5)
    run(m, [(0.0, [(1, 50, 50)]), (5.0, [])])
    (z,) = m.close_window(0.0, 60.0)
    payload = z.to_payload()
    # mean over the covered time: 1 person held 1 s after t=0, nobody for 1 s after t=5 (the gap
    # between, with no frame, is not covered)
    assert payload == {"zone_id": "till", "occupancy": {"current": 0, "max": 1, "mean": 0.5}, "entries": 1,
                       "dwell": {"edges_s": [], "counts": [1], "median_s": None, "visits": 1}}
    assert not _window_errors(zones=[payload])


def _window_errors(**extra) -> list[str]:
    doc = {"schema_version": 1, "kind": "window", "message_id": "0" * 32, "store_id": "s1", "camera_id": "c",
           "agent_id": "a", "window": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:01:00Z"},
           "frames": 1, "lines": [], **extra}
    return schema_errors(doc)


def test_heatmap_person_seconds_and_suppression():
    h = HeatmapAccumulator(cols=2, rows=1, min_count=2)
    frame = (200, 100)
    # person 1 stays left for 4 s; persons 2 and 3 pass through the right cell
    for t in range(5):
        people = [(1, 50, 50)] + ([(2, 150, 50), (3, 160, 60)] if t < 2 else [])
        h.update(tracks_at(*people), float(t), frame)
    grid = h.close_window(0.0, 60.0)
    # left: one person only → suppressed; right: 2 people × 2 s (frames at 0 and 1 s, held 1 s each)
    assert grid.person_seconds == (0.0, 4.0)
    assert not _window_errors(heatmap=grid.to_payload())
    assert h.close_window(60.0, 120.0).person_seconds == (0.0, 0.0)  # ids forgotten per window


def test_heatmap_without_suppression_sums_time_per_cell():
    h = HeatmapAccumulator(cols=2, rows=2, min_count=1)
    for t in range(3):
        h.update(tracks_at((1, 10, 90)), t * 0.5, (100, 100))
    # bottom-left: 2 × 0.5 s between frames, then the last frame held for max_hold_s (1 s)
    assert h.close_window(0.0, 60.0).person_seconds == (0.0, 0.0, 2.0, 0.0)


def test_a_restart_between_visits_leaves_the_windows_zone_and_heatmap_figures_as_without_it():
    """What partial() keeps and resume() takes back (a live agent restarted mid-window; no visit
    spans the restart): the figures equal those of the run that was never interrupted."""
    before = [(t, [(1, 50, 50)]) for t in np.arange(0.0, 12.0, 0.5)] + [(12.0, []), (14.0, [])]
    after = [(t, [(9, 50, 50)]) for t in np.arange(20.0, 41.0, 0.5)] + [(41.0, []), (43.0, [])]

    def monitors():
        return ZoneMonitor([ZONE], EDGES, min_count=1), HeatmapAccumulator(4, 2, min_count=1)

    whole, whole_heat = monitors()
    for ts, people in before + after:
        whole.update(tracks_at(*people), ts)
        whole_heat.update(tracks_at(*people), ts, (200, 200))
    first, first_heat = monitors()
    for ts, people in before:
        first.update(tracks_at(*people), ts)
        first_heat.update(tracks_at(*people), ts, (200, 200))
    kept, kept_heat = first.partial(), first_heat.partial()
    assert kept["zones"]["till"]["dwells_s"] == [11.5] and kept_heat["people"] == [0, 1, 0, 0, 0, 0, 0, 0]  # no ids
    again, again_heat = monitors()
    again.resume(kept)
    again_heat.resume(kept_heat)
    for ts, people in after:
        again.update(tracks_at(*people), ts)
        again_heat.update(tracks_at(*people), ts, (200, 200))
    (z_whole,), (z_again,) = whole.close_window(0.0, 60.0), again.close_window(0.0, 60.0)
    assert (z_again.entries, z_again.max, z_again.dwell) == (z_whole.entries, z_whole.max, z_whole.dwell) \
        and z_again.entries == 2
    # the mean over the time seen: the gap of the restart (14 s → 20 s) is not seen by either run
    assert z_again.mean == pytest.approx(z_whole.mean, abs=0.05)
    assert whole_heat.close_window(0.0, 60.0) == again_heat.close_window(0.0, 60.0)
