"""render_ar on a short clip of the sample video with a mascot composited in (OpenCV + MediaPipe)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.errors import ConfigError, SourceError
from edge.mascots.ar import CornerTracker, PoseFollower, render_ar
from edge.mascots.detection import MascotDetection
from edge.mascots.detector import MascotDetector
from edge.privacy.blur import FaceBlurrer

ROOT = Path(__file__).resolve().parents[2]
VIDEO = ROOT / "media" / "one-by-one-person-detection.mp4"
MASCOTS = ROOT / "media" / "mascots"
START, N = 255, 24  # a person faces the camera in these frames

pytestmark = pytest.mark.component


def card_corners(i: int) -> np.ndarray:
    """The composited card drifts right by 1 px per frame."""
    return np.float32([[560 + i, 150], [680 + i, 160], [675 + i, 330], [555 + i, 320]])


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[Path, list[np.ndarray]]:
    """A clip of the sample video with the fox card composited in; also returns its frames."""
    path = tmp_path_factory.mktemp("ar") / "clip.mp4"
    fox = cv2.imread(str(MASCOTS / "mascot-fox.png"))
    cap = cv2.VideoCapture(str(VIDEO))
    cap.set(cv2.CAP_PROP_POS_FRAMES, START)
    frames = []
    writer = None
    for i in range(N):
        ok, frame = cap.read()
        assert ok, f"sample video {VIDEO} has no frame {START + i}"
        h, w = frame.shape[:2]
        if writer is None:
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (w, h))
        hom = cv2.getPerspectiveTransform(np.float32([[0, 0], [600, 0], [600, 800], [0, 800]]),
                                          card_corners(i))
        mask = cv2.warpPerspective(np.ones(fox.shape[:2], np.float32), hom, (w, h))[..., None]
        frame = (frame * (1 - mask) + cv2.warpPerspective(fox, hom, (w, h)) * mask).astype(np.uint8)
        writer.write(frame)
        frames.append(frame)
    writer.release()
    cap.release()
    # what the encoder kept is the input of render_ar
    cap = cv2.VideoCapture(str(path))
    decoded = [cap.read()[1] for _ in range(N)]
    cap.release()
    return path, decoded


@pytest.fixture(scope="module")
def rendered(clip, tmp_path_factory):
    path, _ = clip
    out = tmp_path_factory.mktemp("ar-out") / "out.mp4"
    result = render_ar(path, MASCOTS, out, detect_every=3)
    cap = cv2.VideoCapture(str(out))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return result, frames


def test_output_has_every_frame_and_the_mascot(rendered, clip):
    result, frames = rendered
    assert result.out_path.is_file() and result.out_path.stat().st_size > 10_000
    assert result.frames == N == len(frames)
    assert frames[0].shape == clip[1][0].shape
    assert result.mascots_seen == ("mascot-fox",)
    assert result.frames_with_overlay == N


def test_overlay_is_drawn_around_the_card(rendered, clip):
    _, out = rendered
    _, inp = clip
    for i in (0, N // 2, N - 1):
        # the badge sits above the card: pixels there changed a lot
        x0, y0 = int(card_corners(i)[0, 0]), int(card_corners(i)[0, 1])
        above = (slice(max(0, y0 - 40), y0 - 5), slice(x0 + 20, x0 + 100))
        diff = np.abs(out[i][above].astype(int) - inp[i][above].astype(int)).mean()
        assert diff > 25, f"frame {i}: no overlay above the card (mean diff {diff:.1f})"


def test_no_unblurred_face_in_the_output(rendered, clip):
    _, out = rendered
    _, inp = clip
    checked = 0
    with FaceBlurrer() as blurrer:
        for i in range(0, N, 3):
            for face in blurrer.detect(inp[i]):
                if face.confidence < 0.5:
                    continue
                checked += 1
                x1, y1, x2, y2 = (int(round(v)) for v in face.xyxy)
                before = cv2.Laplacian(cv2.cvtColor(inp[i][y1:y2, x1:x2], cv2.COLOR_BGR2GRAY),
                                       cv2.CV_64F).var()
                after = cv2.Laplacian(cv2.cvtColor(out[i][y1:y2, x1:x2], cv2.COLOR_BGR2GRAY),
                                      cv2.CV_64F).var()
                assert after < 0.2 * before, f"frame {i}: face at {face.xyxy} not blurred"
                again = [f for f in blurrer.detect(out[i]) if f.confidence >= 0.5
                         and abs(f.xyxy[0] - face.xyxy[0]) < 20 and abs(f.xyxy[1] - face.xyxy[1]) < 20]
                assert again == [], f"frame {i}: a face is still detected after blurring"
    assert checked >= 3, "the clip should contain faces the detector finds"


def test_poses_follow_the_drifting_card_within_a_few_pixels(clip):
    """Detection on every 3rd frame, flow between: every frame's pose is on the card."""
    _, frames = clip
    with MascotDetector.from_directory(MASCOTS) as detector:
        follower = PoseFollower(detector, detect_every=3)
        poses = [follower.update(f) for f in frames]
    errors = [np.linalg.norm(p["mascot-fox"] - card_corners(i), axis=1).max() for i, p in enumerate(poses)]
    assert max(errors) < 4.0, [round(float(e), 1) for e in errors]
    # no lag: the last frames' poses move with the card (1 px a frame), not behind it
    assert np.mean([p["mascot-fox"][:, 0].mean() for p in poses[-3:]]) == pytest.approx(
        np.mean([card_corners(i)[:, 0].mean() for i in range(N - 3, N)]), abs=2.0)


