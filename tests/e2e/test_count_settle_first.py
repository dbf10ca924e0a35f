"""`retail-edge count --settle-first` on the angled view: people too small for the model's
starting input size are found once `input_size: auto` has grown, and the file is counted again
from its start at that size, so the first person is not lost (media/one-by-one-person-detection
.mp4 shrunk ×0.35 into a 1920×1080 frame, a camera farther away; its hand labels, moved with it,
give 2 in and 1 out in the first 260 frames)."""

import json
import subprocess

import cv2
import numpy as np

from helpers import SAMPLE_VIDEO, cli

FRAMES, SHRINK, FRAME = 260, 0.35, (1920, 1080)


def far_clip(path) -> None:
    source = cv2.VideoCapture(str(SAMPLE_VIDEO))
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, FRAME)
    for _ in range(FRAMES):
        ok, image = source.read()
        assert ok, "sample video shorter than expected"
        h, w = image.shape[:2]
        small = cv2.resize(image, (round(w * SHRINK), round(h * SHRINK)), interpolation=cv2.INTER_AREA)
        frame = np.full((FRAME[1], FRAME[0], 3), 128, np.uint8)
        y, x = (FRAME[1] - small.shape[0]) // 2, (FRAME[0] - small.shape[1]) // 2
        frame[y:y + small.shape[0], x:x + small.shape[1]] = small
        out.write(frame)
    out.release()


def test_settle_first_counts_the_people_passed_before_the_input_size_grew(tmp_path):
    clip, camera = tmp_path / "far.mp4", tmp_path / "far.yaml"
    far_clip(clip)
    # bench/groundtruth/one-by-one-person-detection.camera.yaml's lines, moved with the picture
    camera.write_text("units: pixels\nanchor: center\nlines:\n"
                      "  - id: entrance\n    points: \"1021,562,846,562\"\n"
                      "  - id: exit-right\n    points: \"1042,485,1042,615\"\n")
    r = subprocess.run([cli("retail-edge"), "count", "--source", str(clip), "--config", str(camera), "--json",
                        "--no-progress", "--settle-first"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "counting" in r.stderr and "again from its start" in r.stderr, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["passes"] == 2 and got["detector"]["input_size"] > 416, got
    assert got["lines"] == {"entrance": {"in": 2, "out": 0}, "exit-right": {"in": 0, "out": 1}}, got
