"""FaceBlurrer on the sample video: faces found, then blurred beyond detection (MediaPipe)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.errors import ModelError
from edge.privacy.blur import FaceBlurrer, blur_faces, blur_regions

ROOT = Path(__file__).resolve().parents[2]
VIDEO = ROOT / "media" / "one-by-one-person-detection.mp4"
FACE_FRAMES = [90, 120, 150, 180, 255, 270, 285, 300]  # the full-range model sees a face here

pytestmark = pytest.mark.component


def read_frames(indices: list[int]) -> dict[int, np.ndarray]:
    cap = cv2.VideoCapture(str(VIDEO))
    if not cap.isOpened():
        pytest.fail(f"sample video {VIDEO} cannot be opened")
    out = {}
    for i in range(max(indices) + 1):
        ok, frame = cap.read()
        if not ok:
            break
        if i in indices:
            out[i] = frame
    cap.release()
    assert set(out) == set(indices)
    return out


def detail(image: np.ndarray, xyxy) -> float:
    """Laplacian variance (fine detail) inside a box."""
    x1, y1, x2, y2 = (int(round(v)) for v in xyxy)
    roi = cv2.cvtColor(image[max(0, y1):y2, max(0, x1):x2], cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(roi, cv2.CV_64F).var())


def overlap(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy / max(1e-6, (a[2] - a[0]) * (a[3] - a[1]))


@pytest.fixture(scope="module")
def blurrer():
    with FaceBlurrer() as b:
        yield b


@pytest.fixture(scope="module")
def frames():
    return read_frames(FACE_FRAMES)


@pytest.mark.parametrize("index", FACE_FRAMES)
def test_face_is_found_then_blurred_beyond_detection(blurrer, frames, index):
    frame = frames[index]
    faces = [f for f in blurrer.detect(frame) if f.confidence >= 0.5]
    assert faces, f"frame {index}: expected the full-range model to find a face"
    out = blurrer.blur(frame)
    assert out.shape == frame.shape and out is not frame
    for face in faces:
        # 1. the face's fine detail is gone
        assert detail(out, face.xyxy) < 0.15 * detail(frame, face.xyxy)
        # 2. the detector no longer finds a confident face there
        again = [f for f in blurrer.detect(out) if overlap(face.xyxy, f.xyxy) > 0.3]
        assert all(f.confidence < face.confidence and f.confidence < 0.5 for f in again), again


def test_outside_faces_the_frame_is_untouched(blurrer, frames):
    frame = frames[120]
    regions = blurrer.regions(frame)
    out = blur_regions(frame, regions)
    mask = np.zeros(frame.shape[:2], bool)
    for x1, y1, x2, y2 in regions:
        mask[max(0, int(y1)):int(np.ceil(y2)), max(0, int(x1)):int(np.ceil(x2))] = True
    assert mask.any() and not mask.all()
    np.testing.assert_array_equal(out[~mask], frame[~mask])


def test_padding_covers_more_than_the_detected_box(blurrer, frames):
    frame = frames[270]
    face = max(blurrer.detect(frame), key=lambda f: f.confidence)
    region = max(blurrer.regions(frame), key=lambda r: overlap(r, face.xyxy))
    assert region[0] < face.xyxy[0] and region[1] < face.xyxy[1]
    assert region[2] > face.xyxy[2] and region[3] > face.xyxy[3]


def test_person_box_without_face_gets_its_head_region_blurred(blurrer):
    frame = np.full((432, 768, 3), 200, np.uint8)
    cv2.randu(frame[50:350, 300:420], 0, 255)  # a textured "person" with no face
    person = np.array([[300, 50, 420, 350]], np.float32)
    assert blurrer.detect(frame) == [] or all(f.confidence < 0.5 for f in blurrer.detect(frame))
    out = blurrer.blur(frame, person_xyxy=person)
    head = (318, 50, 402, 116)
    assert detail(out, head) < 0.15 * detail(frame, head)
    assert detail(out, (300, 200, 420, 350)) == pytest.approx(detail(frame, (300, 200, 420, 350)))


def test_one_shot_blur_faces(frames):
    out = blur_faces(frames[165 if 165 in frames else 150])
    assert out.shape == frames[150].shape


def test_closed_blurrer_refuses(frames):
    b = FaceBlurrer(use_short_range=False)
    b.close()
    b.close()  # idempotent
    with pytest.raises(ModelError, match="closed"):
        b.detect(frames[120])


def test_bad_confidence():
    with pytest.raises(ValueError, match="min_confidence"):
        FaceBlurrer(min_confidence=0.0)


def test_a_large_region_keeps_no_detail_finer_than_a_tenth_of_it():
    # a face 1000 px across (a close shopper in a 4K frame) is blurred in block units: reduced to
    # 10 blocks across and smoothed as much (at full size its σ of 125 px took ~0.7 s a face).
    # Whatever was in it, nothing finer than a tenth of it is left, as with the smaller faces'
    # blur (σ an eighth of the region).
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (1400, 1400, 3), dtype=np.uint8)
    out = blur_regions(image, [(200.0, 200.0, 1200.0, 1200.0)])
    region = out[200:1200, 200:1200].astype(np.float32)
    coarse = cv2.resize(cv2.resize(region, (10, 10), interpolation=cv2.INTER_AREA), (1000, 1000),
                        interpolation=cv2.INTER_LINEAR)
    assert np.abs(region - coarse).mean() < 2.0
    assert region.std() < 0.1 * image.astype(np.float32).std()
    np.testing.assert_array_equal(out[:200], image[:200])
