"""YOLOX-Nano person detector on onnxruntime (CPU), with the model's checksum verified at load."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edge.detections.decode import decode_yolox
from edge.detections.detections import Detections
from edge.errors import ModelError
from edge.models import verified_model_path

__all__ = ["YoloxDetector", "letterbox"]

INPUT_SIZE = 416
PAD_VALUE = 114


def letterbox(image: np.ndarray, size: int = INPUT_SIZE, out: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Resize keeping aspect ratio into the top-left of a size×size canvas padded with 114.

    Returns the NCHW float32 BGR tensor (values 0–255) and the ratio (model px per image px).
    `out`, a (1, 3, size, size) float32 array, is filled and returned instead of a new one.
    """
    h, w = image.shape[:2]
    ratio = min(size / h, size / w)
    nh, nw = max(1, round(h * ratio)), max(1, round(w * ratio))
    tensor = np.empty((1, 3, size, size), np.float32) if out is None else out
    tensor.fill(PAD_VALUE)
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    tensor[0, :, :nh, :nw] = resized.transpose(2, 0, 1)
    return tensor, ratio


class YoloxDetector:
    """People with YOLOX-Nano (COCO class 0).

    Args:
        score_threshold: keep boxes scoring at least this (0–1). Lower finds more distant or
            occluded people at the cost of false boxes; the tracker's two-stage association uses
            boxes down to this value, so keep it low (0.1) and let the tracker decide.
        nms_iou: NMS overlap threshold (0–1).
        threads: onnxruntime intra-op threads (0 = onnxruntime's default).
        model_path: override for tests; its checksum is still verified unless it is a copy
            under another name.

    Raises:
        ModelError: the model is missing, corrupt or cannot be loaded.
    """

    def __init__(
        self,
        score_threshold: float = 0.1,
        nms_iou: float = 0.45,
        threads: int = 0,
        model_path: Path | None = None,
    ) -> None:
        import onnxruntime as ort

        path = model_path or verified_model_path("yolox_nano_416.onnx")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # onnxruntime raises its own exception types
            raise ModelError(f"cannot load model {path}: {e}") from e
        self._input_name = self._session.get_inputs()[0].name
        self._input = np.empty((1, 3, INPUT_SIZE, INPUT_SIZE), np.float32)  # reused: no allocation per frame
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou

    def detect(self, image: np.ndarray, ts: float | None = None) -> Detections:
        tensor, ratio = letterbox(image, out=self._input)
        raw = self._session.run(None, {self._input_name: tensor})[0]
        h, w = image.shape[:2]
        return decode_yolox(raw, INPUT_SIZE, ratio, self.score_threshold, self.nms_iou, (w, h))
