"""`retail-edge mascots detect` as the issue gives it: one JSON object per image on stdout, in
file-name order; a bad image is an error entry and the run goes on; notes go to stderr."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from helpers import ROOT, cli

pytestmark = pytest.mark.e2e
SAMPLES = ROOT / "tests" / "data" / "mascot_samples"
MASCOTS = ROOT / "media" / "mascots"


def detect(images) -> subprocess.CompletedProcess:
    return subprocess.run([cli("retail-edge"), "mascots", "detect", "--mascots", str(MASCOTS),
                           "--images", str(images), "--json"], capture_output=True, text=True, timeout=120)


def test_json_lines_in_file_name_order_with_an_error_entry(tmp_path):
    labels = json.loads((SAMPLES / "labels.json").read_text())["images"]
    shutil.copy(SAMPLES / "012.jpg", tmp_path / "b.jpg")
    shutil.copy(SAMPLES / "005.jpg", tmp_path / "a.jpg")
    (tmp_path / "c.png").write_bytes(b"not a png")
    (tmp_path / "labels.json").write_text("{}")  # not an image: no line
    r = detect(tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["image"] for x in lines] == ["a.jpg", "b.jpg", "c.png"]
    assert [d["mascot"] for d in lines[0]["detections"]] == [x["mascot"] for x in labels["005.jpg"]]
    assert sorted(d["mascot"] for d in lines[1]["detections"]) == sorted(x["mascot"] for x in labels["012.jpg"])
    assert lines[2] == {"image": "c.png", "error": "cannot decode c.png as an image"}
    assert "Traceback" not in r.stderr
    assert "1 of 3 images could not be read" in r.stderr


def test_a_folder_without_images_says_so_on_stderr(tmp_path):
    (tmp_path / "readme.txt").write_text("photos go here")
    r = detect(tmp_path)
    assert r.returncode == 0 and r.stdout == ""
    assert r.stderr.startswith(f"retail-edge: no images in {tmp_path}") and ".webp" in r.stderr
