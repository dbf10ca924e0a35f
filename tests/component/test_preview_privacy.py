"""`retail-edge preview` output: every face the face detector finds in the input is blurred."""

from __future__ import annotations

import json
import subprocess

import cv2
import pytest

from edge.privacy.blur import FaceBlurrer
from helpers import ROOT, SAMPLE_VIDEO, cli

pytestmark = pytest.mark.component
START, N = 255, 20  # a person faces the camera in these frames of the sample
CAMERA = ROOT / "bench" / "groundtruth" / "one-by-one-person-detection.camera.yaml"


def sharpness(image, box) -> float:
    x1, y1, x2, y2 = box
    return cv2.Laplacian(cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()


def test_preview_snapshots_have_no_unblurred_face(tmp_path):
    src = cv2.VideoCapture(str(SAMPLE_VIDEO))
    src.set(cv2.CAP_PROP_POS_FRAMES, START)
    frames = [src.read()[1] for _ in range(N)]
    clip = tmp_path / "faces.avi"
    out = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10, frames[0].shape[1::-1])
    for f in frames:
        out.write(f)
    out.release()
    inputs = []
    cap = cv2.VideoCapture(str(clip))
    for _ in range(N):
        inputs.append(cap.read()[1])  # what preview reads (after the MJPG round trip)
    r = subprocess.run([cli("retail-edge"), "preview", "--source", str(clip), "--config", str(CAMERA),
                        "--out-dir", str(tmp_path / "shots"), "--snapshot-every", "4"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1])["frames"] == N
    checked = 0
    with FaceBlurrer() as blurrer:
        for i in range(0, N, 4):
            shot = cv2.imread(str(tmp_path / "shots" / f"preview-{i:06d}.png"))
            for face in blurrer.detect(inputs[i]):
                if face.confidence < 0.5:
                    continue
                checked += 1
                x1, y1, x2, y2 = face.xyxy
                dx, dy = (x2 - x1) * 0.2, (y2 - y1) * 0.2  # inside the face: clear of drawn box lines
                x1, y1, x2, y2 = (int(round(v)) for v in (x1 + dx, y1 + dy, x2 - dx, y2 - dy))

                box = (x1, y1, x2, y2)
                after, before = sharpness(shot, box), sharpness(inputs[i], box)
                # the blurred patch's own borders keep some edges: half the detail is a clear margin
                assert after < 0.5 * before, f"frame {i}: face {face.xyxy} not blurred ({after:.0f} vs {before:.0f})"
                again = [f for f in blurrer.detect(shot) if f.confidence >= 0.5
                         and abs(f.xyxy[0] - face.xyxy[0]) < 20 and abs(f.xyxy[1] - face.xyxy[1]) < 20]
                assert again == [], f"frame {i}: a face is still detected in the preview"
    assert checked >= 2, "the clip should contain faces the detector finds"
