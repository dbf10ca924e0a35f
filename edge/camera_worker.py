"""One camera's worker: reader thread → pipeline loop → windows into the outbox.

    cam:{id}:capture   decodes (FileReader: every frame; LatestReader: newest frame wins)
    cam:{id}:pipeline  detector → tracker → events → windows; windows → messages → outbox

On a file, windows follow the video's timeline from `start`; on a live camera, the wall clock,
and windows keep closing (empty, with 0 frames) while the camera is down, so a gap is visible
as a gap in frames, not as a missing window. A live camera's open window is kept on disk as it
fills (edge/windows/open_windows.py), so a restart takes it up where it stood.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from edge.config import CameraConfig
from edge.detections.detector import Detector
from edge.detections.factory import make_detector
from edge.errors import DeliveryError
from edge.frames.readers import FileReader, LatestReader
from edge.frames.sources import parse_source
from edge.pipeline import CameraPipeline
from edge.windows.aggregate import WindowAggregate
from edge.windows.clock import iso_z, to_utc
from edge.windows.open_windows import SAVE_EVERY_S, OpenWindows

__all__ = ["CameraWorker", "CameraHealth"]

log = logging.getLogger("retail_edge.camera")


@dataclass(slots=True)
class CameraHealth:
    """The camera's own health for the heartbeat: nothing about people."""

    state: str = "starting"
    frames: int = 0
    dropped_frames: int = 0
    reconnects: int = 0
    inference_ms: float = 0.0
    fps: float = 0.0


class DetectionStride:
    """Which frames go through the detector: every k-th, k fixed or chosen from the load.

    "auto": k is the number of camera frame intervals one detection takes (a running mean of
    the detect time × the source's fps), rounded up, between 1 and 4. At 1 the detector sees every
    frame; above it the tracker predicts the frames between, which costs well under a millisecond.
    """

    MAX_AUTO = 4

    def __init__(self, every: int | str) -> None:
        self.is_auto = every == "auto"
        self.k = 1 if self.is_auto else int(every)
        self._n = 0
        self._detect_ms = 0.0

    def should_detect(self) -> bool:
        detect = self._n % self.k == 0
        self._n += 1
        return detect

    def observe(self, detected: bool, took_ms: float, source_fps: float) -> None:
        if not detected or not self.is_auto:
            return
        self._detect_ms = took_ms if not self._detect_ms else 0.9 * self._detect_ms + 0.1 * took_ms
        if source_fps > 0:
            needed = math.ceil(self._detect_ms * source_fps / 1000.0)
            self.k = max(1, min(self.MAX_AUTO, needed))


