"""Fixtures for end-to-end tests: a short clip of the sample video and its offline count."""

from __future__ import annotations

import json
import subprocess

import cv2
import pytest

from helpers import CLIP_FRAMES, CLIP_LINE, SAMPLE_VIDEO, cli


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> str:
    """The first 48 s of the sample (two people leave through the line)."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    src = cv2.VideoCapture(str(SAMPLE_VIDEO))
    w, h = int(src.get(3)), int(src.get(4))
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (w, h))
    for _ in range(CLIP_FRAMES):
        ok, frame = src.read()
        assert ok, "sample video shorter than expected"
        out.write(frame)
    out.release()
    return str(path)


@pytest.fixture(scope="session")
def clip_count(clip) -> dict:
    r = subprocess.run([cli("retail-edge"), "count", "--source", clip, "--line", CLIP_LINE, "--json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["frames"] == CLIP_FRAMES
    assert result["in"] + result["out"] >= 1, "the clip must contain crossings for the comparison to mean anything"
    return result
