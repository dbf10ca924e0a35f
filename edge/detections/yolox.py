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


def letterbox(image: np.ndarray, size: int = INPUT_SIZE) -> tuple[np.ndarray, float]:
    """Resize keeping aspect ratio into the top-left of a size×size canvas padded with 114.

    Returns the NCHW float32 BGR tensor (values 0–255) and the ratio (model px per image px).
    """
    h, w = image.shape[:2]
    ratio = min(size / h, size / w)
    nh, nw = max(1, round(h * ratio)), max(1, round(w * ratio))
    canvas = np.full((size, size, 3), PAD_VALUE, dtype=np.uint8)
    canvas[:nh, :nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return canvas.transpose(2, 0, 1)[None].astype(np.float32), ratio


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
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou

    def detect(self, image: np.ndarray) -> Detections:
        tensor, ratio = letterbox(image)
        raw = self._session.run(None, {self._input_name: tensor})[0]
        h, w = image.shape[:2]
        return decode_yolox(raw, INPUT_SIZE, ratio, self.score_threshold, self.nms_iou, (w, h))
