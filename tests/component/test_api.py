"""The HTTP API on a real server over a SQLite file: every described path answers, figures equal the
database (suppressed below k), and bad parameters get a 4xx naming them, never a 5xx."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from hub_data import heartbeat, seed_demo, status, window_row, write

from helpers import cli, free_port, spawn, stop_process, wait_for_port
from hub.store.db import open_db
from hub.web.app import WebSettings, make_server

pytestmark = pytest.mark.component
NOW = datetime(2026, 11, 11, 14, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "hub.db"
    db = open_db(path)
    seed_demo(db, NOW, "berlin-mitte", "Europe/Berlin", days_back=(0,))
    # a quiet store: three visitors today, so every count is under k
    write(db, [window_row("quiet", "cam-1", NOW - timedelta(hours=2), lines={"door": (3, 1)}),
               status("quiet", "box-q", "offline"), heartbeat("quiet", "box-q", [])],
          received_at=NOW - timedelta(hours=1))
    server = make_server(WebSettings(db_path=path, k=5, clock=lambda: NOW), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", db
    finally:
        server.shutdown()
        server.server_close()


def get(base: str, path: str, method: str = "GET") -> tuple[int, dict | str]:
    request = urllib.request.Request(base + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            body, status_code, ctype = resp.read(), resp.status, resp.headers["Content-Type"]
    except urllib.error.HTTPError as e:
        body, status_code, ctype = e.read(), e.code, e.headers["Content-Type"]
    return status_code, json.loads(body) if ctype.startswith("application/json") else body.decode()


def test_every_described_path_answers(hub):
    base, _ = hub
    status_code, spec = get(base, "/api/openapi.json")
    assert status_code == 200 and spec["openapi"].startswith("3.")
    for path in spec["paths"]:
        status_code, doc = get(base, path.replace("{store_id}", "berlin-mitte"))
        assert status_code == 200, (path, doc)
    assert list(spec["paths"])[0] == "/api/stores"


def test_dashboard_figures_equal_the_database(hub):
    base, db = hub
    _, doc = get(base, "/api/stores/berlin-mitte/dashboard")
    lo, hi = "2026-11-10T23:00:00Z", "2026-11-11T23:00:00Z"   # the Berlin day
    exact_in, exact_out = db.execute("SELECT SUM(in_count), SUM(out_count) FROM windows WHERE store_id = "
                                     "'berlin-mitte' AND start >= ? AND start < ?", [lo, hi]).fetchone()
    assert (doc["visitors"]["in"], doc["visitors"]["out"]) == (exact_in, exact_out)
    assert doc["date"] == "2026-11-11" and doc["tz"] == "Europe/Berlin" and doc["is_today"]
    assert doc["occupancy"]["store"] == max(0, exact_in - exact_out)
    noon = next(h for h in doc["hourly"] if h["hour"] == "12:00")
    (hour_in,) = db.execute("SELECT SUM(in_count) FROM windows WHERE store_id = 'berlin-mitte' AND "
                            "start >= '2026-11-11T11:00:00Z' AND start < '2026-11-11T12:00:00Z'").fetchone()
    assert noon["in"] == hour_in and len(doc["hourly"]) == 24
    assert {c["camera_id"]: c["status"] for c in doc["health"]["cameras"]} == {"entrance": "online", "floor": "online"}
    assert doc["heatmaps"][0]["cols"] == 12 and len(doc["heatmaps"][0]["person_seconds"]) == 96


def test_series_at_each_granularity_sums_the_windows(hub):
    base, db = hub
    (exact,) = db.execute("SELECT SUM(in_count) FROM windows WHERE store_id = 'berlin-mitte'").fetchone()
    for granularity in ("window", "hour", "day"):
        status_code, doc = get(base, f"/api/stores/berlin-mitte/series?metric=in&granularity={granularity}"
                                     "&from=2026-11-11&to=2026-11-11")
        assert status_code == 200
        assert sum(p["value"] if isinstance(p["value"], int) else 0 for p in doc["points"]) <= exact
        if granularity != "window":  # a window's count is mostly under k: summing shown values would undercount
            assert sum(p["value"] for p in doc["points"]) == exact, granularity
    _, doc = get(base, "/api/stores/berlin-mitte/series?metric=visible_fraction&granularity=hour&subject=bear")
    assert doc["unit"].startswith("fraction") and all(0 <= p["value"] <= 1 for p in doc["points"])


def test_small_cells_are_shown_as_under_k(hub):
    base, _ = hub
    _, doc = get(base, "/api/stores/quiet/dashboard")
    assert doc["visitors"]["in"] == "<5" and doc["visitors"]["out"] == "<5"
    assert doc["health"]["agents"][0]["status"] == "offline"
    _, series = get(base, "/api/stores/quiet/series?metric=in&granularity=hour")
    assert [p["value"] for p in series["points"]] == ["<5"]
    _, chain = get(base, "/api/chain")
    quiet = next(s for s in chain["stores"] if s["store_id"] == "quiet")
    assert quiet["in"] == "<5" and quiet["change_pct"] is None and chain["stores"][0]["store_id"] == "berlin-mitte"


BAD = [
    ("/api/stores?from=not-a-date&granularity=-5", 400, "from"),           # the acceptance check's probe
    ("/api/stores/berlin-mitte/dashboard?date=2026-02-30", 400, "date"),
    ("/api/stores/berlin-mitte/dashboard?date=yesterday", 400, "date"),
    ("/api/stores/berlin-mitte/dashboard?date=2026-11-11&date=2026-11-10", 400, "date"),
    ("/api/stores/berlin-mitte/series?granularity=-5", 400, "granularity"),
    ("/api/stores/berlin-mitte/series?metric=%3Cscript%3E", 400, "metric"),
    ("/api/stores/berlin-mitte/series?from=not-a-date", 400, "from"),
    ("/api/stores/berlin-mitte/series?from=9999-01-01T00:00:00Z", 400, "from"),
    ("/api/stores/berlin-mitte/series?from=2026-11-11&to=2026-11-01", 400, "to"),
    ("/api/stores/berlin-mitte/series?granularity=window&from=2026-01-01&to=2026-11-11", 400, "granularity"),
    ("/api/stores/berlin-mitte/series?metric=engagements&granularity=window", 400, "granularity"),
    ("/api/stores/berlin-mitte/series?camera=CAM%201", 400, "camera"),
    ("/api/stores/berlin-mitte/series?from=%FF%FE", 400, "from"),
    ("/api/stores/berlin-mitte/rollups?by=shopper", 400, "by"),
    ("/api/stores/berlin-mitte/heatmap?camera=" + "x" * 300, 400, "camera"),
    ("/api/alerts?limit=0", 400, "limit"),
    ("/api/alerts?limit=1e9", 400, "limit"),
    ("/api/alerts?since=soon", 400, "since"),
    ("/api/health?store=Bad_Id", 400, "store"),
    ("/api/chain?period=forever", 400, "period"),
    ("/stores/berlin-mitte?date=11/11/2026", 400, "date"),
    ("/api/stores/nowhere/dashboard", 404, None),
    ("/api/stores/NOT-AN-ID", 404, None),
    ("/api/nothing-here", 404, None),
    ("/static/../hub.db", 404, None),
]


@pytest.mark.parametrize("path, expected, parameter", BAD)
def test_bad_requests_get_a_clear_4xx(hub, path, expected, parameter):
    base, _ = hub
    status_code, doc = get(base, path)
    assert status_code == expected, doc
    assert isinstance(doc, dict) and doc["message"], doc
    if parameter:
        assert doc["parameter"] == parameter and doc["message"].startswith(parameter) or \
            doc["message"].startswith("unknown parameter") or doc["message"].startswith("from/to"), doc


def test_writes_are_refused(hub):
    base, _ = hub
    assert get(base, "/api/stores", method="POST")[0] == 405
    assert get(base, "/api/stores", method="DELETE")[0] == 405


def test_pages_load_nothing_from_elsewhere(hub):
    base, _ = hub
    for page in ("/", "/stores/berlin-mitte"):
        status_code, html = get(base, page)
        assert status_code == 200
        refs = re.findall(r"""<(?:script|img|iframe|link|source)\b[^>]*?\b(?:src|href)=["']([^"']+)""", html)
        assert refs and all(r.startswith("/") or r.startswith("data:") for r in refs), refs
        for asset in re.findall(r"/static/[\w.-]+", html):
            status_code, text = get(base, asset)
            assert status_code == 200
            urls = set(re.findall(r"https?://[^\s\"')]+", text)) - {"http://www.w3.org/2000/svg"}
            assert not urls, (asset, urls)
    request = urllib.request.urlopen(base + "/")
    assert "default-src 'self'" in request.headers["Content-Security-Policy"]


def test_serve_without_a_broker_serves_the_dashboard(hub, tmp_path):
    _, db = hub
    port = free_port()
    proc = spawn([cli("retail-hub"), "serve", "--db", db.conn.execute("PRAGMA database_list").fetchone()[2],
                  "--no-broker", "--http", f"127.0.0.1:{port}"], tmp_path / "serve.log")
    try:
        wait_for_port(port, 15, proc)
        status_code, html = get(f"http://127.0.0.1:{port}", "/")
        assert status_code == 200 and "retail-hub" in html
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        stop_process(proc)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--no-broker"], "--no-broker needs --http"),
        ([], "--broker is required"),
        (["--no-broker", "--http", "8080"], "--http: expected HOST:PORT"),
        (["--no-broker", "--http", "127.0.0.1:8080", "--tz", "Nowhere/City"], "--tz: 'Nowhere/City' is not an IANA"),
    ],
)
def test_serve_bad_usage(tmp_path, args, message):
    r = subprocess.run([cli("retail-hub"), "serve", "--db", str(tmp_path / "hub.db"), *args],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
