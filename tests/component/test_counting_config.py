"""`retail-edge count --config` on the first 25 s of the sample video (OpenCV + onnxruntime)."""

from __future__ import annotations

import json
import subprocess

import pytest

from helpers import ROOT, SAMPLE_VIDEO, cli

pytestmark = pytest.mark.component

CAMERA = ROOT / "bench" / "groundtruth" / "one-by-one-person-detection.camera.yaml"


def test_count_with_config_reports_lines_and_consistent_zones():
    proc = subprocess.run(
        [cli("retail-edge"), "count", "--source", str(SAMPLE_VIDEO), "--config", str(CAMERA),
         "--max-frames", "250", "--json", "--no-progress"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"in", "out", "frames", "seconds", "fps", "lines", "zones"} <= set(result)
    assert result["frames"] == 250
    lines = result["lines"]
    assert result["in"] == sum(v["in"] for v in lines.values())
    assert result["out"] == sum(v["out"] for v in lines.values())
    # the first person walks in (f72), stands at the table and leaves to the right (f191); the
    # second walks in at f238 (bench/groundtruth/one-by-one-person-detection.json)
    assert lines == {"entrance": {"in": 2, "out": 0}, "exit-right": {"in": 0, "out": 1}}
    table = result["zones"]["table"]
    occ, dwell = table["occupancy"], table["dwell"]
    assert table["entries"] >= dwell["visits"] >= 1
    assert occ["max"] >= occ["current"] and 0 < occ["mean"] <= occ["max"]
    assert sum(dwell["counts"]) == dwell["visits"] and len(dwell["counts"]) == len(dwell["edges_s"]) + 1
    assert dwell["median_s"] is None  # one visit < privacy.min_count (5): withheld


def test_bad_config_exits_2_with_one_line_per_error(tmp_path):
    bad = tmp_path / "cam.yaml"
    bad.write_text('lines: [{id: a, points: "10,20,30"}]\nancor: bottom\n')
    proc = subprocess.run(
        [cli("retail-edge"), "count", "--source", str(SAMPLE_VIDEO), "--config", str(bad), "--json"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[1:] == [
        '  ancor: unknown setting; did you mean "anchor"?',
        '  lines[0].points: expected "x1,y1,x2,y2", got "10,20,30"',
    ]


def test_preview_writes_only_the_snapshots_asked_for(tmp_path):
    proc = subprocess.run(
        [cli("retail-edge"), "preview", "--source", str(SAMPLE_VIDEO), "--config", str(CAMERA),
         "--out-dir", str(tmp_path / "shots"), "--snapshot-every", "10", "--max-frames", "20"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["frames"] == 20
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == ["preview-000000.png", "preview-000010.png"]
