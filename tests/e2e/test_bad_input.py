"""Each bad input gets one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers import SAMPLE_VIDEO, cli, free_port

pytestmark = pytest.mark.e2e
VIDEO = str(SAMPLE_VIDEO)
FOLDER = str(Path(__file__).resolve().parent)  # an existing folder given where a file is expected
MASCOTS = Path(__file__).resolve().parents[2] / "media" / "mascots"


@pytest.mark.parametrize(
    "args, message",
    [
        (["count", "--source", "/nonexistent.mp4", "--line", "0,1,2,3"], "video file not found: /nonexistent.mp4"),
        (["count", "--source", "/tmp", "--line", "0,1,2,3"], "/tmp is a directory: give one video file"),
        (["count", "--source", VIDEO, "--line", "nonsense"], '--line: expected "X1,Y1,X2,Y2"'),
        (["count", "--source", VIDEO, "--line", "1,2,3"], '--line: expected "X1,Y1,X2,Y2"'),
        (["count", "--source", VIDEO, "--line", "5,5,5,5"], "--line: the two end points are the same"),
        (["count", "--source", VIDEO, "--line", "1000,500,1900,1000"],                    # drawn for 1920×1080
         "line line-1 lies outside the 768×432 frame, so it can measure nothing"),
        (["count", "--source", VIDEO], "one of the arguments --line --config is required"),
        (["count", "--source", VIDEO, "--config", "/nonexistent.yaml"], "/nonexistent.yaml"),
        (["run", "--source", VIDEO, "--store", "s1"], "give --config FILE, or all of --source --store"),
        (["run", "--config", "/nonexistent.yaml"], "/nonexistent.yaml"),
        (["count", "--source", __file__, "--line", "0,1,2,3"], "cannot open video source"),   # not a video
        (["count", "--source", f"rtsp://127.0.0.1:{free_port()}/none", "--line", "0,1,2,3"],
         "cannot open video source rtsp://127.0.0.1"),                                        # nothing listens
        (["count", "--source", "rtsp://127.0.0.1:1/cam", "--line", "0,1,2,3", "--settle-first"],
         "--settle-first: applies to a video file; a live source is counted once"),
        (["run", "--source", VIDEO, "--store", "s1", "--camera", "c", "--broker", "http://x", "--line", "0,1,2,3"],
         "--broker: expected mqtt://HOST:PORT"),
        (["run", "--source", VIDEO, "--store", "Store 1", "--camera", "c", "--broker", "mqtt://h:1",
          "--line", "0,1,2,3"], "argument --store: 'Store 1'"),
        (["run", "--source", VIDEO, "--store", "s", "--camera", "c", "--broker", "mqtt://h:1", "--line", "0,1,2,3",
          "--window", "7"], "--window: expected seconds that divide a day"),
        (["run", "--source", VIDEO, "--store", "s", "--camera", "c", "--broker", "mqtt://h:1", "--line", "0,1,2,3",
          "--start", "noon"], "--start: expected an ISO 8601 time"),
        (["run", "--source", VIDEO, "--store", "s", "--camera", "c", "--broker", "mqtt://h:1", "--line", "0,1,2,3",
          "--window", "0"], "--window: expected seconds that divide a day (10, 60, 300, 3600…), got 0"),
        (["count", "--source", VIDEO, "--line", "0,1,2,3", "--max-frames", "-3"],
         "argument --max-frames: expected a whole number ≥ 1, got '-3'"),
        (["preview", "--source", VIDEO, "--line", "0,1,2,3", "--out", FOLDER, "--max-frames", "2"],
         f"--out: {FOLDER} is a folder; give a file name"),
        (["ar", "--source", VIDEO, "--mascots", str(MASCOTS), "--out", FOLDER, "--max-frames", "2"],
         f"--out: {FOLDER} is a folder; give a file name"),
        (["mascots", "detect", "--mascots", str(MASCOTS), "--images", FOLDER, "--max-pixels", "4k"],
         "argument --max-pixels: expected a whole number of pixels from 100000 to 100000000, got '4k'"),
    ],
)
def test_edge_bad_input(args, message):
    r = subprocess.run([cli("retail-edge"), *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("retail-edge: ") and message in lines[0], r.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["report", "--db", "/nonexistent/hub.db", "--store", "s1"], "no hub database at /nonexistent/hub.db"),
        (["report", "--db", "x.db", "--store", "s1", "--from", "tuesday"], "--from: expected an ISO 8601 time"),
        (["report", "--db", "x.db", "--store", "s1", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["serve", "--broker", "localhost", "--db", "x.db"], "--broker: expected mqtt://HOST:PORT"),
    ],
)
def test_hub_bad_input(args, message):
    r = subprocess.run([cli("retail-hub"), *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    assert message in r.stderr and r.stderr.startswith("retail-hub: "), r.stderr


def test_a_config_file_that_is_not_text_gets_one_line(tmp_path):
    binary = tmp_path / "camera.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x01 not text")
    for tool, args in (("retail-edge", ["count", "--source", VIDEO, "--config", str(binary)]),
                       ("retail-edge", ["check", "--config", str(binary)]),
                       ("retail-hub", ["config", "push", "--broker", "mqtt://127.0.0.1:1", "--store", "s1",
                                       "--camera", "c1", "--file", str(binary)])):
        r = subprocess.run([cli(tool), *args], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "not UTF-8 text" in lines[0] and str(binary) in lines[0], r.stderr
