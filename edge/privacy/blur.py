"""Blur every face before a frame is shown or written (MediaPipe BlazeFace).

Privacy first: a missed face is a leak, a blurred poster is harmless. So:
- the full-range BlazeFace model (faces up to ~5 m, the usual store-camera case) runs at a low
  minimum confidence (0.3), and the short-range model (faces close to the camera, which the
  full-range model may miss when they fill the frame) runs beside it; their boxes are united;
- frames wider than 960 px are also searched in two overlapping halves, because the models see
  a 128–192 px version of their input and a 20 px face of a 1280 px frame would vanish;
- each box is padded by 40% of its size on every side (hair, chin, ears) and pixelated, then
  blurred, so that neither the pixels nor their blocks can be read back;
- when person boxes are given (`person_xyxy`), the head region of each person (top 22% of the
  box, middle 70% of its width) is blurred too unless a detected face already covers it: a person
  seen from the side or from above has no detectable face but is still recognisable.

MediaPipe 1.2.2 pitfall: a `FaceDetector` left to the garbage collector at interpreter exit
raises from `__del__`, so `FaceBlurrer` closes its detectors explicitly (use it as a context
manager, or call `close()`).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass

import cv2
import numpy as np

from edge.errors import ModelError
from edge.models import verified_model_path

__all__ = ["FaceBlurrer", "FaceBox", "blur_faces", "blur_regions"]

FULL_RANGE = "blazeface_full_range_sparse.tflite"
SHORT_RANGE = "blazeface_short_range.tflite"


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A face found in a frame: box in frame px (x1, y1, x2, y2) and detector confidence."""

    xyxy: tuple[float, float, float, float]
    confidence: float


