"""Commands that read a camera until stopped (`ar`, `preview`, `count`) stop cleanly on SIGTERM or
SIGINT: the video written so far is closed and plays (a killed MP4 writer leaves no index), and
the result is printed as at the end of a file."""

from __future__ import annotations

import json
import signal
import threading

import pytest

from edge.config import CameraConfig, parse_line_arg
from edge.counting import count
from helpers import CLIP_LINE, ROOT, SAMPLE_VIDEO, cli, stop_once_writing

pytestmark = pytest.mark.e2e
MASCOTS = ROOT / "media" / "mascots"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_ar_stopped_by_a_signal_writes_a_video_that_plays(tmp_path, sig):
    out = tmp_path / "screen.mp4"
    r, frames = stop_once_writing([cli("retail-edge"), "ar", "--source", str(SAMPLE_VIDEO), "--mascots",
                                    str(MASCOTS), "--out", str(out)], out, sig)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert 0 < summary["frames"] < 1394  # stopped part-way through the 1394-frame sample
    assert frames == summary["frames"]
    assert "Traceback" not in r.stderr


def test_preview_stopped_by_sigterm_writes_a_video_that_plays(tmp_path):
    out = tmp_path / "annotated.mp4"
    r, frames = stop_once_writing([cli("retail-edge"), "preview", "--source", str(SAMPLE_VIDEO), "--line",
                                    CLIP_LINE, "--out", str(out)], out, signal.SIGTERM)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["written"] == [str(out)] and 0 < summary["frames"] < 1394
    assert frames == summary["frames"]


def test_count_stops_when_asked_and_totals_the_frames_read():
    stop_at = 40
    stop = threading.Event()
    result = count(str(SAMPLE_VIDEO), CameraConfig(lines=(parse_line_arg(CLIP_LINE),)),
                   on_progress=lambda n, _total: stop.set() if n == stop_at else None, stop=stop)
    assert result.frames == stop_at
    assert result.seconds == pytest.approx(stop_at / 10.0)  # the sample runs at 10 fps
