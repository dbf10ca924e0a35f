"""Detect registered mascots in a folder of images (the `mascots detect` command's library).

Example:
    >>> for result in detect_images("media/mascots", "photos/"):
    ...     print(json.dumps(result.to_json()))
    {"image": "000.jpg", "detections": [{"mascot": "mascot-fox", "corners": [[...]], ...}]}
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.errors import ConfigError
from edge.mascots.detection import MascotDetection
from edge.mascots.detector import MascotDetector

__all__ = ["FRAME_SUFFIXES", "ImageResult", "detect_images"]

# What a folder of photos or exported frames may hold: every still format OpenCV decodes here
# (a reference is PNG or JPEG, `registry.IMAGE_SUFFIXES`; a photo from a phone or a web page is
# often WebP, a frame grabbed by a VMS often BMP or TIFF)
FRAME_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")


@dataclass(frozen=True, slots=True)
class ImageResult:
    """The detections in one image, or why the image could not be read.

    Args:
        image: file name (no directory).
        detections: mascots found, best score first; empty when `error` is set.
        error: None, or one line naming what is wrong with the file.
    """

    image: str
    detections: tuple[MascotDetection, ...] = ()
    error: str | None = None

    def to_json(self) -> dict:
        """`{"image", "detections": [{"mascot", "corners", "bbox", "score"}]}` or `{"image", "error"}`."""
        if self.error is not None:
            return {"image": self.image, "error": self.error}
        return {
            "image": self.image,
            "detections": [
                {
                    "mascot": d.mascot_id,
                    "corners": [[round(float(x), 1), round(float(y), 1)] for x, y in d.corners],
                    "bbox": [round(float(v), 1) for v in d.bbox_xywh],
                    "score": round(float(d.score), 3),
                }
                for d in self.detections
            ],
        }


def detect_images(
    mascots_dir: Path | str, images_dir: Path | str, detector: MascotDetector | None = None,
    max_pixels: int | None = None,
) -> Iterator[ImageResult]:
    """Yield one `ImageResult` per image file of `images_dir`, in file-name order.

    Files whose suffix is not one of `FRAME_SUFFIXES`, and hidden files (a name starting with a
    dot, such as the `._000.jpg` a Mac leaves on a USB stick), are ignored; an image that cannot
    be read or decoded yields a result with `error` set and the run goes on.

    Raises:
        ConfigError: `images_dir` is not a directory, or the mascots directory is invalid
            (raised before the first result).
    """
    images_dir = Path(images_dir)
    if not images_dir.is_dir():
        raise ConfigError(f"images directory {images_dir} does not exist or is not a directory")
    if detector is None:
        detector = MascotDetector.from_directory(mascots_dir, max_pixels)
    return _run(detector, images_dir)


def _run(detector: MascotDetector, images_dir: Path) -> Iterator[ImageResult]:
    files = sorted(p for p in images_dir.iterdir()
                   if p.is_file() and p.suffix.lower() in FRAME_SUFFIXES and not p.name.startswith("."))
    for path in files:
        try:
            data = np.fromfile(path, np.uint8)
        except OSError as e:
            yield ImageResult(path.name, error=f"cannot read {path.name}: {e.strerror or e}")
            continue
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if image is None:
            yield ImageResult(path.name, error=f"cannot decode {path.name} as an image")
            continue
        try:
            detections = tuple(detector.detect(image))
        except cv2.error as e:  # an image OpenCV cannot search: reported, and the run goes on
            yield ImageResult(path.name, error=f"cannot search {path.name}: OpenCV {e.err}")
            continue
        yield ImageResult(path.name, detections)
