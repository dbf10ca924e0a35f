"""Store model, store days and the occupancy estimate: pure code on synthetic days (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.errors import ConfigError
from hub.occupancy.days import calendar_day, local_hours, store_day, store_day_at
from hub.occupancy.estimate import DayBalance, entrance_flows, exit_scale, occupancy_curve
from hub.occupancy.model import DriftSettings, model_to_dict, parse_store_model, parse_store_models

WEEK = {d: "09:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": "closed"}
DOOR = {"camera": "entrance", "line": "door", "in_direction": "in"}


def model(tz: str = "Europe/Berlin", **kw):
    raw = {"tz": tz, "hours": WEEK, "entrances": [DOOR], "reset_grace_min": 30} | kw
    return parse_store_model("s1", raw)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- the model file ------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"tz": "Europe/Berlinn"}, "tz: expected an IANA time zone like Europe/Berlin, got 'Europe/Berlinn'"),
    ({"hours": WEEK | {"mon": "9-20"}}, "hours.mon: expected opening hours like \"09:00-20:00\""),
    ({"hours": WEEK | {"mon": "09:00-09:00"}}, "hours.mon: expected opening hours"),       # opens = closes
    ({"hours": {d: h for d, h in WEEK.items() if d != "sun"}}, "hours.sun: missing"),
    ({"hours": WEEK | {"sunday": "closed"}}, "hours.sunday: unknown key; did you mean 'sun'?"),
    ({"entrances": []}, "entrances: expected a list of doors"),
    ({"entrances": [DOOR | {"in_direction": "inside"}]}, "entrances[0].in_direction: expected in or out"),
    ({"entrances": [DOOR | {"camera": "Front Door"}]}, "entrances[0].camera: expected an id"),
    ({"entrances": [DOOR, DOOR]}, "entrances[1]: line entrance/door is already an entrance"),
    ({"entrance": [DOOR]}, "entrance: unknown key; did you mean 'entrances'?"),
    ({"exceptions": {"2026-13-01": "closed"}}, "exceptions.2026-13-01: expected a date like 2026-12-24"),
    ({"reset_grace_min": -5}, "reset_grace_min: expected a whole number from 0 to 720, got -5"),
    ({"drift": {"min_days": 20}}, "drift.min_days: 20 is more than history_days (14)"),
    ({"drift": {"max_correction": 3}}, "drift.max_correction: expected a fraction from 0 to 1"),
])
def test_bad_models_name_the_field(change, message):
    with pytest.raises(ConfigError) as e:
        model(**change)
    assert str(e.value).startswith("store model: ") and message in str(e.value)


def test_a_file_reports_every_error_with_its_path():
    doc = {"stores": {"s1": {"tz": "Mars/Base", "hours": WEEK, "entrances": [DOOR]},
                      "s2": {"tz": "UTC", "hours": WEEK | {"sat": "late"}, "entrances": [DOOR]}}}
    with pytest.raises(ConfigError) as e:
        parse_store_models(doc, "stores.yaml")
    text = str(e.value)
    assert text.startswith("stores.yaml: 2 errors")
    assert "stores.s1.tz: expected an IANA time zone" in text and "stores.s2.hours.sat: expected opening" in text
    with pytest.raises(ConfigError, match="expected a mapping `stores:`"):
        parse_store_models({"store": {}}, "stores.yaml")


def test_model_round_trips_through_its_file_shape():
    m = model(exceptions={"2026-12-25": "closed", date(2026, 12, 24): "09:00-14:00"}, name="Mitte",
              hours=WEEK | {"fri": "09:00-24:00", "sat": "20:00-02:00"}, drift={"history_days": 7})
    doc = model_to_dict(m)
    assert doc["hours"]["fri"] == "09:00-24:00" and doc["exceptions"] == {"2026-12-24": "09:00-14:00",
                                                                            "2026-12-25": "closed"}
    assert parse_store_model("s1", doc) == m
    assert m.drift == DriftSettings(history_days=7)


# ---- store days across daylight-saving changes ---------------------------------------------

@pytest.mark.parametrize("tz, day, hours, reset_utc", [
    # Berlin springs forward on Sunday 29 March 2026 and falls back on Sunday 25 October 2026
    ("Europe/Berlin", date(2026, 3, 28), 24, utc(2026, 3, 28, 19, 30)),    # Sat, 20:00 CET + 30 min
    ("Europe/Berlin", date(2026, 3, 29), 23, utc(2026, 3, 29, 18, 30)),    # open Sunday: 20:00 CEST
    ("Europe/Berlin", date(2026, 3, 30), 24, utc(2026, 3, 30, 18, 30)),
    ("Europe/Berlin", date(2026, 10, 24), 24, utc(2026, 10, 24, 18, 30)),  # 20:00 CEST
    ("Europe/Berlin", date(2026, 10, 25), 25, utc(2026, 10, 25, 19, 30)),  # 20:00 CET
    # New York springs forward on Sunday 8 March 2026 and falls back on Sunday 1 November 2026
    ("America/New_York", date(2026, 3, 7), 24, utc(2026, 3, 8, 1, 30)),     # 20:00 EST = 01:00Z next day
    ("America/New_York", date(2026, 3, 8), 23, utc(2026, 3, 9, 0, 30)),     # 20:00 EDT
    ("America/New_York", date(2026, 10, 31), 24, utc(2026, 11, 1, 0, 30)),  # 20:00 EDT
    ("America/New_York", date(2026, 11, 1), 25, utc(2026, 11, 2, 1, 30)),   # 20:00 EST
])
def test_the_nightly_reset_is_at_local_closing_plus_grace_on_dst_days(tz, day, hours, reset_utc):
    m = model(tz, hours=WEEK | {"sun": "09:00-20:00"})
    sd = store_day(m, day)
    assert sd.reset == reset_utc
    assert sd.reset.astimezone(m.zone).strftime("%H:%M") == "20:30"
    assert sd.start == store_day(m, day - timedelta(days=1)).reset          # the days tile time
    assert len(local_hours(day, m.zone)) == hours
    start, end = calendar_day(day, m.zone)
    assert (end - start) == timedelta(hours=hours)


def test_local_hours_label_the_repeated_autumn_hour():
    labels = [h.label for h in local_hours(date(2026, 10, 25), model().zone)]
    assert labels[:4] == ["00:00", "01:00", "02:00", "02:00 CET"] and labels[-1] == "23:00"
    labels = [h.label for h in local_hours(date(2026, 3, 29), model().zone)]
    assert "02:00" not in labels and labels[2] == "03:00"


def test_closed_days_exceptions_and_overnight_hours():
    m = model(exceptions={"2026-12-25": "closed", "2026-12-24": "09:00-14:00"},
              hours=WEEK | {"sat": "18:00-03:00"})
    christmas = store_day(m, date(2026, 12, 25))
    assert not christmas.is_open_day and christmas.reset == calendar_day(date(2026, 12, 25), m.zone)[1]
    assert store_day(m, date(2026, 12, 24)).reset == utc(2026, 12, 24, 13, 30)   # 14:00 CET + 30 min
    # Saturday 28 March 18:00 CET to Sunday 03:00 CEST: 8 hours, not 9, across the spring change
    night = store_day(m, date(2026, 3, 28))
    assert night.closes - night.opens == timedelta(hours=8)
    assert night.reset == utc(2026, 3, 29, 1, 30)
    assert store_day_at(m, utc(2026, 3, 29, 1, 0)).day == date(2026, 3, 28)  # still Saturday's night
    assert store_day_at(m, utc(2026, 3, 29, 1, 30)).day == date(2026, 3, 29)  # reset: a new store day


def test_after_the_reset_the_next_store_day_counts():
    m = model()
    assert store_day_at(m, utc(2026, 11, 11, 19, 29)).day == date(2026, 11, 11)   # 20:29 Berlin
    assert store_day_at(m, utc(2026, 11, 11, 19, 30)).day == date(2026, 11, 12)   # 20:30: reset


# ---- entries, exits, imbalance, occupancy ---------------------------------------------------

T0 = utc(2026, 11, 11, 8, 0)


def lines(minute: int, camera: str, line: str, i: int, o: int):
    start = T0 + timedelta(minutes=minute)
    return (start, start + timedelta(minutes=1), camera, line, i, o)


def test_entrances_on_two_cameras_add_and_other_lines_add_nothing():
    m = model(entrances=[DOOR, {"camera": "side", "line": "back-door", "in_direction": "out"}])
    flows = entrance_flows([lines(0, "entrance", "door", 10, 2),
                            lines(0, "side", "back-door", 1, 4),        # "out" enters here: 4 in, 1 out
                            lines(0, "entrance", "aisle", 50, 50),      # an aisle line on the same camera
                            lines(0, "floor", "door", 9, 9),            # the same line id on another camera
                            lines(1, "side", "back-door", 3, 0)], m.entrances)
    assert [(f.entries, f.exits) for f in flows] == [(14, 3), (0, 3)]
    curve = occupancy_curve(flows)
    assert [p.raw for p in curve] == [11, 8]


def test_occupancy_is_never_shown_below_zero():
    flows = entrance_flows([lines(0, "entrance", "door", 2, 0), lines(1, "entrance", "door", 0, 5),
                            lines(2, "entrance", "door", 4, 0)], model().entrances)
    curve = occupancy_curve(flows)
    assert [p.raw for p in curve] == [2, -3, 1]
    assert [p.shown_raw for p in curve] == [2, 0, 1]
    assert all(p.shown_corrected >= 0 for p in occupancy_curve(flows, exit_scale(
        [DayBalance(date(2026, 11, d), 1000, 800) for d in range(1, 8)])))


def synthetic_day(day: int, exit_miss: float) -> tuple[list, list[int]]:
    """A store day of 600 minutes: 3 people enter each minute for 540 minutes, each stays 40
    minutes; the counter misses `exit_miss` of the exits (deterministically, evenly spread)."""
    rows, truth, missed, inside = [], [], 0.0, 0
    for minute in range(600):
        entering = 3 if minute < 540 else 0
        leaving = 3 if 40 <= minute < 580 else 0
        inside += entering - leaving
        missed += leaving * exit_miss
        counted = leaving - int(missed)
        missed -= int(missed)
        start = T0 + timedelta(days=day, minutes=minute)
        rows.append((start, start + timedelta(minutes=1), "entrance", "door", entering, counted))
        truth.append(inside)
    return rows, truth


def test_a_bias_in_exits_is_corrected_from_earlier_days():
    m = model()
    history = []
    for day in range(7):
        rows, _ = synthetic_day(day, 0.03)
        flows = entrance_flows(rows, m.entrances)
        history.append(DayBalance(date(2026, 11, 1 + day), sum(f.entries for f in flows),
                                  sum(f.exits for f in flows)))
    assert history[0].imbalance == 48 and history[0].imbalance_pct == pytest.approx(3.0, abs=0.1)
    correction = exit_scale(history, m.drift)
    assert correction.is_applied and correction.exit_scale == pytest.approx(1 / 0.97, abs=0.002)
    rows, truth = synthetic_day(7, 0.03)
    flows = entrance_flows(rows, m.entrances)
    raw = [p.shown_raw for p in occupancy_curve(flows)]
    corrected = [p.shown_corrected for p in occupancy_curve(flows, correction)]
    raw_error = max(abs(a - b) for a, b in zip(raw, truth, strict=True))
    corrected_error = max(abs(a - b) for a, b in zip(corrected, truth, strict=True))
    assert raw_error == 48                      # the phantom shoppers of a 3 % exit miss, by closing
    assert corrected_error <= 2                 # rounding of the missed fraction, not drift


@pytest.mark.parametrize("history, scale, applied", [
    ([], 1.0, False),                                                          # no earlier day
    ([(1000, 970)] * 2, 1.0, False),                                           # fewer than min_days
    ([(1000, 970)] * 3 + [(10, 1)] * 5, pytest.approx(1000 / 970), True),      # quiet days are not used
    ([(1000, 970)] * 5 + [(1000, 400)], pytest.approx(1000 / 970), True),      # an outlier day: the median
    ([(1000, 500)] * 5, 1.25, True),                                           # bounded by max_correction
    ([(500, 1000)] * 5, pytest.approx(0.8), True),
    ([(1000, 900)] * 20 + [(1000, 970)] * 14, pytest.approx(1000 / 970), True),  # only the last 14 days
])
def test_exit_scale_is_robust_and_bounded(history, scale, applied):
    days = [DayBalance(date(2026, 1, 1) + timedelta(days=n), e, x) for n, (e, x) in enumerate(history)]
    correction = exit_scale(days, DriftSettings())
    assert correction.exit_scale == scale and correction.is_applied == applied
    assert correction.reason
