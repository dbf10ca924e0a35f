"""A live camera's agent restarted part-way through a window (an update, a crash) loses none of
the window's crossings: the open window is kept on disk and taken up again (edge/windows/open_windows.py).

A fake live camera (frames stamped with the wall clock) and a fake detector that walks one person
across the door line give a known crossing per run."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import edge.camera_worker as camera_worker
from edge.camera_worker import CameraWorker
from edge.config import CameraConfig
from edge.detections.detections import Detections
from edge.errors import DeliveryError
from edge.events.lines import CountingLine
from edge.frames.frame import Frame
from edge.windows.clock import window_start
from edge.windows.open_windows import OpenWindows

WINDOW_S = 3600
IMAGE = np.zeros((240, 320, 3), np.uint8)


class WalkerAcrossTheLine:
    """Detects one person walking left to right across x = 160 over 30 frames, then nobody."""

    def __init__(self) -> None:
        self.n = 0

    def detect(self, image, ts=None) -> Detections:
        self.n += 1
        if self.n > 30:
            return Detections.empty()
        x = 40 + 8 * self.n
        return Detections(np.array([[x - 15, 80, x + 15, 200]], np.float32), np.array([0.9], np.float32))


class FakeLiveCamera:
    """LatestReader's place: `frames` frames stamped with the wall clock, then the camera fails
    (`fail`) or the agent is stopped."""

    frames, fail = 40, False

    def __init__(self, spec, stop, name="capture") -> None:
        self.stop, self.state, self.dropped_frames, self.reconnects, self.fps = stop, "streaming", 0, 0, 10.0

    def __iter__(self):
        for i in range(self.frames):
            yield Frame(i, time.time(), IMAGE)
            time.sleep(0.005)
        if self.fail:
            raise RuntimeError("the camera thread died")  # as a kill -9 would leave it: nothing more sent
        self.stop.set()

    def close(self) -> None:
        pass


@pytest.fixture
def live(monkeypatch):
    monkeypatch.setattr(camera_worker, "LatestReader", FakeLiveCamera)
    now = time.time()
    if now - window_start(now, WINDOW_S) > WINDOW_S - 30:  # both runs must fall in one window
        time.sleep(WINDOW_S - (now - window_start(now, WINDOW_S)) + 0.5)
    return FakeLiveCamera


def run_once(store: OpenWindows, fail: bool = False) -> list:
    FakeLiveCamera.fail = fail
    camera = CameraConfig(lines=(CountingLine("door", (160.0, 0.0), (160.0, 240.0)),), camera_id="door",
                          source="rtsp://127.0.0.1:9/door")
    sent: list = []
    worker = CameraWorker(camera, WalkerAcrossTheLine(), "s1", WINDOW_S, sent.extend, threading.Event(),
                          open_windows=store)
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    return sent


def crossings(windows) -> int:
    return sum(w.in_count + w.out_count for w in windows)


def test_a_clean_restart_within_the_window_sends_it_with_both_runs_crossings(live, tmp_path):
    store = OpenWindows(tmp_path / "open-windows.db")
    (first,) = run_once(store)                        # stopped: the window is sent as it stands
    assert crossings([first]) == 1 and first.frames == 40
    store.close()
    store = OpenWindows(tmp_path / "open-windows.db")  # a new process
    (second,) = run_once(store)
    assert second.start == first.start               # the same window (same message id): it replaces the first
    assert (crossings([second]), second.frames) == (2, 80)
    assert second.seen_s == pytest.approx(first.seen_s * 2, rel=0.5)


def test_a_crash_loses_no_crossing(live, tmp_path):
    store = OpenWindows(tmp_path / "open-windows.db")
    assert run_once(store, fail=True) == []           # died: nothing sent, the crossing only on disk
    (window,) = run_once(OpenWindows(tmp_path / "open-windows.db"))
    # crossings are saved at once; frames and seconds seen every few seconds (here: at the crossing)
    assert crossings([window]) == 2 and 40 + 15 <= window.frames < 80


def test_a_window_that_ended_while_the_agent_was_down_is_sent_as_it_stood(live, tmp_path):
    store = OpenWindows(tmp_path / "open-windows.db")
    assert run_once(store, fail=True) == []
    figures, sent = store.load("door")
    figures["start"] -= WINDOW_S                      # as if the restart came in the next window
    store.save("door", figures)
    earlier, now = run_once(store)
    assert earlier.start.timestamp() == figures["start"] and crossings([earlier]) == 1
    assert earlier.frames == figures["frames"] and earlier.seen_s == figures["seen_s"]
    # the heatmap is kept as counts (person-seconds and how many people per cell) and comes back,
    # to the small-cell rule as any window (one person: every cell under k, shown as 0)
    kept = figures["parts"]["heatmap"]
    assert sum(kept["person_s"]) > 0 and sum(kept["people"]) >= 1 and earlier.heatmap is not None
    assert now.start.timestamp() == figures["start"] + WINDOW_S and crossings([now]) == 1


def test_a_file_is_never_resumed(tmp_path):
    from helpers import SAMPLE_VIDEO

    store = OpenWindows(tmp_path / "open-windows.db")
    camera = CameraConfig(lines=(CountingLine("door", (160.0, 0.0), (160.0, 240.0)),), camera_id="door",
                          source=str(SAMPLE_VIDEO))
    worker = CameraWorker(camera, WalkerAcrossTheLine(), "s1", 60, lambda w: None, threading.Event(),
                          max_frames=5, open_windows=store)
    worker.start()
    worker.join(30)
    assert store.load("door") is None                 # a re-run of a file replays it whole


class FullDisk(OpenWindows):
    def _write(self, sql, params):
        raise DeliveryError(f"cannot write the open-window file {self.path}: database or disk is full")


def test_a_disk_that_cannot_take_the_open_window_does_not_stop_the_count(live, tmp_path, caplog):
    (window,) = run_once(FullDisk(tmp_path / "open-windows.db"))
    assert crossings([window]) == 1 and window.frames == 40  # counted and sent as without the file
    assert "disk is full (counting goes on" in caplog.text


def test_a_record_that_cannot_be_read_is_left_and_the_count_starts_afresh(live, tmp_path, caplog):
    store = OpenWindows(tmp_path / "open-windows.db")
    now = window_start(time.time(), WINDOW_S)
    store.save("door", {"start": now, "window_s": WINDOW_S, "frames": 7, "seen_s": 1.0,
                        "counts": [["door", "in", "many"]]})  # not a number: from a bug, or a disk error
    (window,) = run_once(store)
    assert (crossings([window]), window.frames) == (1, 40)  # nothing half taken back
    assert "cannot be read" in caplog.text
