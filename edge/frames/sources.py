"""Open a video source with OpenCV: a file, an RTSP/HTTP stream or a USB camera.

    open_source("clip.mp4")  →  file: frames on the video's own timeline, fps from the container
    open_source("rtsp://…")  →  live: frames stamped with the wall clock
    open_source("0")         →  USB camera /dev/video0 (live)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2

from edge.errors import SourceError
from edge.frames.frame import Frame

__all__ = ["SourceSpec", "parse_source", "VideoSource", "open_source"]

STREAM_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "rtmp://", "udp://", "tcp://")
OPEN_TIMEOUT_MS = 8000
READ_TIMEOUT_MS = 8000


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What a --source string names. kind: "file" | "stream" | "usb"."""

    kind: str
    location: str

    @property
    def is_live(self) -> bool:
        return self.kind != "file"


def parse_source(text: str) -> SourceSpec:
    """Classify a --source value without opening it.

    Raises:
        SourceError: empty, or a file path that does not exist.
    """
    text = text.strip()
    if not text:
        raise SourceError("source is empty: give a video file, an rtsp:// or http:// URL, or a camera index")
    if text.lower().startswith(STREAM_SCHEMES):
        return SourceSpec("stream", text)
    if text.isdigit():
        return SourceSpec("usb", text)
    path = Path(text)
    if path.is_dir():
        raise SourceError(f"{text} is a directory: give one video file (or a camera URL or USB index)")
    if not path.is_file():
        raise SourceError(f"video file not found: {text}")
    return SourceSpec("file", str(path))


def _redact(url: str) -> str:
    """Hide a password in a stream URL before it appears in a message."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


class VideoSource:
    """An opened source. Iterate `frames()`; call `close()` when done.

    Raises:
        SourceError: the source cannot be opened or yields no frame.
    """

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        if spec.kind == "usb":
            cap = cv2.VideoCapture(int(spec.location))
        elif spec.kind == "stream":
            cap = cv2.VideoCapture(
                spec.location,
                cv2.CAP_FFMPEG,
                [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS,
                 cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS],
            )
        else:
            cap = cv2.VideoCapture(spec.location)
        if not cap.isOpened():
            cap.release()
            what = _redact(spec.location)
            raise SourceError(f"cannot open video source {what}: check the path/URL and that it is a video")
        self._cap = cap
        fps = cap.get(cv2.CAP_PROP_FPS)
        # A missing or absurd container rate would put every frame at t=0; 25 fps is a safe guess
        # for timestamps only (live sources use the wall clock anyway).
        self.fps = float(fps) if 0.5 <= fps <= 240 else 25.0
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = count if spec.kind == "file" and count > 0 else None
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))

    @property
    def is_live(self) -> bool:
        return self.spec.is_live

    def frames(self, max_frames: int | None = None, stop: threading.Event | None = None) -> Iterator[Frame]:
        """Frames until the end of a file, until a live source stops delivering, or until `stop`
        is set (checked before each read: a command stopped by a signal ends its work cleanly)."""
        index = 0
        while max_frames is None or index < max_frames:
            if stop is not None and stop.is_set():
                return
            ok, image = self._cap.read()
            if not ok or image is None:
                return
            if image.ndim == 2:
                image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            ts = time.time() if self.is_live else index / self.fps
            yield Frame(index, ts, image)
            index += 1

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_source(text: str) -> VideoSource:
    """Parse and open a --source value. Raises SourceError with one clear line."""
    return VideoSource(parse_source(text))
