from datetime import UTC, datetime

import pytest

from edge.events.events import CrossingEvent
from edge.windows.aggregate import Aggregator
from edge.windows.clock import iso_z, parse_iso_z, window_start

T0 = datetime(2026, 11, 11, 9, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    "ts, window_s, start",
    [
        (T0 + 59.9, 60, T0),          # still in the first minute
        (T0 + 60.0, 60, T0 + 60),     # half-open: the end belongs to the next window
        (T0 + 3599, 3600, T0),
    ],
)
def test_window_start_aligned(ts, window_s, start):
    assert window_start(ts, window_s) == start


def test_iso_z_round_trip():
    moment = parse_iso_z("2026-11-11T09:00:00Z")
    assert iso_z(moment) == "2026-11-11T09:00:00Z"
    assert parse_iso_z("2026-11-11T10:00:00+01:00") == moment
    assert parse_iso_z("2026-11-11T09:00:00") == moment  # naive is UTC


def test_aggregator_emits_every_window_including_empty_ones():
    agg = Aggregator("s1", "cam-1", 60, ["door"])
    assert agg.add([CrossingEvent("door", "in", T0 + 1)], T0 + 1) == []
    closed = agg.add([CrossingEvent("door", "out", T0 + 150)], T0 + 150)
    assert [(w.start.timestamp() - T0, w.in_count, w.out_count, w.frames) for w in closed] == [
        (0, 1, 0, 1),
        (60, 0, 0, 0),  # nothing happened in the second minute: still reported
    ]
    (last,) = agg.flush()
    assert (last.start.timestamp() - T0, last.out_count, last.frames) == (120, 1, 1)
    assert agg.flush() == []


def test_aggregator_says_how_long_the_camera_was_seen_in_each_window():
    agg = Aggregator("s1", "cam-1", 60, ["door"])
    closed = []
    # 10 fps from 0 to 50 s, a stall from 50 s to 58 s (a reconnect), 10 fps again until 130 s.
    times = [T0 + i / 10 for i in range(0, 501)] + [T0 + 58 + i / 10 for i in range(0, 721)]
    for ts in times:
        closed += agg.add([], ts)
    closed += agg.flush()
    # An interval counts to the window of the frame that ends it: 50 s + 1.9 s after the stall in
    # the first minute, whose last 0.1 s counts to the second.
    assert [round(w.seen_s, 6) for w in closed] == [51.9, 60.0, 10.1]
    assert sum(w.seen_s for w in closed) == pytest.approx(130.0 - 8.0)  # every interval once, the stall in none
    assert [w.frames for w in closed] == [521, 600, 101]


def test_a_window_the_camera_missed_was_seen_for_no_time():
    agg = Aggregator("s1", "cam-1", 60, ["door"])
    for k in range(5):
        agg.add([], T0 + k)
    first, missed = agg.add([], T0 + 150)  # the camera was away for 146 s
    assert (first.seen_s, missed.seen_s, missed.frames) == (4.0, 0.0, 0)
    (last,) = agg.flush()
    assert last.seen_s == 0.0  # one frame alone spans no time


def test_aggregator_reports_lines_without_crossings():
    agg = Aggregator("s1", "cam-1", 10, ["a", "b"])
    agg.add([CrossingEvent("b", "in", T0)], T0)
    (w,) = agg.flush()
    assert [(t.line_id, t.in_count, t.out_count) for t in w.lines] == [("a", 0, 0), ("b", 1, 0)]


def test_a_kept_open_window_is_taken_up_again_with_the_lines_that_still_exist():
    before = Aggregator("s1", "cam-1", 60, ["door", "side"])
    before.add([CrossingEvent("door", "in", T0 + 1), CrossingEvent("side", "out", T0 + 1)], T0 + 1)
    before.add([], T0 + 2)
    kept = before.partial()
    assert kept == {"start": T0, "window_s": 60, "frames": 2, "seen_s": 1.0,
                    "counts": [["door", "in", 1], ["side", "out", 1]], "parts": {}}
    after = Aggregator("s1", "cam-1", 60, ["door"])  # the side line was removed meanwhile
    assert after.resume(kept, now_ts=T0 + 30) == []
    after.add([CrossingEvent("door", "in", T0 + 31)], T0 + 31)
    (w,) = after.flush()
    assert (w.start.timestamp(), w.in_count, w.out_count, w.frames) == (T0, 2, 0, 3)
    assert Aggregator("s1", "cam-1", 300, ["door"]).resume(kept, now_ts=T0 + 30) == []  # another window length