class FaceBlurrer:
    """Finds and blurs faces in BGR frames.

    Args:
        min_confidence: BlazeFace score above which a box is a face; low on purpose (0–1).
        pad: padding added on each side, as a fraction of the box size.
        use_short_range: also run the short-range model (close-up faces).
        tile_above_px: frames wider than this are also searched in two overlapping halves.

    Raises:
        ModelError: a model file is missing, altered, or cannot be loaded.

    Example:
        >>> with FaceBlurrer() as blurrer:
        ...     safe = blurrer.blur(frame)
    """

    def __init__(self, min_confidence: float = 0.3, pad: float = 0.4,
                 use_short_range: bool = True, tile_above_px: int = 960) -> None:
        if not 0.0 < min_confidence < 1.0:
            raise ValueError(f"min_confidence: expected 0 < value < 1, got {min_confidence}")
        self.min_confidence = min_confidence
        self.pad = pad
        self.tile_above_px = tile_above_px
        self._warmed_up = False
        with _native_stderr_silenced():
            self._detectors = [self._create(FULL_RANGE)]
            if use_short_range:
                self._detectors.append(self._create(SHORT_RANGE))

    def _create(self, name: str):
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.core.base_options import BaseOptions

        path = verified_model_path(name)
        options = vision.FaceDetectorOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            min_detection_confidence=self.min_confidence,
            min_suppression_threshold=0.3,
        )
        try:
            return vision.FaceDetector.create_from_options(options)
        except (RuntimeError, ValueError) as e:
            self.close()
            raise ModelError(f"cannot load face model {path}: {e}") from e

    def __enter__(self) -> FaceBlurrer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the MediaPipe detectors (idempotent)."""
        with _native_stderr_silenced():
            for detector in getattr(self, "_detectors", []):
                detector.close()
        self._detectors = []

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        """Faces in a BGR uint8 frame (boxes unpadded, frame px)."""
        if not self._detectors:
            raise ModelError("FaceBlurrer is closed")
        h, w = image.shape[:2]
        regions = [(0, w)]
        if w > self.tile_above_px:
            half = int(w * 0.6)
            regions += [(0, half), (w - half, w)]
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        faces: list[FaceBox] = []
        with _native_stderr_silenced(enabled=not self._warmed_up):  # LiteRT's first-inference notices
            for x0, x1 in regions:
                faces += self._detect_rgb(np.ascontiguousarray(rgb[:, x0:x1]), x0)
        self._warmed_up = True
        return faces

    def _detect_rgb(self, rgb: np.ndarray, x_offset: int) -> list[FaceBox]:
        import mediapipe as mp

        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        out: list[FaceBox] = []
        for detector in self._detectors:
            for d in detector.detect(mp_image).detections:
                b = d.bounding_box
                score = float(d.categories[0].score) if d.categories else 0.0
                out.append(FaceBox((float(b.origin_x + x_offset), float(b.origin_y),
                                    float(b.origin_x + x_offset + b.width),
                                    float(b.origin_y + b.height)), score))
        return out

    def blur(self, image: np.ndarray, person_xyxy: np.ndarray | None = None) -> np.ndarray:
        """A copy of `image` with every face (and head region of given persons) blurred."""
        return blur_regions(image, self.regions(image, person_xyxy))

    def regions(self, image: np.ndarray,
                person_xyxy: np.ndarray | None = None) -> list[tuple[float, float, float, float]]:
        """The padded boxes (x1, y1, x2, y2), frame px, that `blur` would blur.

        Useful to find faces on the raw frame and blur them on a composed one (AR overlay).
        """
        faces = self.detect(image)
        boxes = [_pad(f.xyxy, self.pad) for f in faces]
        if person_xyxy is not None:
            for x1, y1, x2, y2 in np.asarray(person_xyxy, np.float64).reshape(-1, 4):
                pw, ph = x2 - x1, y2 - y1
                head = (x1 + 0.15 * pw, y1, x2 - 0.15 * pw, y1 + 0.22 * ph)
                if not any(_covers(b, head) for b in boxes):
                    boxes.append(head)
        return boxes


@contextmanager
def _native_stderr_silenced(enabled: bool = True):
    """MediaPipe's C++ runtime (LiteRT) prints INFO/WARNING lines straight to file descriptor 2
    when a model loads, first runs and unloads; no setting turns them off. Point fd 2 at
    /dev/null for those moments only, so the commands keep their one-line error contract."""
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _pad(xyxy: tuple[float, float, float, float], pad: float) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = xyxy
    w, h = x2 - x1, y2 - y1
    return (x1 - pad * w, y1 - pad * h, x2 + pad * w, y2 + pad * h)


def _covers(outer, inner) -> bool:
    ix = max(0.0, min(outer[2], inner[2]) - max(outer[0], inner[0]))
    iy = max(0.0, min(outer[3], inner[3]) - max(outer[1], inner[1]))
    area = max(1e-6, (inner[2] - inner[0]) * (inner[3] - inner[1]))
    return ix * iy / area > 0.6


_BLOCK_PX = 20  # a blurred face is first reduced to blocks this size
_FULL_SIZE_SIGMA = 24.0  # px: up to this blur (faces up to ~190 px), blurred at full size
_MAX_BLOCKS = 10


def blur_regions(image: np.ndarray, boxes) -> np.ndarray:
    """A copy of `image` with each (x1, y1, x2, y2) box pixelated and blurred beyond recognition."""
    out = image.copy()
    h, w = out.shape[:2]
    for x1, y1, x2, y2 in boxes:
        xa, ya = max(0, int(np.floor(x1))), max(0, int(np.floor(y1)))
        xb, yb = min(w, int(np.ceil(x2))), min(h, int(np.ceil(y2)))
        if xb - xa < 2 or yb - ya < 2:
            continue
        roi = out[ya:yb, xa:xb]
        rw, rh = xb - xa, yb - ya
        sigma = max(2.0, min(rw, rh) / 8)  # blurred over ~⅛ of the region
        if sigma <= _FULL_SIZE_SIGMA:
            blocks = (max(1, rw // _BLOCK_PX), max(1, rh // _BLOCK_PX))  # no facial detail survives
            small = cv2.resize(roi, blocks, interpolation=cv2.INTER_AREA)
            coarse = cv2.resize(small, (rw, rh), interpolation=cv2.INTER_NEAREST)
            out[ya:yb, xa:xb] = cv2.GaussianBlur(coarse, (0, 0), sigma)
        else:
            # a large face (a close one, a 4K frame): at most _MAX_BLOCKS blocks across its
            # shorter side, smoothed as much in block units, then enlarged (at full size a σ of
            # 125 px on a 1000 px face took ~0.7 s)
            block = min(rw, rh) / _MAX_BLOCKS
            fewer = cv2.resize(roi, (max(1, round(rw / block)), max(1, round(rh / block))),
                               interpolation=cv2.INTER_AREA)
            soft = cv2.GaussianBlur(fewer, (0, 0), sigma / block, borderType=cv2.BORDER_REPLICATE)
            out[ya:yb, xa:xb] = cv2.resize(soft, (rw, rh), interpolation=cv2.INTER_LINEAR)
    return out


def blur_faces(image: np.ndarray, person_xyxy: np.ndarray | None = None) -> np.ndarray:
    """One-shot: blur the faces of one BGR frame (loads and closes the models each call).

    For video, keep one `FaceBlurrer` open instead.
    """
    with FaceBlurrer() as blurrer:
        return blurrer.blur(image, person_xyxy)
