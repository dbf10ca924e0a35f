"""Reports: small-cell suppression, store-local days, formats, and the report/prune/stores commands."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hub_data import window_row, write

from hub.cli import main
from hub.reports.formats import effective_k, render
from hub.reports.report import build_report
from hub.reports.suppress import check_k, shown, shown_if
from hub.store.db import open_db
from hub.store.rollups import set_store_tz


@pytest.mark.parametrize(
    "count, k, expected",
    [
        (0, 5, 0),          # nobody: singles nobody out
        (1, 5, "<5"),
        (4, 5, "<5"),       # just under k
        (5, 5, 5),          # k itself is shown
        (1234, 5, 1234),
        (2, 3, "<3"),       # k is configurable
        (1, 1, 1),          # k = 1 shows everything
        (None, 5, None),    # no figure stays no figure
    ],
)
def test_shown(count, k, expected):
    assert shown(count, k) == expected


@pytest.mark.parametrize(
    "value, people, expected",
    [
        (42.25, 3, "<5"),     # a median from 3 visits is withheld, whatever its unit
        (42.25, 9, 42.2),     # from 9, it is shown (rounded)
        (None, 9, None),
        (1.5, None, 1.5),     # derived from no people (a fraction of time): exact
    ],
)
def test_shown_if(value, people, expected):
    assert shown_if(value, people, 5) == expected


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_k_must_be_a_whole_number_of_people(k):
    with pytest.raises(ValueError, match="at least 1"):
        check_k(k)


@pytest.mark.parametrize("fmt, k, expected", [("table", None, 5), ("html", None, 5), ("json", None, None),
                                              ("csv", None, None), ("json", 5, 5), ("table", 10, 10)])
def test_which_formats_suppress_by_default(fmt, k, expected):
    assert effective_k(fmt, k) == expected


BERLIN_LATE = datetime(2026, 11, 11, 23, 30, tzinfo=UTC)  # 00:30 on the 12th in Berlin


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "hub.db")
    zones = {"till": {"entries": 7, "max": 3, "mean": 1.0, "counts": [1, 5, 1, 0, 0, 0], "median_s": 20}}
    write(db, [window_row("s1", "cam-1", datetime(2026, 11, 11, 9, m, tzinfo=UTC), lines={"door": (3, 1)},
                          zones=zones if m == 0 else None) for m in range(3)]
          + [window_row("s1", "cam-1", BERLIN_LATE, lines={"door": (2, 2)}),
             window_row("s1", "cam-2", datetime(2026, 11, 11, 9, 0, tzinfo=UTC), lines={"side": (1, 0)},
                        mascots={"bear": {"samples": 60, "visible_fraction": 0.5, "engagements": 2}})])
    return db


def test_days_are_store_local(db):
    utc = build_report(db, "s1", None, None)
    assert [(d.day, d.in_count) for d in utc.days] == [(date(2026, 11, 11), 12)]
    set_store_tz(db, "s1", "Europe/Berlin")
    berlin = build_report(db, "s1", None, None)
    assert [(d.day, d.in_count, d.out_count) for d in berlin.days] == [(date(2026, 11, 11), 10, 3),
                                                                       (date(2026, 11, 12), 2, 2)]
    assert (berlin.in_count, berlin.out_count, berlin.n_windows) == (12, 5, 5)
    assert berlin.lines == {"cam-1/door": {"in": 11, "out": 5}, "cam-2/side": {"in": 1, "out": 0}}
    (till,) = berlin.zones
    assert (till.entries, till.visits, till.dwell_s) == (7, 7, 20)
    assert till.histogram[:3] == ((0, 10, 1), (10, 30, 5), (30, 60, 1))


def test_json_is_exact_and_html_suppresses(db):
    report = build_report(db, "s1", None, None)
    exact = json.loads(render(report, "json"))
    assert exact["totals"] == {"in": 12, "out": 5, "windows": 5, "frames": 3000} and exact["k"] is None
    assert exact["lines"]["cam-2/side"] == {"in": 1, "out": 0}
    assert len(exact["windows"]) == 5
    suppressed = json.loads(render(report, "json", k=5))
    assert suppressed["totals"]["out"] == 5 and suppressed["lines"]["cam-2/side"] == {"in": "<5", "out": 0}
    assert suppressed["mascots"][0]["engagements"] == "<5" and suppressed["mascots"][0]["visible_fraction"] == 0.5
    html = render(report, "html")
    assert "&lt;5" in html and ">12<" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "the HTML report loads nothing"
    table = render(report, "table")
    assert "<5" in table and "store s1: 5 windows" in table


def test_a_cameras_rate_and_hours_are_those_it_was_seen(tmp_path):
    db = open_db(tmp_path / "hub.db")
    t = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
    write(db, [window_row("s1", "cam-1", t, window_s=600, frames=6000, seen_s=600.0),
               window_row("s1", "cam-1", t + timedelta(minutes=10), window_s=600, frames=1500, seen_s=150.0),
               window_row("s1", "cam-1", t + timedelta(minutes=20), window_s=600, frames=0, seen_s=0.0)])
    (camera,) = build_report(db, "s1", None, None).cameras
    assert (camera.frames, camera.fps, camera.seen_h) == (7500, 10.0, 0.21)  # 7500 frames in 750 s seen
    assert [w["seen_s"] for w in json.loads(render(build_report(db, "s1", None, None), "json"))["windows"]] == \
        [600.0, 150.0, 0.0]
    assert "seen h" in render(build_report(db, "s1", None, None), "table")


def test_a_period_not_on_whole_hours_comes_from_raw_windows(db):
    part = build_report(db, "s1", datetime(2026, 11, 11, 9, 1, tzinfo=UTC), datetime(2026, 11, 11, 9, 2, tzinfo=UTC))
    assert (part.in_count, part.out_count, len(part.windows)) == (3, 1, 1)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_command_takes_local_days(db, tmp_path, capsys):
    path = str(tmp_path / "hub.db")
    assert run(capsys, "stores", "set-tz", "--db", path, "s1", "Europe/Berlin")[0] == 0
    code, out, _ = run(capsys, "report", "--db", path, "--store", "s1", "--from", "2026-11-12", "--to", "2026-11-12",
                       "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["totals"]["in"] == 2 and doc["from"] == "2026-11-11T23:00:00Z" and doc["to"] == "2026-11-12T23:00:00Z"
    code, out, _ = run(capsys, "report", "--db", path, "--store", "s1", "--format", "html", "--k", "3")
    assert code == 0 and "Europe/Berlin" in out and "&lt;3" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["report", "--store", "s1", "--from", "tuesday"], "--from: expected an ISO 8601 time"),
        (["report", "--store", "s1", "--from", "2026-02-30"], "--from: '2026-02-30' is not a calendar date"),
        (["report", "--store", "s1", "--from", "2026-11-12", "--to", "2026-11-11"], "--to must be after --from"),
        (["report", "--store", "s1", "--tz", "Mars/Olympus"], "--tz: 'Mars/Olympus' is not an IANA time zone"),
        (["report", "--store", "s1", "--k", "0"], "--k: expected a whole number of people"),
        (["stores", "set-tz", "s1", "Berlin"], "ZONE: 'Berlin' is not an IANA time zone"),
        (["prune", "--days", "0"], "--days: keep at least 1 day"),
    ],
)
def test_bad_usage_exits_2_with_one_line(db, tmp_path, capsys, argv, message):
    argv = argv[:1] + ["--db", str(tmp_path / "hub.db")] + argv[1:] if argv[0] != "stores" else \
        argv[:2] + ["--db", str(tmp_path / "hub.db")] + argv[2:]
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.startswith("retail-hub: ") and message in err and len(err.strip().splitlines()) == 1, err


def test_prune_command_keeps_rollups(db, tmp_path, capsys):
    path = str(tmp_path / "hub.db")
    before = json.loads(render(build_report(db, "s1", None, None), "json"))["totals"]
    code, out, _ = run(capsys, "prune", "--db", path, "--days", "1")
    assert code == 0 and "deleted 5 raw windows" in out and "rollups are kept" in out
    after = build_report(open_db(path, create=False), "s1", None, None)
    assert (after.in_count, after.out_count, after.n_windows, after.windows) == (before["in"], before["out"], 5, ())
    assert datetime.now(UTC) - timedelta(days=3) < datetime.fromisoformat(
        open_db(path).execute("SELECT value FROM hub_settings WHERE key = 'raw_pruned_before'").fetchone()[0]
        .replace("Z", "+00:00"))


def test_stores_list(db, tmp_path, capsys):
    code, out, _ = run(capsys, "stores", "list", "--db", str(tmp_path / "hub.db"))
    assert code == 0 and re.search(r"s1\s+UTC\s+2", out)
