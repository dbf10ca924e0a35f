"""Camera health when no heartbeat says how a camera is: its windows, and whether its agent stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hub_data import status, window_row, write

from hub.store.db import open_db
from hub.web.health import health_of

NOW = datetime(2026, 11, 11, 9, 10, tzinfo=UTC)


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "hub.db")
    # one window of each camera, received a few seconds ago; neither agent has sent a heartbeat yet
    write(db, [window_row("s1", "door", NOW - timedelta(minutes=1), agent_id="box-1"),
               window_row("s1", "till", NOW - timedelta(minutes=1), agent_id="box-2")], NOW - timedelta(seconds=5))
    return db


def cameras(db) -> dict[str, str]:
    return {c["camera_id"]: c["status"] for c in health_of(db, "s1", NOW)["cameras"]}


def test_a_camera_whose_windows_arrive_is_online(db):
    assert cameras(db) == {"door": "online", "till": "online"}


def test_a_camera_stops_with_its_agent(db):
    # box-1 finished its file (or was stopped) and said so: its camera's last window is recent,
    # but nothing more will come; box-2 is running
    write(db, [status("s1", "box-1", "offline"), status("s1", "box-2", "online")], NOW - timedelta(seconds=2))
    assert cameras(db) == {"door": "offline", "till": "online"}
    write(db, [status("s1", "box-1", "online")], NOW - timedelta(seconds=1))  # started again
    assert cameras(db) == {"door": "online", "till": "online"}