class CameraWorker:
    """Run one camera until its file ends or `stop` is set.

    Args:
        camera: the camera's configuration (camera_id, source, lines, zones…).
        detector: this camera's detector (one per camera: sessions run in parallel).
        on_windows: called with each batch of closed windows (puts them in the outbox).
        epoch_ts: on a file, the Unix time of the first frame.
        open_windows: where a live camera's open window is kept (None: not kept).
    """

    def __init__(self, camera: CameraConfig, detector: Detector, store_id: str, window_s: int,
                 on_windows: Callable[[list[WindowAggregate]], None], stop: threading.Event,
                 epoch_ts: float = 0.0, min_count: int = 5, max_frames: int | None = None,
                 mascots=None, on_alerts: Callable[[list], None] | None = None,
                 new_detector: Callable[[CameraConfig], Detector] | None = None,
                 open_windows: OpenWindows | None = None) -> None:
        self.camera = camera
        self._new_detector = new_detector or make_detector  # for a configuration that changes the detector
        self.spec = parse_source(camera.source or "")
        self.store_id = store_id
        self._detector, self._window_s, self._min_count = detector, window_s, min_count
        self.mascots = mascots  # a MascotSampler (edge/mascots/live.py) or None
        self._on_alerts = on_alerts
        self.pipeline = self._make_pipeline(camera)
        self._pending: tuple[CameraConfig, Callable[[], None]] | None = None
        self._stride = DetectionStride(camera.detector.every)
        self._pending_lock = threading.Lock()
        self.health = CameraHealth()
        self._on_windows = on_windows
        self._stop = stop
        self._epoch_ts = epoch_ts
        self._max_frames = max_frames
        self.error: BaseException | None = None
        self._open_windows = open_windows
        self._saved = (-1, 0.0)  # (aggregator crossings, monotonic time) at the last save
        self._save_warned = -math.inf  # monotonic time of the last "cannot save" warning
        self._thread = threading.Thread(target=self._run_safely, name=f"cam:{camera.camera_id}:pipeline", daemon=True)

    def request_config(self, config: CameraConfig, on_applied: Callable[[], None]) -> None:
        """Switch to `config` at the next window boundary (called from any thread)."""
        with self._pending_lock:
            self._pending = (config, on_applied)

    def _apply_pending(self, ts: float) -> None:
        """On the camera thread, before a frame: switch once the open window has ended."""
        with self._pending_lock:
            pending = self._pending
            open_start = self.pipeline.aggregator.open_start_ts
            if pending is None or (open_start is not None and ts < open_start + self._window_s):
                return
            self._pending = None
        config, on_applied = pending
        self._emit(self.pipeline.aggregator.close(ts))
        if (config.view, config.detector) != (self.camera.view, self.camera.detector):
            self._detector = self._new_detector(config)  # a top-down one learns its floor again
            self._stride = DetectionStride(config.detector.every)
        tracker = self.pipeline.tracker
        self.pipeline = self._make_pipeline(config)
        self.pipeline.tracker = tracker  # people being followed stay followed across the switch
        self.camera = config
        log.info("camera %s: new configuration applied (%d lines, %d zones)", config.camera_id,
                 len(config.lines), len(config.zones))
        on_applied()

    def _make_pipeline(self, camera: CameraConfig) -> CameraPipeline:
        extra = (self.mascots,) if self.mascots is not None else ()
        return CameraPipeline(camera, self._detector, self._window_s, self.store_id, camera.camera_id,
                              min_count=self._min_count, extra_parts=extra)

    @property
    def detector(self) -> Detector:
        return self._detector

    @property
    def is_live(self) -> bool:
        return self.spec.is_live

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout_s: float | None = None) -> None:
        self._thread.join(timeout_s)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run_safely(self) -> None:
        try:
            self._run()
        except Exception as e:  # the agent reports it; other cameras go on
            self.error = e
            self.health.state = "failed"
            log.exception("camera %s failed", self.camera.camera_id)

    def _run(self) -> None:
        name = f"cam:{self.camera.camera_id}:capture"
        if self.is_live:
            reader = LatestReader(self.spec, self._stop, name=name)
        else:
            reader = FileReader(self.spec, self._stop, self._max_frames, name=name)
        offset = 0.0 if self.is_live else self._epoch_ts
        fps_started, fps_frames = time.monotonic(), 0
        self._resume_open_window()
        try:
            for frame in reader:
                if frame is None:  # a live camera delivered nothing for a while: windows still close
                    self.health.state = reader.state
                    self._apply_pending(time.time())
                    self._emit(self.pipeline.aggregator.close(time.time()))
                    self._keep_open_window()
                    continue
                self._apply_pending(offset + frame.ts)
                detect = self._stride.should_detect()
                began = time.perf_counter()
                result = self.pipeline.process(frame, offset + frame.ts, detect=detect)
                took_ms = (time.perf_counter() - began) * 1000
                self._stride.observe(detect, took_ms, reader.fps)
                if self.mascots is not None:
                    alerts = self.mascots.update(frame, offset + frame.ts, result.tracks)
                    if alerts and self._on_alerts is not None:
                        self._on_alerts(alerts)
                self._emit(list(result.windows))
                self._keep_open_window()
                h = self.health
                h.frames += 1
                h.inference_ms = took_ms if not h.inference_ms else 0.9 * h.inference_ms + 0.1 * took_ms
                h.state, h.dropped_frames, h.reconnects = reader.state, reader.dropped_frames, reader.reconnects
                fps_frames += 1
                if time.monotonic() - fps_started >= 5.0:
                    h.fps = fps_frames / (time.monotonic() - fps_started)
                    fps_started, fps_frames = time.monotonic(), 0
        finally:
            reader.close()
            self.health.state = "stopped" if self._stop.is_set() else reader.state
        if self._stop.is_set() and not self.is_live:
            return  # a stopped file run leaves its open window: a re-run sends it whole, same id
        if self.mascots is not None and self.pipeline.aggregator.open_start_ts is not None:
            self.mascots.finish(self.pipeline.aggregator.open_start_ts + self._window_s)
        figures = self.pipeline.aggregator.partial()
        self._emit(self.pipeline.finish())
        if self._keeps_open_windows and figures is not None:
            # Sent as it stands (in the outbox now); kept so that a restart within it goes on from it.
            try:
                self._open_windows.save(self.camera.camera_id, figures, sent=True)
            except DeliveryError as e:
                log.warning("camera %s: %s", self.camera.camera_id, e)

    @property
    def _keeps_open_windows(self) -> bool:
        return self._open_windows is not None and self.is_live

    def _resume_open_window(self) -> None:
        """Before the first frame: take back the open window a previous run kept (live cameras)."""
        if not self._keeps_open_windows:
            return
        try:
            kept = self._open_windows.load(self.camera.camera_id)
        except DeliveryError as e:
            log.warning("camera %s: %s; starting afresh", self.camera.camera_id, e)
            return
        if kept is None:
            return
        figures, sent = kept
        try:
            closed = self.pipeline.aggregator.resume(figures, time.time())
        except (KeyError, TypeError, ValueError, AttributeError) as e:  # a record this version cannot read
            log.warning("camera %s: the open window kept by the last run cannot be read (%s); starting afresh",
                        self.camera.camera_id, e)
            self.pipeline = self._make_pipeline(self.camera)  # nothing half taken back
            return
        now = self.pipeline.aggregator.partial()
        if now is not None:
            log.info("camera %s: window %s goes on from the %d crossings counted before the restart",
                     self.camera.camera_id, iso_z(to_utc(now["start"])), sum(n for *_, n in now["counts"]))
        elif closed and not sent:
            log.info("camera %s: window %s, open when the last run ended, is sent as it stood",
                     self.camera.camera_id, iso_z(closed[0].start))
            self._emit(closed)
        self._keep_open_window(force=True)

    def _keep_open_window(self, force: bool = False) -> None:
        """Save the open window: at once after a crossing, else every SAVE_EVERY_S."""
        if not self._keeps_open_windows:
            return
        aggregator, now = self.pipeline.aggregator, time.monotonic()
        if not force and aggregator.crossings == self._saved[0] and now - self._saved[1] < SAVE_EVERY_S:
            return
        figures = aggregator.partial()
        try:
            if figures is None:
                self._open_windows.forget(self.camera.camera_id)
            else:
                self._open_windows.save(self.camera.camera_id, figures)
        except DeliveryError as e:  # a full disk, say: counting goes on; only a restart would lose the window
            if now - self._save_warned > 60.0:
                log.warning("camera %s: %s (counting goes on; a restart now would lose this window's counts)",
                            self.camera.camera_id, e)
                self._save_warned = now
        self._saved = (aggregator.crossings, now)

    def _emit(self, windows: list[WindowAggregate]) -> None:
        if windows:
            for w in windows:
                log.info("camera %s window %s → %s: in %d, out %d (%d frames)", self.camera.camera_id,
                         iso_z(w.start), iso_z(w.end), w.in_count, w.out_count, w.frames)
            self._on_windows(windows)
