"""Top-down cameras end to end: `retail-edge count/preview --view top-down` on the labelled
ceiling clip (media/luxonis-topdown-passage-left.mp4: 1 crossing to the right, 3 to the left of
x = 640, hand-labelled in media/luxonis-topdown-passage-left.crossings.json)."""

import json
import subprocess

import cv2
import numpy as np

from helpers import ROOT, cli

TOPDOWN_VIDEO = ROOT / "media" / "luxonis-topdown-passage-left.mp4"
TRUTH = json.loads((ROOT / "media" / "luxonis-topdown-passage-left.crossings.json").read_text())
LINE = "640,800,640,0"  # the labels' line: moving right is in, moving left is out


def retail_edge(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([cli("retail-edge"), *args], capture_output=True, text=True, timeout=300)


def test_top_down_count_matches_the_hand_labels():
    truth = TRUTH["luxonis-topdown-passage-left.mp4"]
    r = retail_edge("count", "--source", str(TOPDOWN_VIDEO), "--line", LINE, "--view", "top-down",
                    "--json", "--no-progress")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert (got["in"], got["out"]) == (len(truth["crossings_in_down"]), len(truth["crossings_out_up"])) == (1, 3)


def test_the_angled_detector_misses_people_seen_from_above():
    """Why the view exists: the COCO person model counts (almost) nobody on this clip."""
    r = retail_edge("count", "--source", str(TOPDOWN_VIDEO), "--line", LINE, "--json", "--no-progress",
                    "--max-frames", "300")
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["in"] + got["out"] < 2  # the labels have 2 crossings in these frames


def test_a_camera_file_with_view_top_down_counts_the_same(tmp_path):
    camera = tmp_path / "door.yaml"
    camera.write_text(f'view: top-down\nlines:\n  - id: door\n    points: "{LINE}"\n')
    r = retail_edge("count", "--source", str(TOPDOWN_VIDEO), "--config", str(camera), "--json", "--no-progress")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert (got["in"], got["out"]) == (1, 3)


def test_preview_top_down_shows_what_the_detector_sees(tmp_path):
    r = retail_edge("preview", "--source", str(TOPDOWN_VIDEO), "--line", LINE, "--view", "top-down",
                    "--out-dir", str(tmp_path), "--snapshot-every", "250", "--max-frames", "251")
    assert r.returncode == 0, r.stderr
    shot = cv2.imread(str(tmp_path / "preview-000250.png"))
    # the clip is greyscale: tinted pixels (people red, shadows blue) are the detector's view
    b, g, red = (shot[..., i].astype(int) for i in range(3))
    assert np.count_nonzero((red - np.maximum(b, g)) > 40) > 2000
    assert np.count_nonzero((b - np.maximum(red, g)) > 40) > 2000


def test_person_size_on_the_command_line(tmp_path):
    """--person-size sets the top-down detector's size without a camera file (the clip counts
    exactly at 0.25 too, BENCHMARKS.md); out of range or without the top-down view: one clear line."""
    r = retail_edge("count", "--source", str(TOPDOWN_VIDEO), "--line", LINE, "--view", "top-down",
                    "--person-size", "0.25", "--json", "--no-progress")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert (got["in"], got["out"]) == (1, 3)
    for extra, said in ((("--view", "top-down", "--person-size", "0.9"), "from 0.05 to 0.6"),
                        (("--person-size", "0.25"), "top-down view only")):
        r = retail_edge("count", "--source", str(TOPDOWN_VIDEO), "--line", LINE, *extra, "--no-progress")
        assert r.returncode == 2
        assert said in r.stderr and "Traceback" not in r.stderr


def test_preview_draws_the_person_size_asked_for(tmp_path):
    """The installer's yardstick: the ellipse at the top left is `--person-size` of the frame's
    shorter side (800 px) wide, drawn in pure red (the tint of people is a blend)."""
    for size in (0.15, 0.3):
        out = tmp_path / str(size)
        r = retail_edge("preview", "--source", str(TOPDOWN_VIDEO), "--line", LINE, "--view", "top-down",
                        "--person-size", str(size), "--out-dir", str(out), "--snapshot-every", "2", "--max-frames", "3")
        assert r.returncode == 0, r.stderr
        b, g, red = (cv2.imread(str(out / "preview-000002.png"))[:400, :400, i].astype(int) for i in range(3))
        xs = np.nonzero((red > 230) & (b < 30) & (g < 30))[1]
        assert abs((xs.max() - xs.min()) - size * 800) <= 6


def test_a_wrong_view_is_a_clear_error(tmp_path):
    camera = tmp_path / "door.yaml"
    camera.write_text(f'view: overhead\nlines:\n  - id: door\n    points: "{LINE}"\n')
    r = retail_edge("count", "--source", str(TOPDOWN_VIDEO), "--config", str(camera))
    assert r.returncode == 2
    assert "view" in r.stderr and "top-down" in r.stderr and "Traceback" not in r.stderr


def small_people_clip(path, people: int = 12, w: int = 320, h: int = 240, fps: int = 15) -> None:
    """People a tenth of the shorter side wide (a high ceiling), one at a time, each walking left
    to right across x = w/2: a light shirt and dark hair on a speckled floor."""
    rng = np.random.default_rng(5)
    floor = np.repeat(np.clip(140 + rng.normal(0, 3, (h, w)), 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    yy, xx = np.mgrid[0:h, 0:w]
    d = 0.1 * h
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for _ in range(2 * fps):
        out.write(floor)
    for k in range(people):
        y = 60 + 25 * (k % 5)
        for x in np.arange(-d, w + d, 5.0):
            frame = floor.copy()
            frame[(xx - x) ** 2 + (yy - y) ** 2 <= (d / 2) ** 2] = (225, 225, 225)
            frame[(xx - x) ** 2 + (yy - y) ** 2 <= (0.2 * d) ** 2] = (40, 40, 40)
            out.write(frame)
        for _ in range(fps // 2):
            out.write(floor)
    out.release()


def test_person_size_auto_follows_people_half_the_default_size(tmp_path):
    """By default (`auto`) the detector measures the people walking through and, at half of 0.2,
    takes their size after 6 of them (logged on stderr) and counts the rest, as the agent would;
    with `--settle-first` `count` counts the file again from the start at that size, so it
    counts everyone. Fixed at 0.2 it counts nobody."""
    clip = tmp_path / "high-ceiling.mp4"
    small_people_clip(clip)
    line = "160,240,160,0"
    view = ("--source", str(clip), "--line", line, "--view", "top-down", "--json", "--no-progress")
    fixed = retail_edge("count", *view, "--person-size", "0.2")
    assert fixed.returncode == 0, fixed.stderr
    got = json.loads(fixed.stdout.strip().splitlines()[-1])
    assert got["in"] == 0 and got["passes"] == 1 and got["detector"] == {"person_size": 0.2}, got
    live = retail_edge("count", *view)
    assert live.returncode == 0, live.stderr
    assert "people walking through this top-down view measure 0.1" in live.stderr, live.stderr
    got = json.loads(live.stdout.strip().splitlines()[-1])
    # moving right across a line drawn upwards is in; the first 6 people are measured, not counted
    assert 4 <= got["in"] <= 12 - 6 and got["out"] == 0 and got["passes"] == 1, got
    settled = got["detector"]["person_size"]
    assert 0.1 <= settled <= 0.14, got
    twice = retail_edge("count", *view, "--settle-first")
    assert twice.returncode == 0, twice.stderr
    assert f"settled at person_size {settled}" in twice.stderr, twice.stderr
    got = json.loads(twice.stdout.strip().splitlines()[-1])
    assert got["in"] >= 11 and got["out"] == 0 and got["passes"] == 2, got
    assert got["detector"]["person_size"] == settled, got


def test_a_count_stopped_by_the_user_is_not_started_again(tmp_path):
    """Ctrl-C (the stop event) ends `count` with the frames read so far, even when the detector's
    size moved: a second pass starts only on a recording counted to its end."""
    import threading

    from edge.config import CameraConfig, DetectorConfig, parse_line_arg, with_view
    from edge.counting import count

    clip = tmp_path / "high-ceiling.mp4"
    small_people_clip(clip)
    camera = with_view(CameraConfig(lines=(parse_line_arg("160,240,160,0"),), detector=DetectorConfig()), "top-down")
    stop = threading.Event()
    result = count(str(clip), camera, on_progress=lambda n, total: stop.set() if n == total else None, stop=stop,
                   settle_first=True)
    assert result.passes == 1 and result.detector["person_size"] < 0.2, result
    assert result.frames == cv2.VideoCapture(str(clip)).get(cv2.CAP_PROP_FRAME_COUNT)
