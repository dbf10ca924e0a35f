"""Operator commands as an installer uses them: check, provision-store, JSON logs."""

from __future__ import annotations

import json
import subprocess

import pytest

from edge.config import load_config
from helpers import SAMPLE_VIDEO, cli, free_port

pytestmark = pytest.mark.e2e


def agent_file(path, broker_url: str, second_source: str) -> None:
    path.write_text(f"""store_id: s1
agent_id: box-1
broker: {{url: "{broker_url}"}}
outbox: {path.parent / "outbox.db"}
cameras:
  front:
    source: {SAMPLE_VIDEO}
    lines: [{{id: door, points: "500,0,500,432"}}]
  back:
    source: {second_source}
    lines: [{{id: door, points: "0,300,768,300"}}]
""")


def test_check_passes_on_a_ready_box(mosquitto, tmp_path):
    config = tmp_path / "edge.yaml"
    agent_file(config, mosquitto.url, str(SAMPLE_VIDEO))
    r = subprocess.run([cli("retail-edge"), "check", "--config", str(config)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert all(line.startswith("PASS") for line in lines[:-1]), r.stdout
    assert any("camera front" in line for line in lines) and any("broker" in line for line in lines)
    assert lines[-1] == "8 passed, 0 failed"


def test_check_names_each_failure(tmp_path):
    config = tmp_path / "edge.yaml"
    agent_file(config, f"mqtt://127.0.0.1:{free_port()}", f"rtsp://127.0.0.1:{free_port()}/none")
    r = subprocess.run([cli("retail-edge"), "check", "--config", str(config)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1
    failed = [line for line in r.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 2, r.stdout
    assert "camera back" in failed[0] and "cannot open video source" in failed[0]
    assert "broker" in failed[1] and "Connection refused" in failed[1]


def test_check_fails_a_camera_whose_line_lies_off_its_frame(tmp_path):
    config = tmp_path / "edge.yaml"
    agent_file(config, f"mqtt://127.0.0.1:{free_port()}", str(SAMPLE_VIDEO))
    # the back camera's line drawn on a 1920×1080 picture; the sample is 768×432
    config.write_text(config.read_text().replace('"0,300,768,300"', '"960,900,1900,900"'))
    r = subprocess.run([cli("retail-edge"), "check", "--config", str(config)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1
    out = r.stdout.splitlines()
    assert any(line.startswith("PASS") and "camera front" in line for line in out), r.stdout
    back = [line for line in out if "camera back" in line]
    assert len(back) == 1 and back[0].startswith("FAIL"), r.stdout
    assert "768×432" in back[0] and "line door lies outside" in back[0]


def test_check_on_an_invalid_config_is_a_usage_error(tmp_path):
    config = tmp_path / "edge.yaml"
    config.write_text("store_id: S 1\ncameras: {}\n")
    r = subprocess.run([cli("retail-edge"), "check", "--config", str(config)], capture_output=True, text=True)
    assert r.returncode == 2 and "store_id" in r.stderr and "Traceback" not in r.stderr


def test_json_logs(mosquitto, tmp_path):
    r = subprocess.run([cli("retail-edge"), "--log-format", "json", "run", "--source", str(SAMPLE_VIDEO),
                        "--store", "s1", "--camera", "c1", "--broker", mosquitto.url, "--line", "0,300,768,300",
                        "--window", "10", "--max-frames", "20", "--outbox", str(tmp_path / "o.db")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in r.stderr.splitlines() if line.strip()]
    assert records and all({"ts", "level", "logger", "message"} <= set(rec) for rec in records)
    assert any("window" in rec["message"] for rec in records)


def test_provision_store_writes_a_loadable_edge_config(tmp_path):
    from hub.provision import make_ca

    ca = make_ca(tmp_path / "ca")
    passwd = tmp_path / "passwd"
    r = subprocess.run([cli("retail-hub"), "provision-store", "store-7", "--broker-url", "mqtts://hub.example:8883",
                        "--passwd-file", str(passwd), "--ca-file", str(ca.cert_file), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "systemctl reload mosquitto" in r.stdout
    assert passwd.read_text().startswith("store-7:")
    edge_yaml = tmp_path / "out" / "edge.yaml"
    assert oct(edge_yaml.stat().st_mode & 0o777) == "0o600"
    text = edge_yaml.read_text().replace("cameras: {}", f"cameras:\n  c1:\n    source: {SAMPLE_VIDEO}\n"
                                                        "    lines: [{id: d, points: \"0,1,2,3\"}]")
    edge_yaml.write_text(text)
    config = load_config(edge_yaml)
    assert config.store_id == "store-7" and config.broker.username == "store-7"
    again = subprocess.run([cli("retail-hub"), "provision-store", "store-7", "--broker-url", "mqtts://hub.example:8883",
                            "--passwd-file", str(passwd), "--out", str(tmp_path / "out")],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "store-7" in again.stderr and "Traceback" not in again.stderr
