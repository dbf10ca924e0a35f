"""The real model at other input sizes: the same output at 416, and small people found by AutoInputSize."""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort

from edge.detections.autosize import AutoInputSize
from edge.detections.yolox import YoloxDetector, letterbox
from edge.models import verified_model_path
from edge.tracks.matching import iou_matrix, match
from tests.helpers import SAMPLE_VIDEO


def test_the_freed_model_gives_the_exported_model_s_output_at_416():
    cap = cv2.VideoCapture(str(SAMPLE_VIDEO))
    ok, image = cap.read()
    assert ok
    square = cv2.resize(image, (416, 416))
    exported = ort.InferenceSession(str(verified_model_path("yolox_nano_416.onnx")), providers=["CPUExecutionProvider"])
    tensor, _ = letterbox(square, 416)
    want = exported.run(None, {"images": tensor})[0]
    got = YoloxDetector()._session.run(None, {"images": tensor})[0]
    np.testing.assert_array_equal(got, want)


def _mosaics(k: int = 6) -> list[tuple[np.ndarray, np.ndarray]]:
    """Frames of the sample with people found confidently at full size, shrunk k× and laid out k × k
    (bench/eval_detection.py): people 40–70 px tall in a 768×432 frame, with their reference boxes."""
    reference = YoloxDetector()
    cap = cv2.VideoCapture(str(SAMPLE_VIDEO))
    frames, i = [], 0
    while True:
        ok, image = cap.read()
        if not ok:
            break
        if i % 7 == 0:
            d = reference.detect(image)
            boxes = d.xyxy[d.confidence >= 0.5]
            if len(boxes):
                frames.append((image, boxes))
        i += 1
    h, w = frames[0][0].shape[:2]
    cw, ch = w // k, h // k
    out = []
    for start in range(0, len(frames) - k * k + 1, k * k):
        canvas = np.full((h, w, 3), 114, np.uint8)
        refs = []
        for n, (image, boxes) in enumerate(frames[start:start + k * k]):
            r, c = divmod(n, k)
            canvas[r * ch:(r + 1) * ch, c * cw:(c + 1) * cw] = cv2.resize(image, (cw, ch), interpolation=cv2.INTER_AREA)
            refs.append(boxes * np.array([cw / w, ch / h] * 2) + np.array([c * cw, r * ch] * 2))
        out.append((canvas, np.concatenate(refs)))
    return out


def _recall(found, refs: np.ndarray) -> float:
    kept = found.xyxy[found.confidence >= 0.3]
    pairs, _, _ = match(iou_matrix(refs, kept), 0.3) if len(kept) else ([], None, None)
    return len(pairs) / len(refs)


def test_auto_input_size_finds_people_too_small_for_416():
    mosaics = _mosaics()
    assert len(mosaics) >= 4
    auto = AutoInputSize(YoloxDetector())
    at_416 = [_recall(auto.detect(image, float(n)), refs) for n, (image, refs) in enumerate(mosaics)]
    later = [_recall(auto.detect(image, float(len(mosaics) + n)), refs) for n, (image, refs) in enumerate(mosaics)]
    assert auto.input_size > 416
    assert np.mean(at_416[:1]) < 0.3  # before the first decision: the trained size misses most
    assert np.mean(later) > 0.8 and np.mean(later) > 2 * np.mean(at_416[:1])