def test_the_pose_stays_on_the_card_while_someone_walks_in_front():
    """A textured passer-by crosses a still card after its one detection: the flow's points go
    with them, and the pose must not (it used to be carried off with them)."""
    rng = np.random.default_rng(3)
    fox = cv2.cvtColor(cv2.imread(str(MASCOTS / "mascot-fox.png")), cv2.COLOR_BGR2GRAY)
    scene = rng.integers(90, 140, (720, 1280)).astype(np.uint8)
    scene = cv2.GaussianBlur(scene, (0, 0), 2)
    card = np.float32([[500, 200], [680, 210], [675, 440], [505, 430]])
    hom = cv2.getPerspectiveTransform(np.float32([[0, 0], [600, 0], [600, 800], [0, 800]]), card)
    mask = cv2.warpPerspective(np.ones(fox.shape, np.float32), hom, (1280, 720))
    scene = (scene * (1 - mask) + cv2.warpPerspective(fox, hom, (1280, 720)) * mask).astype(np.uint8)
    walker = cv2.GaussianBlur(rng.integers(0, 255, (330, 170)).astype(np.uint8), (0, 0), 3)
    tracker = CornerTracker(lost_after_frames=100)  # one detection for the whole walk past
    detection = MascotDetection("m", card, (500.0, 200.0, 180.0, 240.0), 0.9, hom)
    worst = 0.0
    for i in range(40):
        frame = scene.copy()
        left = 330 + 12 * i  # from left of the card to right of it
        frame[150:480, max(0, left):left + 170] = walker[:, max(0, -left):]
        pose = tracker.update(frame, [detection] if i == 0 else None)["m"]
        worst = max(worst, float(np.linalg.norm(pose - card, axis=1).max()))
    assert worst < 5.0, f"the pose left the card by {worst:.0f} px"


def test_overlay_is_stable_between_frames():
    # noisy detections every frame: the smoothed corners move less than the raw ones
    rng = np.random.default_rng(0)
    tracker = CornerTracker(smoothing=0.6)
    gray = np.zeros((200, 200), np.uint8)
    true = np.float32([[50, 50], [120, 50], [120, 150], [50, 150]])
    out = []
    for _ in range(30):
        noisy = true + rng.normal(0, 2.0, true.shape).astype(np.float32)
        det = MascotDetection("m", noisy, (50.0, 50.0, 70.0, 100.0), 0.9, np.eye(3))
        out.append(tracker.update(gray, [det])["m"])
    steps = np.abs(np.diff(np.array(out[5:]), axis=0)).mean()
    assert steps < 1.5  # raw detections jump ~2.3 px per corner per frame


def test_bad_source_and_settings(tmp_path):
    with pytest.raises(SourceError, match="video file not found"):
        render_ar(tmp_path / "missing.mp4", MASCOTS, tmp_path / "o.mp4")
    with pytest.raises(ConfigError, match="detect_every"):
        render_ar(VIDEO, MASCOTS, tmp_path / "o.mp4", detect_every=0)


class FirstFrameOnly:
    """A real detector whose `detect` finds the card on the first frame only (as a hard card may
    be missed for a while); `confirm` is the real one."""

    def __init__(self) -> None:
        from edge.mascots.detector import MascotDetector
        from edge.mascots.registry import MascotRegistry

        self.inner = MascotDetector(MascotRegistry.from_directory(MASCOTS))
        self.registry = self.inner.registry
        self.calls = 0

    def detect(self, image):
        self.calls += 1
        return self.inner.detect(image) if self.calls == 1 else []

    def confirm(self, image, last):
        return self.inner.confirm(image, last)


def test_a_tracked_card_the_detector_misses_keeps_its_overlay_while_confirmed(clip, tmp_path):
    # detection on every 3rd frame finds the card only on the first; the tracker alone would drop
    # it after 15 frames without a detection, the confirmation keeps it on all 24 frames
    path, _ = clip
    result = render_ar(path, MASCOTS, tmp_path / "out.mp4", detect_every=3, detector=FirstFrameOnly())
    assert result.frames == N
    assert result.frames_with_overlay == N


def test_a_card_taken_away_loses_its_overlay(clip, tmp_path):
    # the same card, painted over from frame 6 on: not confirmed, dropped after 15 frames
    path, frames = clip
    gone = tmp_path / "gone.mp4"
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(gone), cv2.VideoWriter_fourcc(*"mp4v"), 10, (w, h))
    for i, frame in enumerate(frames):
        if i >= 6:
            frame = frame.copy()
            cv2.fillConvexPoly(frame, np.round(card_corners(i)).astype(np.int32) + [[-3, -3], [3, -3], [3, 3], [-3, 3]],
                               (90, 90, 90))
        writer.write(frame)
    writer.release()
    result = render_ar(gone, MASCOTS, tmp_path / "out.mp4", detect_every=3, detector=FirstFrameOnly())
    assert result.frames == N
    # last confirmed on frame 3 (the card is there until frame 5), dropped 15 frames later
    assert result.frames_with_overlay == 3 + 15 + 1
