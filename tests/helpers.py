"""Shared test helpers: builders for pure tests, free ports, a private Mosquitto, process control.

Import them as `from helpers import ...` (tests/ is on sys.path through pytest's rootdir conftest).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_VIDEO = ROOT / "media" / "one-by-one-person-detection.mp4"
SHARED = ROOT.parent / "shared"
VENV_BIN = Path(sys.executable).parent
CLIP_FRAMES = 480  # the e2e clip: the first 48 s of the sample video
CLIP_LINE = "500,0,500,432"  # vertical; people leaving to the right cross it ("out")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_detections(*boxes: tuple[float, float, float, float], conf: float = 0.9):
    from edge.detections import Detections

    xyxy = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    return Detections(xyxy, np.full((len(xyxy),), conf, dtype=np.float32))


def require_binary(name: str, install: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if not path:
        pytest.fail(f"{name} is not installed: {install}")
    return path


def wait_for_port(port: int, timeout_s: float = 10.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before port {port} opened")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout_s}s")


class Mosquitto:
    """A private mosquitto on a free loopback port with a temporary config.

    `extra` is appended to the config (TLS, password file, ACL...). Persistence is on so a
    stop/start keeps queued messages, like a real broker.
    """

    def __init__(self, extra: str = "", port: int | None = None, anonymous: bool = True) -> None:
        self.binary = require_binary("mosquitto", "apt-get install -y mosquitto")
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="test-mq-"))
        self.log = self.dir / "mosquitto.log"
        listener = f"listener {self.port} 127.0.0.1\n" if "listener" not in extra else ""
        (self.dir / "mosquitto.conf").write_text(
            listener
            + f"allow_anonymous {'true' if anonymous else 'false'}\n"
            + f"persistence true\npersistence_location {self.dir}/\n"
            + "max_queued_messages 100000\nlog_type error\nlog_type warning\n"
            + extra
        )
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Mosquitto:
        self.proc = subprocess.Popen(
            [self.binary, "-c", str(self.dir / "mosquitto.conf")],
            stdout=open(self.log, "a"), stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.port, 10, self.proc)
        except RuntimeError as e:
            raise RuntimeError(f"{e}\n{self.log.read_text()}") from e
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def spawn(args: list[str], log: Path, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        args, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True, env=env, **kw
    )


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout_s: float = 15) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def cli(name: str) -> str:
    """Path of a console script installed beside the running interpreter."""
    path = VENV_BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {VENV_BIN}: run ./run-tests (pip install -e '.[test]')")
    return str(path)


def stop_once_writing(args: list[str], out: Path, sig: int) -> tuple[subprocess.CompletedProcess, int]:
    """Run `args`, send `sig` once `out` has grown (frames are being written), and wait: the
    finished process and the frames the video at `out` plays."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while not (out.exists() and out.stat().st_size > 50_000):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no frame written in 90 s"
        time.sleep(0.2)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr), frames_in(out)


def frames_in(path: Path) -> int:
    """Frames a video file plays (an MP4 whose writer was killed does not open)."""
    import cv2

    video = cv2.VideoCapture(str(path))
    assert video.isOpened(), f"{path} does not open: an unfinished MP4"
    n = 0
    while video.read()[0]:
        n += 1
    return n
