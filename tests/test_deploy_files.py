"""deploy/: the systemd units, the Compose file, the install script and the examples hold together.

Docker does not run where these tests run: the Compose file is checked as data (services,
volumes, every path mosquitto.conf names is mounted, mounted repository files exist), never
started. The install script runs only with --dry-run, under a temporary prefix.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = {"retail-edge.service": "retail-edge", "retail-hub.service": "retail-hub",
         "retail-hub-worker@.service": "retail-hub"}


def read_unit(name: str) -> configparser.ConfigParser:
    # systemd allows repeated keys and backslash continuations; configparser(strict=False) reads
    # the last value of a repeated key, and continuation lines are joined below.
    text = (DEPLOY / "systemd" / name).read_text().replace("\\\n", " ")
    unit = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    unit.optionxform = str  # keys are case-sensitive in systemd
    unit.read_string(text)
    return unit


@pytest.mark.parametrize("name,program", UNITS.items())
def test_unit_runs_the_program_hardened_and_always_restarts(name, program):
    unit = read_unit(name)
    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    service = unit["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == f"/opt/{program}/venv/bin/{program}"
    assert argv[1] == ("run" if program == "retail-edge" else "serve")
    assert service["User"] == program and service["Group"] == program  # a dedicated user, never root
    assert service["Restart"] == "always"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"  # never stops restarting
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) > 0
    state = f"/var/lib/{program}"
    assert service["ProtectSystem"] == "strict"
    assert state in service["ReadWritePaths"].split()  # the outbox / the database stay writable
    assert service["StateDirectory"] == program
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "ProtectKernelTunables", "ProtectKernelModules",
                "ProtectControlGroups", "RestrictSUIDSGID", "LockPersonality"):
        assert service[key] == "yes", key
    assert service["CapabilityBoundingSet"] == ""  # no capabilities at all
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_edge_unit_runs_the_agent_file_and_finds_models_and_outbox():
    service = read_unit("retail-edge.service")["Service"]
    assert shlex.split(service["ExecStart"])[1:] == ["run", "--config", "/etc/retail-edge/edge.yaml"]
    # configparser keeps the last of the repeated Environment= lines; read them all from the text
    text = (DEPLOY / "systemd" / "retail-edge.service").read_text()
    env = dict(m.groups() for m in re.finditer(r"^Environment=(\w+)=(\S+)$", text, re.M))
    assert env["RETAIL_EDGE_MODELS"] == "/opt/retail-edge/models"  # where install-store-box.sh puts them
    assert env["RETAIL_EDGE_STATE_DIR"] == "/var/lib/retail-edge"


def test_hub_unit_takes_its_secrets_from_the_env_file_not_the_unit():
    service = read_unit("retail-hub.service")["Service"]
    assert service["EnvironmentFile"] == "/etc/retail-hub/hub.env"
    argv = shlex.split(service["ExecStart"])
    assert argv[argv.index("--broker") + 1] == "${RETAIL_HUB_BROKER}"
    assert argv[argv.index("--db") + 1] == "/var/lib/retail-hub/hub.db"
    assert "--client-id" in argv  # a stable session name (docs/SCALING.md)
    env = dict(line.split("=", 1) for line in (DEPLOY / "examples" / "hub.env").read_text().splitlines()
               if line and not line.startswith("#"))
    assert set(re.findall(r"\$\{(\w+)\}", service["ExecStart"])) <= set(env)


def test_hub_worker_template_joins_the_group_under_a_stable_client_id():
    argv = shlex.split(read_unit("retail-hub-worker@.service")["Service"]["ExecStart"])
    assert argv[argv.index("--group") + 1] == "hubs"
    assert argv[argv.index("--client-id") + 1] == "hub-%i"  # the instance name is the session
    assert "--http" not in argv  # ingest only; the dashboard is retail-hub.service's


# --- docker compose -------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def mounts(service: dict) -> list[tuple[str, str]]:
    """(source, target) of each volume entry, read-only flag dropped."""
    out = []
    for entry in service.get("volumes", []):
        parts = entry.split(":")
        out.append((parts[0], parts[1]))
    return out


def test_compose_has_the_hub_and_mosquitto_with_declared_volumes():
    doc = compose()
    assert set(doc["services"]) == {"hub", "mosquitto"}
    mq, hub = doc["services"]["mosquitto"], doc["services"]["hub"]
    assert mq["image"].startswith("eclipse-mosquitto:2.")
    assert hub["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / hub["build"]["context"] / hub["build"]["dockerfile"]).is_file()
    assert hub["restart"] == mq["restart"] == "always"
    assert hub["depends_on"] == ["mosquitto"]
    named = {src for svc in (mq, hub) for src, _ in mounts(svc) if not src.startswith(".")}
    assert named == set(doc["volumes"])  # every named volume is declared, none is unused
    assert "8883:8883" in mq["ports"] and not any(p.endswith(":1883") for p in mq["ports"])
    assert all(p.startswith("127.0.0.1:") for p in hub["ports"])  # the dashboard only on loopback


def test_compose_mounts_every_path_mosquitto_conf_names():
    conf = (DEPLOY / "mosquitto" / "mosquitto.conf").read_text()
    named = re.findall(r"^(?:password_file|acl_file|cafile|certfile|keyfile|persistence_location)\s+(\S+)",
                       conf, re.M)
    named += re.findall(r"^log_dest file\s+(\S+)", conf, re.M)
    assert len(named) == 7, named  # passwd, acl, 3 TLS files, persistence, log
    mq = compose()["services"]["mosquitto"]
    targets = [t.rstrip("/") for _, t in mounts(mq)]
    for path in named:
        assert any(path.rstrip("/") == t or path.startswith(t + "/") for t in targets), f"{path} is not mounted"
    assert "mosquitto -c /etc/mosquitto/mosquitto.conf" in " ".join(mq["command"])


def test_compose_mounts_existing_repository_files_and_keeps_secrets_out_of_git():
    doc = compose()
    for name, svc in doc["services"].items():
        for src, _ in mounts(svc):
            if src.startswith("./secrets/"):
                continue  # made by the operator (docs/DEPLOY.md), git-ignored
            if src.startswith("."):
                assert (DEPLOY / src).exists(), f"{name}: {src} does not exist in deploy/"
    for env_file in doc["services"]["hub"]["env_file"]:
        assert env_file.startswith("./secrets/")
    ignore = (DEPLOY / "secrets" / ".gitignore").read_text().split()
    assert ignore[ignore.index("*")] == "*" and "!.gitignore" in ignore
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert re.search(r"pip install .*\s\.", dockerfile)


# --- install script ------------------------------------------------------------------------------


def test_install_script_is_valid_bash():
    r = subprocess.run(["bash", "-n", str(DEPLOY / "install-store-box.sh")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_install_script_dry_run_changes_nothing(tmp_path):
    prefix = tmp_path / "root"
    prefix.mkdir()
    r = subprocess.run([str(DEPLOY / "install-store-box.sh"), "--dry-run", "--prefix", str(prefix)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert list(prefix.iterdir()) == []  # nothing made
    out = r.stdout
    for expected in (f"{prefix}/var/lib/retail-edge", f"-m venv {prefix}/opt/retail-edge/venv",
                     f"pip install --quiet --disable-pip-version-check {prefix}/opt/retail-edge/src",
                     f"{prefix}/etc/systemd/system/retail-edge.service"):
        assert expected in out, expected


def test_install_script_refuses_unknown_options():
    r = subprocess.run([str(DEPLOY / "install-store-box.sh"), "--frobnicate"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown option --frobnicate" in r.stderr


# --- examples ---------------------------------------------------------------------------------------


def test_example_edge_config_loads(tmp_path):
    from edge.config import load_config

    # as installed: /etc/retail-edge/edge.yaml with ca.crt beside it
    shutil.copy(DEPLOY / "examples" / "edge.yaml", tmp_path / "edge.yaml")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    config = load_config(tmp_path / "edge.yaml")
    assert [c.camera_id for c in config.cameras] == ["entrance", "till"]
    assert config.broker.url.startswith("mqtts://") and config.broker.ca_file == tmp_path / "ca.crt"
    assert config.outbox == Path("/var/lib/retail-edge/outbox.db")  # the unit's ReadWritePaths
    assert all(c.source and c.lines for c in config.cameras)
