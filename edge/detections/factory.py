"""The person detector a camera's view asks for: one place that chooses, for every command.

    view "angled"    YoloxDetector (COCO person class on onnxruntime), at the configured input
                     size, or AutoInputSize choosing it ("auto", without tiles); tiles as configured
    view "top-down"  TopDownDetector (background modelling; no model file), at the configured
                     person_size, or from 0.2 following the people measured ("auto")
"""

from __future__ import annotations

from edge.config import CameraConfig
from edge.detections.detector import Detector

__all__ = ["make_detector"]


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
