"""The dashboard in Debian's Chromium: figures on the page equal the database, charts render, the page
loads nothing from outside the hub, it updates live, and screenshots land in test-artifacts/."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hub_data import seed_demo, window_row, write

from hub.occupancy.model import WEEKDAYS, parse_store_model
from hub.occupancy.models_db import put_model
from hub.store.db import open_db
from hub.web.app import WebSettings, make_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NOW = datetime(2026, 11, 11, 14, 30, 20, tzinfo=UTC)   # a Wednesday, 15:30 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


def number(text: str) -> int:
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"not a number on the page: {text!r}"
    return int(digits)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed at /usr/bin/chromium: apt-get install -y chromium")
    path = tmp_path_factory.mktemp("hub") / "hub.db"
    db = open_db(path)
    seed_demo(db, NOW, "berlin-mitte", "Europe/Berlin", seed=1)
    seed_demo(db, NOW, "hamburg-hbf", "Europe/Berlin", seed=2)
    seed_demo(db, NOW, "new-york-5th", "America/New_York", seed=3)
    # Hamburg has a store model: its two door lines are the entrances (visitors are unchanged)
    put_model(db, parse_store_model("hamburg-hbf", {
        "tz": "Europe/Berlin", "hours": {d: "08:00-20:00" for d in WEEKDAYS}, "reset_grace_min": 30,
        "entrances": [{"camera": "entrance", "line": "door-north"}, {"camera": "entrance", "line": "door-south"}]}))
    server = make_server(WebSettings(db_path=path, k=5, clock=lambda: NOW, poll_s=0.5), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", db
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser, url: str, viewport=(1366, 900)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="en-US",
                                  timezone_id="Europe/Berlin")
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.wait_for_selector("body[data-loaded='1']", timeout=15000)
    return page, requests, errors


def day_sum(db, sql: str, store: str) -> int:
    start = datetime(2026, 11, 11, tzinfo=BERLIN).astimezone(UTC)
    lo, hi = start.strftime("%Y-%m-%dT%H:%M:%SZ"), (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return db.execute(sql + " WHERE store_id = ? AND start >= ? AND start < ?", [store, lo, hi]).fetchone()[0]


def test_store_dashboard_shows_the_database_figures(hub, browser):
    base, db = hub
    page, requests, errors = open_page(browser, f"{base}/stores/berlin-mitte")
    try:
        assert number(page.inner_text("#t-in")) == day_sum(db, "SELECT SUM(in_count) FROM windows", "berlin-mitte")
        assert number(page.inner_text("#t-out")) == day_sum(db, "SELECT SUM(out_count) FROM windows", "berlin-mitte")
        # per entrance, straight from the raw window lines
        for row in page.query_selector_all("#entrances tbody tr"):
            camera, line, shown_in, _ = [c.inner_text() for c in row.query_selector_all("td")]
            exact = db.execute(
                "SELECT SUM(in_count) FROM window_lines WHERE store_id = 'berlin-mitte' AND camera_id = ? "
                "AND line_id = ? AND start >= '2026-11-10T23:00:00Z' AND start < '2026-11-11T23:00:00Z'",
                [camera, line]).fetchone()[0]
            assert shown_in == (f"{exact:,}" if exact >= 5 else "<5"), (camera, line)
        # the hourly chart: a bar per hour with data, and the 12:00 bar is that hour's sum
        bars = page.query_selector_all("#chart-hourly rect.bar-this, #chart-hourly rect.bar-small")
        assert len(bars) >= 7
        noon = db.execute("SELECT SUM(in_count) FROM windows WHERE store_id = 'berlin-mitte' AND "
                          "start >= '2026-11-11T11:00:00Z' AND start < '2026-11-11T12:00:00Z'").fetchone()[0]
        values = [b.get_attribute("data-value") for b in page.query_selector_all("#chart-hourly rect.bar-this")]
        assert str(noon) in values
        assert page.query_selector_all("#chart-hourly rect.bar-last"), "last week's bars are drawn"
        assert len(page.query_selector_all("#heatmaps .heat-cell")) > 20
        assert len(page.query_selector_all("#zones svg rect[data-value]")) >= 3
        assert page.query_selector("#chart-mascots polyline") is not None
        assert "Europe/Berlin" in page.inner_text("#hourly-unit") and "people" in page.inner_text("#hourly-unit")
        assert page.inner_text("#t-cams") == "2 / 2"
        # each camera's time seen this day, as a duration (the seeded windows do not say: their length)
        cams = page.inner_text("#cameras")
        assert "time seen" in cams.lower() and len(re.findall(r"\b\d+(\.\d)? (h|min)\b", cams)) == 2, cams
        assert "online" in page.inner_text("#health") and "12.4" in page.inner_text("#health")
        # what the cameras' "auto" detectors chose: the angled model's input, the top-down person size
        assert "864 px" in page.inner_text("#health") and "person 0.125" in page.inner_text("#health")
        assert "not seen for 30 minutes" in page.inner_text("#alerts")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        assert not errors, errors
        assert requests and all(u.startswith(base + "/") for u in requests), [u for u in requests if
                                                                            not u.startswith(base)]
    finally:
        page.context.close()


def test_store_model_shows_corrected_occupancy_and_the_imbalance(hub, browser):
    base, db = hub
    page, requests, errors = open_page(browser, f"{base}/stores/hamburg-hbf")
    try:
        assert page.is_visible("#occupancy-card")
        # the store day began at yesterday's reset (20:30 Berlin); entrances only
        since = datetime(2026, 11, 10, 20, 30, tzinfo=BERLIN).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        entries, exits = db.execute(
            "SELECT SUM(in_count), SUM(out_count) FROM window_lines WHERE store_id = 'hamburg-hbf' AND camera_id = "
            "'entrance' AND line_id IN ('door-north', 'door-south') AND start >= ? AND start < ?",
            [since, NOW.strftime("%Y-%m-%dT%H:%M:%SZ")]).fetchone()
        assert page.get_attribute("#occ-quality", "data-imbalance") == str(entries - exits)
        # no three earlier days yet: the estimate is raw in − out, and says so
        assert number(page.inner_text("#t-occ")) == max(0, entries - exits)
        assert "not corrected yet" in page.inner_text("#t-occ-sub")
        assert len(page.query_selector_all("#chart-occupancy polyline")) == 2
        assert len(page.query_selector_all("#imbalance tbody tr")) == 2
        page.screenshot(path=str(ARTIFACTS / "dashboard-occupancy.png"), full_page=True)
        assert not errors, errors
        other, _, _ = open_page(browser, f"{base}/stores/berlin-mitte")   # no model: no such card
        assert not other.is_visible("#occupancy-card")
        other.context.close()
    finally:
        page.context.close()


def test_page_updates_live_when_a_window_arrives(hub, browser):
    base, db = hub
    page, requests, _ = open_page(browser, f"{base}/stores/hamburg-hbf")
    try:
        before = number(page.inner_text("#t-in"))
        write(db, [window_row("hamburg-hbf", "entrance", NOW.replace(second=0), lines={"door-north": (40, 0)})],
              received_at=NOW + timedelta(seconds=2))
        for _ in range(100):  # the page polls /api/changes every 0.5 s here (the CSP forbids wait_for_function)
            if number(page.inner_text("#t-in")) == before + 40:
                break
            page.wait_for_timeout(100)
        assert number(page.inner_text("#t-in")) == before + 40
        assert any("/api/changes" in u for u in requests)
    finally:
        page.context.close()


def test_chain_ranks_stores_and_reads_on_a_tablet(hub, browser):
    base, db = hub
    page, requests, errors = open_page(browser, f"{base}/", viewport=(820, 1180))
    try:
        rows = page.query_selector_all("#chain-table tbody tr")
        assert len(rows) == 3
        shown = [number(r.query_selector("td[data-figure='in']").inner_text()) for r in rows]
        assert shown == sorted(shown, reverse=True)
        first = rows[0].get_attribute("data-store")
        tz = "America/New_York" if first == "new-york-5th" else "Europe/Berlin"
        local_midnight = datetime.combine(NOW.astimezone(ZoneInfo(tz)).date(), datetime.min.time(), ZoneInfo(tz))
        until = NOW.replace(minute=0, second=0) + timedelta(hours=1)
        exact = db.execute("SELECT SUM(in_count) FROM windows WHERE store_id = ? AND start >= ? AND start < ?",
                           [first, local_midnight.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            until.strftime("%Y-%m-%dT%H:%M:%SZ")]).fetchone()[0]
        assert shown[0] == exact
        page.click(".seg button[data-sort='change']")
        assert page.query_selector(".seg button.on").inner_text() == "By change"
        page.screenshot(path=str(ARTIFACTS / "chain-tablet.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 820, "no sideways scrolling on a tablet"
        store, _, _ = open_page(browser, f"{base}/stores/new-york-5th", viewport=(820, 1180))
        store.screenshot(path=str(ARTIFACTS / "dashboard-tablet.png"), full_page=True)
        assert store.evaluate("document.documentElement.scrollWidth") <= 820
        store.context.close()
        assert not errors, errors
        assert all(u.startswith(base + "/") for u in requests)
    finally:
        page.context.close()
