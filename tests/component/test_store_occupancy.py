"""Store model over a real SQLite file, the API and the CLI: visitors, occupancy and imbalance follow
the stored windows (late ones update, re-sent ones change nothing), models load with clear errors."""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta

import pytest
from hub_data import window_row, write

from helpers import cli as script
from hub.occupancy import daily
from hub.occupancy.model import parse_store_model
from hub.occupancy.models_db import get_model, put_model
from hub.prune import prune
from hub.store.db import open_db
from hub.web.app import WebSettings, make_server

pytestmark = pytest.mark.component

WEEK = {d: "09:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
MODEL = {"tz": "Europe/Berlin", "hours": WEEK, "reset_grace_min": 30,
         "entrances": [{"camera": "entrance", "line": "door", "in_direction": "in"},
                       {"camera": "side", "line": "back", "in_direction": "out"}]}
DAY = date(2026, 11, 11)            # Berlin is UTC+1: opens 08:00Z, closes 19:00Z, resets 19:30Z
OPEN = datetime(2026, 11, 11, 8, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "hub.db")
    put_model(db, parse_store_model("s1", MODEL))
    return db


def day_of_windows(db, day_offset: int, exits_per_minute: int = 3, minutes: int = 600):
    """A day: 3 people a minute in by the front door, exits_per_minute out (2 by the back door,
    which counts them as "in"), and an aisle line that is no entrance."""
    start = OPEN + timedelta(days=day_offset)
    rows = []
    for m in range(minutes):
        back = min(2, exits_per_minute)
        rows.append(window_row("s1", "entrance", start + timedelta(minutes=m), check=m == 0,
                               lines={"door": (3, exits_per_minute - back), "aisle": (9, 9)}))
        rows.append(window_row("s1", "side", start + timedelta(minutes=m), check=m == 0, lines={"back": (back, 0)}))
    write(db, rows)


def test_visitors_occupancy_and_imbalance_follow_the_windows(db):
    for back in range(5, 0, -1):        # five earlier days, counted right
        day_of_windows(db, -back, minutes=600)
        write(db, [window_row("s1", "entrance", OPEN + timedelta(days=-back, minutes=700), lines={"door": (0, 0)})])
    day_of_windows(db, 0, minutes=120)  # today until 10:00Z
    now = OPEN + timedelta(hours=2)
    model = get_model(db, "s1")
    figs = daily.store_day_figures(db, model, DAY, now)
    assert figs.visitors == 360 and len(figs.hours) == 24
    assert next(h for h in figs.hours if h.hour.label == "09:00").entries == 180   # 08:00Z is 09:00 in Berlin
    occ = figs.occupancy
    assert occ.total.entries == 360 and occ.total.exits == 360 and occ.total.imbalance == 0
    assert [b.entrance.key for b in occ.balances] == ["entrance/door", "side/back"]
    assert [(b.entries, b.exits) for b in occ.balances] == [(360, 120), (0, 240)]
    assert [d.imbalance for d in figs.history] == [0, 0, 0, 0, 0]
    assert not occ.correction.is_applied or occ.correction.exit_scale == 1.0
    live = daily.live_occupancy(db, model, now)
    assert live.store_day.day == DAY and live.curve[-1].raw == 0


def test_exit_bias_of_earlier_days_corrects_today(db):
    for back in range(4, 0, -1):
        day_of_windows(db, -back, exits_per_minute=2)   # one exit a minute is missed: 1/3
    day_of_windows(db, 0, exits_per_minute=2, minutes=60)
    model = get_model(db, "s1")
    live = daily.live_occupancy(db, model, OPEN + timedelta(hours=1))
    assert live.correction.exit_scale == 1.25               # 3/2 = 1.5, bounded to 1 + max_correction
    last = live.curve[-1]
    assert (last.entries, last.exits, last.raw) == (180, 120, 60)
    assert last.shown_corrected == 30                        # 180 − 1.25 · 120
    yesterday = daily.store_day_figures(db, model, DAY - timedelta(days=1), OPEN + timedelta(hours=1))
    assert yesterday.occupancy.is_final and yesterday.occupancy.total.imbalance == 600


def test_a_resent_window_changes_nothing_and_a_late_one_updates_everything(db):
    day_of_windows(db, 0, minutes=30)
    model = get_model(db, "s1")
    now = OPEN + timedelta(hours=1)

    def figures():
        f = daily.store_day_figures(db, model, DAY, now)
        return f.visitors, f.occupancy.total, [p.raw for p in f.occupancy.curve]

    before = figures()
    write(db, [window_row("s1", "entrance", OPEN + timedelta(minutes=5), lines={"door": (3, 1), "aisle": (9, 9)})])
    assert figures() == before                                  # the same window again: replaced, not added
    write(db, [window_row("s1", "entrance", OPEN + timedelta(minutes=45), lines={"door": (7, 0)})])  # late
    visitors, total, curve = figures()
    assert visitors == before[0] + 7 and total.entries == before[1].entries + 7 and curve[-1] == before[2][-1] + 7
    write(db, [window_row("s1", "entrance", OPEN + timedelta(minutes=5), lines={"door": (0, 1)})])  # corrected
    assert figures()[0] == before[0] + 7 - 3


def test_prune_keeps_the_imbalance_of_old_days(db):
    old = OPEN - timedelta(days=40)
    write(db, [window_row("s1", "entrance", old + timedelta(minutes=m), lines={"door": (5, 4)}) for m in range(10)])
    model = get_model(db, "s1")
    day = DAY - timedelta(days=40)
    before = daily.store_day_figures(db, model, day, OPEN).occupancy.total
    assert before.imbalance == 10
    prune(db, OPEN, days=30)
    assert db.execute("SELECT COUNT(*) FROM window_lines WHERE store_id = 's1'").fetchone()[0] == 0
    assert daily.store_day_figures(db, model, day, OPEN).occupancy.total == before
    assert daily.store_day_figures(db, model, day, OPEN).visitors == 50    # hour rollups are kept too


# ---- API ------------------------------------------------------------------------------------

def request(base: str, path: str, method: str = "GET", body: object = None, ctype: str = "application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def servers(tmp_path):
    path = tmp_path / "hub.db"
    open_db(path).close()
    now = OPEN + timedelta(hours=3)
    out = []
    for allow in (True, False):
        server = make_server(WebSettings(db_path=path, k=5, clock=lambda: now, allow_writes=allow), "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        out.append(server)
    try:
        yield [f"http://127.0.0.1:{s.server_address[1]}" for s in out], path
    finally:
        for s in out:
            s.shutdown()
            s.server_close()


def test_api_puts_and_gets_a_store_model(servers):
    (base, read_only), path = servers
    assert request(base, "/api/stores/s1/model")[0] == 404
    status, doc = request(base, "/api/stores/s1/model", "PUT", MODEL | {"hours": WEEK | {"sun": "nine to five"}})
    assert status == 400 and "hours.sun: expected opening hours like" in doc["message"]
    assert request(base, "/api/stores/s1/model", "PUT", b"{not json")[0] == 400
    assert request(base, "/api/stores/s1/model", "PUT", MODEL, ctype="text/plain")[0] == 415
    status, doc = request(read_only, "/api/stores/s1/model", "PUT", MODEL)
    assert status == 405 and "--api-writes" in doc["message"]
    status, doc = request(base, "/api/stores/s1/model", "PUT", MODEL)
    assert status == 200 and doc["model"]["entrances"][1] == {"camera": "side", "line": "back", "in_direction": "out"}
    assert request(read_only, "/api/stores/s1/model")[1]["model"]["tz"] == "Europe/Berlin"
    db = open_db(path)
    write(db, [window_row("s1", "entrance", OPEN + timedelta(minutes=m), lines={"door": (6, 1), "aisle": (50, 0)})
               for m in range(30)])
    status, doc = request(base, "/api/stores/s1/occupancy")
    assert status == 200 and doc["visitors"] == 180 and doc["live"]["raw"] == 150 and doc["live"]["corrected"] == 150
    assert doc["imbalance"]["imbalance"] == 150 and not doc["imbalance"]["is_final"]
    assert doc["live"]["correction"].endswith("raw in − out")
    status, dash = request(base, "/api/stores/s1/dashboard")
    assert dash["visitors"]["in"] == 180 and dash["occupancy"]["store"] == 150 and dash["store_model"]["has_model"]
    assert request(base, "/api/stores/s1/occupancy?date=2026-11-31")[0] == 400


# ---- CLI ------------------------------------------------------------------------------------

def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([script(args[0]), *args[1:]], capture_output=True, text=True, timeout=60)


def test_stores_load_validates_with_one_clear_line(tmp_path):
    good, bad = tmp_path / "stores.yaml", tmp_path / "bad.yaml"
    good.write_text(json.dumps({"stores": {"s1": MODEL}}))
    bad.write_text(json.dumps({"stores": {"s1": MODEL | {"reset_grace_min": "late"}}}))
    result = cli("retail-hub", "stores", "load", "--db", str(tmp_path / "hub.db"), str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"retail-hub: {bad}: stores.s1.reset_grace_min: expected a whole number from 0 "
                                     "to 720, got 'late'")
    result = cli("retail-hub", "stores", "load", "--check", str(good))
    assert result.returncode == 0 and "valid" in result.stdout
    open_db(tmp_path / "hub.db").close()
    result = cli("retail-hub", "stores", "load", "--db", str(tmp_path / "hub.db"), str(good))
    assert result.returncode == 0 and "entrance/door, side/back" in result.stdout
    assert get_model(open_db(tmp_path / "hub.db"), "s1") == parse_store_model("s1", MODEL)


def test_provision_store_writes_a_starting_model(tmp_path):
    model_file = tmp_path / "hub-side" / "s9.stores.yaml"
    result = cli("retail-hub", "provision-store", "s9", "--broker-url", "mqtt://127.0.0.1:1883", "--passwd-file",
                 str(tmp_path / "passwd"), "--out", str(tmp_path / "s9"), "--model-out", str(model_file),
                 "--tz", "America/New_York")
    assert result.returncode == 0, result.stderr
    assert str(model_file) in result.stdout
    load = cli("retail-hub", "stores", "load", "--check", str(model_file))
    assert load.returncode == 0, load.stderr
    assert "tz: America/New_York" in model_file.read_text()
    assert sorted(p.name for p in (tmp_path / "s9").iterdir()) == ["edge.yaml"]   # not in the store box's bundle


def test_reports_show_visitors_occupancy_and_imbalance_per_store_day(db):
    from hub.reports.formats import render
    from hub.reports.report import build_report

    day_of_windows(db, -1, exits_per_minute=2, minutes=60)
    day_of_windows(db, 0, minutes=60)
    report = build_report(db, "s1", None, None, now=OPEN + timedelta(hours=12))
    lines = report.to_json()["store_days"]
    assert [(d["date"], d["visitors"], d["exits"], d["imbalance"], d["is_final"]) for d in lines] == [
        ("2026-11-10", 180, 120, 60, True), ("2026-11-11", 180, 180, 0, True)]
    assert lines[0]["occupancy_peak"] == lines[0]["occupancy_peak_raw"] == 60 and lines[0]["exit_scale"] == 1.0
    assert "2026-11-10        180      120         60" in render(report, "table")
    assert "store_day,visitors,exits,imbalance" in render(report, "csv")
    assert "Imbalance at reset" in render(report, "html")


def test_provision_store_puts_the_model_beside_the_bundle_by_default(tmp_path):
    result = cli("retail-hub", "provision-store", "s8", "--broker-url", "mqtt://127.0.0.1:1883", "--passwd-file",
                 str(tmp_path / "passwd"), "--out", str(tmp_path / "bundles" / "s8"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "bundles" / "s8.stores.yaml").is_file()
    assert sorted(p.name for p in (tmp_path / "bundles" / "s8").iterdir()) == ["edge.yaml"]
