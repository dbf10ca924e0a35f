"""Frame readers that decode on their own thread, so decoding runs while the pipeline infers.

    FileReader    every frame, in order, through a small bounded queue (a file must not drop
                  frames: the reader waits when the pipeline is behind)
    LatestReader  a live camera: only the newest frame is kept; when the pipeline is slower than
                  the camera, older frames are dropped (and counted) instead of piling up, so
                  the pipeline never falls behind real time. A dropped or unreachable stream is
                  reopened with exponential backoff; `state` says where it is.

Both are iterables of Frame and end when the source ends (file) or `stop` is set; a
LatestReader also yields None after a second without a frame, so its consumer can keep time.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator

from edge.errors import SourceError
from edge.frames.frame import Frame
from edge.frames.sources import SourceSpec, VideoSource

__all__ = ["FileReader", "LatestReader"]

log = logging.getLogger("retail_edge.frames")
_END = object()


class FileReader:
    """Decode a file ahead of the pipeline.

    Args:
        spec: a file source.
        stop: ends reading early.
        max_frames: stop after this many frames.
        queue_size: frames decoded ahead (memory: queue_size × one frame).

    Raises:
        SourceError: at construction, when the file cannot be opened.
    """

    def __init__(self, spec: SourceSpec, stop: threading.Event, max_frames: int | None = None,
                 queue_size: int = 4, name: str = "capture") -> None:
        self._video = VideoSource(spec)
        self.fps = self._video.fps
        self.frame_count = self._video.frame_count
        self.state = "reading"
        self.dropped_frames = 0
        self.reconnects = 0
        self._stop = stop
        self._max_frames = max_frames
        self._queue: queue.Queue = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for frame in self._video.frames(self._max_frames):
                while not self._stop.is_set():
                    try:
                        self._queue.put(frame, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    break
        finally:
            self._video.close()
            self._put_end()

    def _put_end(self) -> None:
        while True:
            try:
                self._queue.put(_END, timeout=0.2)
                return
            except queue.Full:
                if self._stop.is_set():
                    return

    def __iter__(self) -> Iterator[Frame]:
        while True:
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self._stop.is_set():
                    return
                continue
            if item is _END:
                self.state = "ended"
                return
            yield item

    def close(self) -> None:
        self._thread.join(2)


class LatestReader:
    """Keep only the newest frame of a live source; reconnect with backoff.

    Args:
        spec: a stream or USB source.
        stop: ends reading.
        backoff_max_s: longest wait between reconnection attempts (1, 2, 4 … s up to this).
    """

    def __init__(self, spec: SourceSpec, stop: threading.Event, backoff_max_s: float = 30.0,
                 name: str = "capture") -> None:
        self._spec = spec
        self._stop = stop
        self._backoff_max_s = backoff_max_s
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._index = 0
        self.state = "starting"
        self.dropped_frames = 0
        self.reconnects = 0
        self.fps = 0.0
        self.frame_count = None
        self.last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                video = VideoSource(self._spec)
            except SourceError as e:
                self.state, self.last_error = "unreachable", str(e)
                log.warning("%s; retrying in %.0f s", e, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._backoff_max_s)
                continue
            self.state, self.fps = "streaming", video.fps
            backoff = 1.0
            with video:
                for frame in video.frames():
                    if self._stop.is_set():
                        break
                    with self._cond:
                        if self._latest is not None:
                            self.dropped_frames += 1  # the pipeline did not take the previous one
                        self._latest = Frame(self._index, frame.ts, frame.image)
                        self._index += 1
                        self._cond.notify()
            if not self._stop.is_set():
                self.state = "reconnecting"
                self.reconnects += 1
                log.warning("camera stream %s stopped delivering frames; reconnecting", self._spec.kind)
                self._stop.wait(min(backoff, self._backoff_max_s))
        self.state = "stopped"

    def __iter__(self) -> Iterator[Frame | None]:
        while not self._stop.is_set():
            with self._cond:
                if self._latest is None:
                    self._cond.wait(1.0)
                frame, self._latest = self._latest, None
            yield frame

    def close(self) -> None:
        self._thread.join(2)
