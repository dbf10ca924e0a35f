"""Rollups: hour and day sums equal the windows' sums, through late and re-sent windows, time zone
changes and pruning. Pure Figures arithmetic first, then the writer's hook on a SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hub_data import window_row, write

from hub.prune import prune, prune_cutoff
from hub.store.db import open_db
from hub.store.figures import dwell_bins, figures_of, merge
from hub.store.rollups import rebuild_from_windows, set_default_tz, set_store_tz

T0 = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "edges, n_counts, lows",
    [
        ([10, 30], 3, [0.0, 10.0, 30.0]),             # interior edges: [0,10) [10,30) [30,∞)
        ([0, 10, 30], 3, [0.0, 10.0, 30.0]),          # lower edges
        ([0, 10, 30], 2, [0.0, 10.0]),                # full boundaries: the last edge closes the last bin
    ],
)
def test_dwell_bins(edges, n_counts, lows):
    assert dwell_bins(edges, n_counts) == lows


def payload(minute: int, **kw) -> dict:
    return window_row("s1", "cam-1", T0 + timedelta(minutes=minute), **kw).payload


def test_figures_add_counts_keep_maxima_and_weight_means():
    zone = {"entries": 2, "current": 1, "max": 3, "mean": 1.5, "counts": [1, 1, 0, 0, 0, 0], "median_s": 8}
    quiet = {"entries": 1, "current": 0, "max": 1, "mean": 0.5, "counts": [0, 0, 1, 0, 0, 0], "median_s": 40}
    fig = figures_of([
        payload(0, lines={"door": (3, 1)}, zones={"till": zone}, heatmap=(2, 1, [1.0, 2.0]),
                mascots={"bear": {"samples": 60, "visible_fraction": 0.5, "engagements": 2, "median_dwell_s": 4}}),
        payload(1, lines={"door": (2, 2)}, zones={"till": quiet}, heatmap=(2, 1, [0.5, 0.0]),
                mascots={"bear": {"samples": 60, "visible_fraction": 1.0, "engagements": 0}}),
        payload(2, lines={"door": (1, 0)}, heatmap=(3, 1, [9.0, 9.0, 9.0])),  # the grid changed
    ])
    assert (fig.windows, fig.seconds, fig.in_count, fig.out_count, fig.lines) == (3, 180, 6, 3, {"door": [6, 3]})
    till = fig.zones["till"]
    assert (till.entries, till.visits, till.occupancy_max) == (3, 3, 3)
    assert till.occupancy_mean_x_s / till.seconds == pytest.approx(1.0)       # (1.5·60 + 0.5·60) / 120
    assert till.dwell_median_x_visits / till.visits == pytest.approx((8 * 2 + 40) / 3)
    assert till.dwell_hist == {0.0: 1, 10.0: 1, 30.0: 1, 60.0: 0, 120.0: 0, 300.0: 0}  # empty bins keep the edges
    assert fig.heatmaps == {(2, 1): [1.5, 2.0], (3, 1): [9.0, 9.0, 9.0]}
    bear = fig.mascots["bear"]
    assert (bear.samples, bear.visible_samples, bear.engagements) == (120, 90.0, 2)
    halves = merge([figures_of([payload(0, lines={"door": (3, 1)})]), figures_of([payload(1, lines={"door": (2, 2)})])])
    assert (halves.in_count, halves.out_count, halves.windows) == (5, 3, 2)


def test_means_and_rates_weigh_each_window_by_the_seconds_its_camera_was_seen():
    busy = {"entries": 4, "current": 2, "max": 3, "mean": 2.0}
    stale = {"entries": 0, "current": 2, "max": 2, "mean": 2.0}  # a camera that froze holds its last figure
    fig = figures_of([
        payload(0, zones={"till": busy}, frames=600, seen_s=60.0),
        payload(1, zones={"till": {**busy, "mean": 0.5}}, frames=150, seen_s=15.0),  # reconnected after 45 s
        payload(2, zones={"till": stale}, frames=0, seen_s=0.0),                     # not seen at all
    ])
    assert (fig.windows, fig.seconds, fig.frames) == (3, 75.0, 750)
    assert fig.frames / fig.seconds == pytest.approx(10.0)                  # the camera's rate, not 750 / 180
    till = fig.zones["till"]
    assert till.occupancy_mean_x_s / till.seconds == pytest.approx((2.0 * 60 + 0.5 * 15) / 75)
    # From an agent that does not say (before seen_s): the window's length, as before.
    old = figures_of([payload(0, zones={"till": busy}), payload(1, zones={"till": {**busy, "mean": 0.5}})])
    assert old.seconds == 120 and old.zones["till"].occupancy_mean_x_s / old.zones["till"].seconds == 1.25


def rollup(db, grain: str, bucket: str, camera: str = "cam-1"):
    return db.execute("SELECT windows, in_count, out_count FROM rollup_cameras WHERE store_id = 's1' AND grain = ? "
                      "AND bucket = ? AND camera_id = ?", [grain, bucket, camera]).fetchone()


def zone_max(db, grain: str, bucket: str):
    return db.execute("SELECT occupancy_max, entries FROM rollup_zones WHERE grain = ? AND bucket = ?",
                      [grain, bucket]).fetchone()


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "hub.db")


def test_hour_and_day_rollups_equal_the_windows(db):
    write(db, [window_row("s1", "cam-1", T0 + timedelta(minutes=m), lines={"door": (m, 1)}) for m in range(90)])
    assert rollup(db, "hour", "2026-11-11T09:00:00Z") == (60, sum(range(60)), 60)
    assert rollup(db, "hour", "2026-11-11T10:00:00Z") == (30, sum(range(60, 90)), 30)
    assert rollup(db, "day", "2026-11-11") == (90, sum(range(90)), 90)
    (lines,) = db.execute("SELECT SUM(in_count) FROM rollup_lines WHERE grain = 'day'").fetchone()
    assert lines == sum(range(90))


def test_late_and_resent_windows_update_rollups(db):
    big = {"till": {"entries": 9, "max": 9, "mean": 3.0, "current": 2}}
    small = {"till": {"entries": 1, "max": 2, "mean": 1.0, "current": 1}}
    write(db, [window_row("s1", "cam-1", T0, lines={"door": (5, 1)}, zones=big),
               window_row("s1", "cam-1", T0 + timedelta(minutes=2), lines={"door": (1, 1)}, zones=small)])
    # late: minute 1 arrives after minute 2
    write(db, [window_row("s1", "cam-1", T0 + timedelta(minutes=1), lines={"door": (2, 0)}, zones=small)])
    assert rollup(db, "hour", "2026-11-11T09:00:00Z") == (3, 8, 2)
    # re-sent minute 0 with corrected figures replaces, never adds; the maximum goes down with it
    write(db, [window_row("s1", "cam-1", T0, lines={"door": (4, 0)}, zones=small)])
    assert rollup(db, "hour", "2026-11-11T09:00:00Z") == (3, 7, 1)
    assert rollup(db, "day", "2026-11-11") == (3, 7, 1)
    assert zone_max(db, "hour", "2026-11-11T09:00:00Z") == (2, 3)
    # the same window twice in one batch counts once
    again = window_row("s1", "cam-1", T0 + timedelta(minutes=3), lines={"door": (1, 0)})
    write(db, [again, again])
    assert rollup(db, "day", "2026-11-11") == (4, 8, 1)


def test_pruning_raw_windows_leaves_rollups_and_freezes_their_hours(db):
    old = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    write(db, [window_row("s1", "cam-1", old + timedelta(minutes=m), lines={"door": (2, 1)}) for m in range(3)])
    write(db, [window_row("s1", "cam-1", T0, lines={"door": (1, 1)})])
    before = db.execute("SELECT * FROM rollup_cameras ORDER BY grain, bucket").fetchall()
    result = prune(db, now=T0, days=90)
    assert result.windows == 3 and result.cutoff == prune_cutoff(T0, 90) == datetime(2026, 8, 13, tzinfo=UTC)
    assert db["windows"].count == 1
    assert db.execute("SELECT * FROM rollup_cameras ORDER BY grain, bucket").fetchall() == before
    # a re-send of a pruned hour is kept raw but cannot change the final rollup of that hour
    write(db, [window_row("s1", "cam-1", old, lines={"door": (50, 0)})])
    assert rollup(db, "hour", "2026-01-05T10:00:00Z") == (3, 6, 3)
    rebuild_from_windows(db)  # a rebuild also starts at the mark
    assert rollup(db, "hour", "2026-01-05T10:00:00Z") == (3, 6, 3)


def test_days_follow_the_store_time_zone(db):
    late = datetime(2026, 11, 11, 23, 30, tzinfo=UTC)  # 00:30 on the 12th in Berlin (UTC+1 in November)
    write(db, [window_row("s1", "cam-1", late, lines={"door": (7, 0)}),
               window_row("s1", "cam-1", T0, lines={"door": (1, 0)})])
    assert rollup(db, "day", "2026-11-11")[1] == 8
    set_store_tz(db, "s1", "Europe/Berlin")
    assert rollup(db, "day", "2026-11-11")[1] == 1 and rollup(db, "day", "2026-11-12")[1] == 7
    # new windows go to Berlin days as they arrive
    write(db, [window_row("s1", "cam-1", late + timedelta(minutes=1), lines={"door": (1, 0)})])
    assert rollup(db, "day", "2026-11-12")[1] == 8


def test_default_zone_applies_to_stores_without_their_own(db):
    write(db, [window_row("s1", "cam-1", datetime(2026, 11, 11, 23, 0, tzinfo=UTC), lines={"door": (3, 0)})])
    assert set_default_tz(db, "Asia/Tokyo") == 1
    assert rollup(db, "day", "2026-11-12")[1] == 3
    assert set_default_tz(db, "Asia/Tokyo") == 0  # unchanged: nothing rebuilt


def test_dst_day_has_23_hours(db):
    # Europe/Berlin springs forward on 2026-03-29: that local day is 23:00Z (28th) … 22:00Z, 23 hours
    set_store_tz(db, "s1", "Europe/Berlin")
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    write(db, [window_row("s1", "cam-1", start + timedelta(hours=h), window_s=3600, lines={"door": (1, 0)})
               for h in range(24)])
    days = dict(db.execute("SELECT bucket, in_count FROM rollup_cameras WHERE grain = 'day'").fetchall())
    assert days == {"2026-03-29": 23, "2026-03-30": 1}


def test_old_database_gets_its_rollups_filled(tmp_path):
    db = open_db(tmp_path / "hub.db")
    write(db, [window_row("s1", "cam-1", T0, lines={"door": (4, 2)})])
    for table in ("rollup_cameras", "rollup_lines", "rollup_zones", "rollup_heatmaps", "rollup_mascots", "cameras"):
        db.execute(f"DROP TABLE {table}")
    db.conn.commit()
    again = open_db(tmp_path / "hub.db")
    assert rollup(again, "day", "2026-11-11") == (1, 4, 2)
