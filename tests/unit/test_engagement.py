"""EngagementMonitor: visibility, engagements with dwell, missing-mascot alerts (pure, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from edge.mascots.engagement import (
    EngagementMonitor,
    EngagementSettings,
    MascotSighting,
    engagement_zone,
)

FOX = MascotSighting("mascot-fox", (100.0, 100.0, 150.0, 200.0))  # zone: x 75..175, y 100..300
IN_ZONE = (125.0, 260.0)  # feet on the floor in front of the card
OUT = (600.0, 600.0)
SETTINGS = EngagementSettings(min_dwell_s=3.0, max_gap_s=1.0, missing_alert_s=60.0)


def run(samples, settings=SETTINGS, ids=("mascot-fox",)):
    """samples: list of (ts, visible?, {track: anchor}); returns the monitor and all alerts."""
    monitor = EngagementMonitor(ids, settings)
    alerts = []
    for ts, visible, anchors in samples:
        alerts += monitor.update(ts, [FOX] if visible else [], anchors)
    return monitor, alerts


def test_zone_covers_card_and_floor_in_front():
    assert engagement_zone(FOX.xyxy, SETTINGS) == (75.0, 100.0, 175.0, 300.0)


@pytest.mark.parametrize(
    "track_path, expected_dwells",
    [
        # stays 5 s in the zone (samples every second), then leaves: one engagement of 5 s
        ([IN_ZONE] * 6 + [OUT] * 3, (5.0,)),
        # passes through for 2 s: shorter than min_dwell_s, not an engagement
        ([IN_ZONE] * 3 + [OUT] * 5, ()),
        # never enters
        ([OUT] * 8, ()),
        # 1-sample gap (<= max_gap_s) inside a 6 s visit does not split it
        ([IN_ZONE] * 3 + [OUT] + [IN_ZONE] * 3 + [OUT] * 3, (6.0,)),
        # 3-sample gap (> max_gap_s) splits into two visits of 3 s and 3 s
        ([IN_ZONE] * 4 + [OUT] * 3 + [IN_ZONE] * 4 + [OUT] * 3, (3.0, 3.0)),
        # the track disappears (no anchor) after 4 s in the zone: the visit ends, 4 s counts
        ([IN_ZONE] * 5 + [None] * 3, (4.0,)),
    ],
)
def test_engagements_and_dwell(track_path, expected_dwells):
    samples = [(float(t), True, {} if xy is None else {"t1": xy}) for t, xy in enumerate(track_path)]
    monitor, _ = run(samples)
    stats = monitor.close_window(0.0, 60.0)["mascot-fox"]
    assert stats.dwell_s == expected_dwells
    assert stats.engagements == len(expected_dwells)
    if expected_dwells:
        assert stats.median_dwell_s == sorted(expected_dwells)[len(expected_dwells) // 2]
    else:
        assert stats.median_dwell_s is None


def test_median_of_several_people():
    anchors = {}
    samples = []
    for t in range(20):
        anchors = {
            "a": IN_ZONE if t < 4 else OUT,  # 3 s
            "b": IN_ZONE if t < 8 else OUT,  # 7 s
            "c": IN_ZONE if 2 <= t < 12 else OUT,  # 9 s
        }
        samples.append((float(t), True, anchors))
    monitor, _ = run(samples)
    stats = monitor.close_window(0.0, 60.0)["mascot-fox"]
    assert sorted(stats.dwell_s) == [3.0, 7.0, 9.0]
    assert stats.median_dwell_s == 7.0


def test_visible_fraction_per_window_and_windows_do_not_double_count():
    # visible in 3 of 4 samples in [0, 4), then 1 of 2 in [4, 6)
    samples = [(0.0, True, {}), (1.0, True, {}), (2.0, False, {}), (3.0, True, {}),
               (4.0, False, {}), (5.0, True, {})]
    monitor, _ = run(samples)
    first = monitor.close_window(0.0, 4.0)["mascot-fox"]
    assert (first.samples, first.visible_samples, first.visible_fraction) == (4, 3, 0.75)
    second = monitor.close_window(4.0, 6.0)["mascot-fox"]
    assert (second.samples, second.visible_fraction) == (2, 0.5)
    empty = monitor.close_window(6.0, 8.0)["mascot-fox"]
    assert (empty.samples, empty.visible_fraction) == (0, None)


def test_engagement_is_counted_in_the_window_where_it_ends():
    samples = [(float(t), True, {"p": IN_ZONE if t < 8 else OUT}) for t in range(12)]
    monitor, _ = run(samples)
    assert monitor.close_window(0.0, 5.0)["mascot-fox"].engagements == 0  # still open at 5 s
    assert monitor.close_window(5.0, 12.0)["mascot-fox"].dwell_s == (7.0,)


def test_zone_stays_where_mascot_was_last_seen_during_brief_misses():
    samples = [(0.0, True, {"p": IN_ZONE})] + [(float(t), False, {"p": IN_ZONE}) for t in range(1, 6)]
    samples += [(6.0, False, {"p": OUT}), (7.0, False, {"p": OUT}), (8.0, False, {})]
    monitor, _ = run(samples)
    assert monitor.close_window(0.0, 60.0)["mascot-fox"].dwell_s == (5.0,)


def test_no_zone_before_the_mascot_was_ever_seen():
    samples = [(float(t), False, {"p": IN_ZONE}) for t in range(10)] + [(10.0, False, {})]
    monitor, _ = run(samples)
    assert monitor.close_window(0.0, 60.0)["mascot-fox"].engagements == 0


@pytest.mark.parametrize(
    "visible_at, until, expected_alert_ts",
    [
        # seen at 0, never again: one alert at the first sample >= 60 s later, not repeated
        ({0}, 130, [60.0]),
        # seen again at 70 after the alert: the alert re-arms and fires 60 s later
        ({0, 70}, 140, [60.0, 130.0]),
        # seen every 50 s: never missing for 60 s
        ({0, 50, 100}, 140, []),
        # never seen at all: counts from the first sample
        (set(), 70, [60.0]),
    ],
)
def test_missing_mascot_alert(visible_at, until, expected_alert_ts):
    samples = [(float(t), t in visible_at, {}) for t in range(0, until + 1, 10)]
    _, alerts = run(samples)
    assert [a.ts for a in alerts] == expected_alert_ts
    assert all(a.mascot_id == "mascot-fox" and a.missing_s >= 60.0 for a in alerts)


def test_unregistered_mascot_is_ignored_and_every_registered_one_is_reported():
    monitor = EngagementMonitor(["mascot-fox", "mascot-panda"], SETTINGS)
    monitor.update(0.0, [MascotSighting("mascot-owl", (0, 0, 10, 10)), FOX], {})
    stats = monitor.close_window(0.0, 1.0)
    assert set(stats) == {"mascot-fox", "mascot-panda"}
    assert stats["mascot-fox"].visible_fraction == 1.0
    assert stats["mascot-panda"].visible_fraction == 0.0


def test_datetime_windows_and_no_track_ids_in_output():
    t0 = datetime(2026, 11, 11, 10, 0, tzinfo=UTC).timestamp()
    samples = [(t0 + t, True, {"secret-track-42": IN_ZONE if t < 6 else OUT}) for t in range(10)]
    monitor, _ = run(samples)
    start = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)
    end = datetime(2026, 11, 11, 10, 1, tzinfo=UTC)
    stats = monitor.close_window(start, end)["mascot-fox"]
    assert stats.dwell_s == (5.0,)
    assert "secret-track-42" not in repr(stats)


def test_flush_counts_visits_open_at_the_end_of_a_recording():
    samples = [(float(t), True, {"p": IN_ZONE}) for t in range(6)]
    monitor, _ = run(samples)
    monitor.flush(5.0)
    assert monitor.close_window(0.0, 60.0)["mascot-fox"].dwell_s == (5.0,)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: (m.update(5.0, [], {}), m.update(4.0, [], {})), "must not go backwards"),
        (lambda m: m.close_window(10.0, 10.0), "expected start < end"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call(EngagementMonitor(["mascot-fox"], SETTINGS))


def test_bad_settings():
    with pytest.raises(ValueError, match="min_dwell_s"):
        EngagementSettings(min_dwell_s=-1)


def test_a_restart_between_engagements_leaves_the_windows_mascot_figures_as_without_it():
    """partial() before a restart and resume() after it (a live agent restarted mid-window, no
    visit spanning the restart): the window's figures equal an uninterrupted run's."""
    before = [(float(t), t % 3 != 0, {1: IN_ZONE} if t < 6 else {}) for t in range(0, 10)]
    after = [(float(t), True, {9: IN_ZONE} if t < 26 else {}) for t in range(20, 30)]
    whole, _ = run(before + after)
    first, _ = run(before)
    kept = first.partial()
    assert kept["samples"] == 10 and kept["dwells_s"] == {"mascot-fox": [4.0]}  # counts, no track
    again = EngagementMonitor(("mascot-fox",), SETTINGS)
    again.resume(kept)
    for ts, visible, anchors in after:
        again.update(ts, [FOX] if visible else [], anchors)
    expected, got = whole.close_window(0.0, 60.0)["mascot-fox"], again.close_window(0.0, 60.0)["mascot-fox"]
    assert (got.samples, got.visible_samples, got.engagements, got.dwell_s) == \
        (expected.samples, expected.visible_samples, expected.engagements, expected.dwell_s)
    assert (got.samples, got.engagements) == (20, 2)
    assert EngagementMonitor(("mascot-fox",), SETTINGS).partial() is None  # nothing sampled yet
