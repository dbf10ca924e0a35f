"""YOLOX-Nano person detector on onnxruntime (CPU), with the model's checksum verified at load.

The model was exported for a 416×416 input, but its graph does not depend on the size (its
reshapes are (1, 85, -1), its upsampling a ×2 scale): once the input's height and width are
declared free (`free_input_size`, in memory; the shipped file and its checksum are unchanged) it
runs on any multiple of 32. A frame is scaled so that its longer side is `input_size` and padded
only to the next multiple of 32, not to a square: a 16:9 frame at 416 costs 416×256, about 60 %
of 416×416, and a larger `input_size` finds smaller people (edge/detections/autosize.py).
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

import cv2
import numpy as np

from edge.config_settings import INPUT_SIZE_RANGE, is_input_size
from edge.detections.decode import decode_yolox
from edge.detections.detections import Detections
from edge.errors import ModelError
from edge.models import verified_model_path

__all__ = ["YoloxDetector", "check_input_size", "free_input_size", "input_shape", "letterbox"]

INPUT_SIZE = 416  # the side the model was exported (and trained) at
STRIDE = 32  # the input's sides must be multiples of the coarsest stride
PAD_VALUE = 114
# The graph input's shape as exported, (1, 3, 416, 416), and the same with height and width free
# ("h", "w"): protobuf TensorShapeProto dims, dim_value 416 (08 a0 03) → dim_param "h" (12 01 68),
# the same length, so no enclosing length changes (models/MODELS.md has the tensor layout).
_FIXED_SHAPE = bytes.fromhex("0a0208010a0208030a0308a0030a0308a003")
_FREE_SHAPE = bytes.fromhex("0a0208010a0208030a031201680a03120177")


def free_input_size(model: bytes) -> bytes:
    """The serialised YOLOX model with its input's height and width declared free.

    Raises:
        ModelError: the model's input is not the documented (1, 3, 416, 416).
    """
    if model.count(_FIXED_SHAPE) != 1:
        raise ModelError("model input is not (1, 3, 416, 416) as models/MODELS.md documents")
    return model.replace(_FIXED_SHAPE, _FREE_SHAPE)


def input_shape(frame_wh: tuple[int, int], input_size: int = INPUT_SIZE) -> tuple[int, int, float]:
    """(width, height, ratio) of the model input for a frame: scaled so that its longer side is
    `input_size`, each side padded up to a multiple of 32; ratio is model px per frame px.

    Example:
        >>> input_shape((1280, 720), 416)
        (416, 256, 0.325)
    """
    w, h = frame_wh
    ratio = input_size / max(w, h)
    nw, nh = max(1, round(w * ratio)), max(1, round(h * ratio))
    return -(-nw // STRIDE) * STRIDE, -(-nh // STRIDE) * STRIDE, ratio


def letterbox(image: np.ndarray, input_size: int = INPUT_SIZE,
              out: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Resize keeping aspect ratio into the top-left of the `input_shape` canvas, padded with 114.

    Returns the NCHW float32 BGR tensor (values 0–255) and the ratio (model px per image px).
    `out`, a float32 array of the tensor's shape, is filled and returned instead of a new one.
    """
    h, w = image.shape[:2]
    tw, th, ratio = input_shape((w, h), input_size)
    nh, nw = max(1, round(h * ratio)), max(1, round(w * ratio))
    tensor = np.empty((1, 3, th, tw), np.float32) if out is None else out
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
        input_size: the frame's longer side as the model sees it (a multiple of 32, 128–1920).
            416, what the model was trained at, finds people down to ~35 px tall *there*: in a
            1280×720 frame ~110 px, in 1920×1080 ~160 px. Larger finds smaller people at a cost
            growing with its square (bench/results/detection.md).

    Raises:
        ModelError: the model is missing, corrupt or cannot be loaded.
        ValueError: input_size is not a multiple of 32 within 128–1920.
    """

    def __init__(
        self,
        score_threshold: float = 0.1,
        nms_iou: float = 0.45,
        threads: int = 0,
        model_path: Path | None = None,
        input_size: int = INPUT_SIZE,
    ) -> None:
        self.input_size = check_input_size(input_size)
        path = model_path or verified_model_path("yolox_nano_416.onnx")
        try:
            self._session = _session(free_input_size(path.read_bytes()), threads, arena=True)
        except Exception as e:  # onnxruntime raises its own exception types; free_input_size ModelError
            raise ModelError(f"cannot load model {path}: {e}") from e
        self._path = str(path)
        self._input_name = self._session.get_inputs()[0].name
        self._input: np.ndarray | None = None
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou

    def detect(self, image: np.ndarray, ts: float | None = None) -> Detections:
        return self.detect_at(image, self.input_size)

    def detect_at(self, image: np.ndarray, input_size: int) -> Detections:
        """People in `image` seen at `input_size`. At the detector's own size the input buffer and
        onnxruntime's memory arena are kept for the next frame; at another size (a probe) a session
        shared by the process, without an arena, runs it, one at a time, and the memory goes back
        to the system afterwards, so an occasional 1280 px look does not keep ~50 MB per camera."""
        h, w = image.shape[:2]
        tw, th, _ = input_shape((w, h), input_size)
        if input_size == self.input_size:
            if self._input is None or self._input.shape != (1, 3, th, tw):
                self._input = np.empty((1, 3, th, tw), np.float32)
            tensor, ratio = letterbox(image, input_size, out=self._input)
            raw = self._session.run(None, {self._input_name: tensor})[0]
            return decode_yolox(raw, (tw, th), ratio, self.score_threshold, self.nms_iou, (w, h))
        tensor, ratio = letterbox(image, input_size)
        with _ONE_OFF_LOCK:  # one at a time in the process: cameras' probes never add up in memory
            session = _ONE_OFF.get(self._path)
            if session is None:
                model = free_input_size(Path(self._path).read_bytes())  # checked when this detector loaded it
                session = _ONE_OFF.setdefault(self._path, _session(model, 0, arena=False))
            raw = session.run(None, {self._input_name: tensor})[0]
            found = decode_yolox(raw, (tw, th), ratio, self.score_threshold, self.nms_iou, (w, h))
            del tensor, raw
            _release_freed_memory()
        return found


def _session(model: bytes, threads: int, arena: bool):
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = arena
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


def _release_freed_memory() -> None:
    """Hand memory freed by a one-off large inference back to the system: glibc keeps it in its
    heaps otherwise (~50 MB after a 1280 px run). A no-op where there is no glibc."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None
_ONE_OFF: dict[str, object] = {}  # model path → the session for other input sizes
_ONE_OFF_LOCK = threading.Lock()


def check_input_size(input_size: int) -> int:
    """`input_size` if it is a multiple of 32 within `INPUT_SIZE_RANGE`, else ValueError."""
    if not is_input_size(input_size):
        low, high = INPUT_SIZE_RANGE
        raise ValueError(f"input_size: expected a multiple of {STRIDE} from {low} to {high}, got {input_size!r}")
    return input_size
