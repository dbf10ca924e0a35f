"""A camera's configuration switched at a window boundary (remote configuration): the detector
is rebuilt when the new configuration changes it, and kept when it does not."""

from __future__ import annotations

import threading
from dataclasses import replace

from edge.camera_worker import CameraWorker
from edge.config import CameraConfig, with_person_size, with_view
from edge.detections.factory import make_detector
from edge.events.lines import CountingLine
from helpers import SAMPLE_VIDEO


def worker_for(camera: CameraConfig) -> CameraWorker:
    return CameraWorker(camera, make_detector(camera), "s1", 60, lambda windows: None, threading.Event())


def switch(worker: CameraWorker, config: CameraConfig) -> None:
    applied = []
    worker.request_config(config, lambda: applied.append(True))
    worker._apply_pending(0.0)  # no window open yet: applies at once
    assert applied == [True] and worker.camera is config


def test_a_new_detector_setting_rebuilds_the_detector():
    door = (CountingLine("door", (0.0, 300.0), (768.0, 300.0)),)
    camera = with_view(CameraConfig(lines=door, camera_id="door", source=str(SAMPLE_VIDEO)), "top-down")
    worker = worker_for(camera)
    first = worker.detector
    assert first.walkers is not None  # person_size auto

    moved_line = replace(camera, lines=(CountingLine("door", (0.0, 280.0), (768.0, 280.0)),))
    switch(worker, moved_line)
    assert worker.detector is first  # only the line moved: the detector and its learnt floor stay

    fixed = with_person_size(moved_line, 0.3)
    switch(worker, fixed)
    assert worker.detector is not first and worker.detector.person_size == 0.3 and worker.detector.walkers is None
    assert worker.pipeline.detector is worker.detector

    angled = replace(fixed, view="angled", anchor="bottom")
    switch(worker, angled)
    assert type(worker.detector).__name__ == "AutoInputSize"  # the angled view's person model
