"""The person detector a camera's view asks for: one place that chooses, for every command.

    view "angled"    YoloxDetector (COCO person class on onnxruntime), at the configured input
                     size, or AutoInputSize choosing it ("auto", without tiles); tiles as configured
    view "top-down"  TopDownDetector (background modelling; no model file), at the configured
                     person_size, or from 0.2 following the people measured ("auto")

`working_size` tells the size a detector works at now (the heartbeat reports it), and
`settled_camera` fixes an "auto" size where a run left it (a recording counted a second time
at the size its people needed from its first frame on: edge.counting).
"""

from __future__ import annotations

from dataclasses import replace

from edge.config import CameraConfig
from edge.detections.detector import Detector

__all__ = ["make_detector", "settled_camera", "working_size"]


def make_detector(camera: CameraConfig, threads: int | None = None) -> Detector:
    """A new detector for this camera (each camera needs its own: the top-down one keeps state).

    Raises:
        ModelError: the angled view's model file is missing or corrupt.
    """
    if camera.view == "top-down":
        from edge.detections.topdown import PERSON_SIZE, TopDownDetector

        size = camera.detector.person_size
        return TopDownDetector(person_size=PERSON_SIZE if size == "auto" else float(size),
                               stand_s=camera.detector.stand_s, auto_size=size == "auto")
    from edge.detections.autosize import AutoInputSize
    from edge.detections.yolox import INPUT_SIZE, YoloxDetector

    size = camera.detector.input_size
    yolox = YoloxDetector(score_threshold=camera.detector.score_threshold, threads=threads or 0,
                          input_size=INPUT_SIZE if size == "auto" else int(size))
    if size == "auto" and camera.detector.tiles is None:
        return AutoInputSize(yolox)
    return yolox


def working_size(detector: Detector) -> dict[str, int | float]:
    """The size a detector works at now: {"input_size": px} (angled; "auto" grows it) or
    {"person_size": fraction} (top-down; "auto" shrinks it); {} for neither."""
    size = getattr(detector, "input_size", None)
    if isinstance(size, int) and not isinstance(size, bool):
        return {"input_size": size}
    size = getattr(detector, "person_size", None)
    if isinstance(size, int | float) and not isinstance(size, bool):
        return {"person_size": round(float(size), 3)}
    return {}


def settled_camera(camera: CameraConfig, detector: Detector) -> CameraConfig | None:
    """The camera with its "auto" size fixed where `detector` (made for it and run) has moved it,
    or None when nothing moved: a fixed size, or an "auto" one still at its start."""
    settings = camera.detector
    if camera.view == "top-down" and settings.person_size == "auto":
        from edge.detections.topdown import PERSON_SIZE

        size = getattr(detector, "person_size", PERSON_SIZE)
        return None if size == PERSON_SIZE else replace(camera, detector=replace(settings, person_size=size))
    if camera.view != "top-down" and settings.input_size == "auto":
        from edge.detections.yolox import INPUT_SIZE

        size = getattr(detector, "input_size", INPUT_SIZE)
        return None if size == INPUT_SIZE else replace(camera, detector=replace(settings, input_size=size))
    return None
