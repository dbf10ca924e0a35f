"""Cut-out mascots: a reference PNG whose surroundings are transparent (a standee's outline).

In a store, what is behind a cut-out standee is anything, so its transparent pixels must not be
described or compared: only the opaque part is. Scenes here paste only that part on real photos.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.mascots.detection import iou_xywh
from edge.mascots.detector import MascotDetector
from edge.mascots.registry import MascotRegistry

ROOT = Path(__file__).resolve().parents[2]
MASCOTS = ROOT / "media" / "mascots"
SAMPLES = ROOT / "tests" / "data" / "mascot_samples"
BACKGROUNDS = ("010.jpg", "017.jpg", "002.jpg")  # the sample photos without a mascot

pytestmark = pytest.mark.component
sys.path.insert(0, str(ROOT / "bench"))


def outline(kind: str) -> np.ndarray:
    """uint8 alpha (255 opaque) of a 600×800 card: an oval, or a standee's head-and-body outline."""
    a = np.zeros((800, 600), np.uint8)
    if kind == "oval":
        cv2.ellipse(a, (300, 430), (250, 350), 0, 0, 360, 255, -1)
    else:
        cv2.ellipse(a, (300, 500), (270, 290), 0, 0, 360, 255, -1)
        cv2.circle(a, (300, 260), 200, 255, -1)
        cv2.circle(a, (150, 120), 90, 255, -1)
        cv2.circle(a, (450, 120), 90, 255, -1)
    return a


CUTS = {"mascot-fox": "oval", "mascot-panda": "standee"}


@pytest.fixture(scope="module")
def cutouts(tmp_path_factory) -> Path:
    """The two mascots as RGBA PNGs, transparent (and black, as many exports leave it) outside."""
    d = tmp_path_factory.mktemp("cutouts")
    for name, kind in CUTS.items():
        card = cv2.imread(str(MASCOTS / f"{name}.png"))
        a = outline(kind)
        cv2.imwrite(str(d / f"{name}.png"), np.dstack([np.where(a[..., None] > 0, card, 0), a]))
    return d


@pytest.fixture(scope="module")
def detector(cutouts) -> MascotDetector:
    return MascotDetector(MascotRegistry.from_directory(cutouts, cache_dir=cutouts / "cache"))


def paste(scene: np.ndarray, card: np.ndarray, alpha: np.ndarray, h: np.ndarray) -> np.ndarray:
    wh = (scene.shape[1], scene.shape[0])
    m = cv2.warpPerspective(alpha.astype(np.float32) / 255, h, wh)[..., None]
    return (scene * (1 - m) + cv2.warpPerspective(card, h, wh, flags=cv2.INTER_AREA) * m).astype(np.uint8)


def test_cut_out_mascots_are_found_with_their_cards_corners(detector):
    # 8 poses, 100–400 px tall, up to 60° out of plane, on three real photos: 8 of 8. (With the
    # transparent pixels taken as part of the picture, as before, they were found too, but scored
    # 0.57–0.78 instead of 0.98–1.0 in the appearance check: its clear corners disagreed.)
    from synth_mascots import random_pose

    rng = np.random.default_rng(11)
    found, other = 0, []
    for i in range(8):
        name = list(CUTS)[i % 2]
        card = cv2.imread(str(MASCOTS / f"{name}.png"))
        h = random_pose(rng, float(np.exp(rng.uniform(np.log(100), np.log(400)))))
        background = cv2.resize(cv2.imread(str(SAMPLES / BACKGROUNDS[i % 3])), (1280, 720))
        scene = paste(background, card, outline(CUTS[name]), h)
        truth = cv2.perspectiveTransform(np.float32([[[0, 0]], [[600, 0]], [[600, 800]], [[0, 800]]]), h)
        truth = truth.reshape(4, 2)
        height = np.ptp(truth[:, 1])
        dets = detector.detect(scene)
        hits = [d for d in dets if d.mascot_id == name and np.abs(d.corners - truth).max() < 0.04 * height]
        found += bool(hits)
        other += [(i, d.mascot_id) for d in dets if not hits or d is not hits[0]]
    assert other == []
    assert found >= 7


def test_a_cut_out_look_alike_is_not_reported(detector):
    # the registered cards with another animal (header, ribbon, border kept), cut out the same way;
    # before, the fox was reported on scene 4 (score 0.41), and on 2 of 80 such scenes in all
    from synth_mascots import random_pose, recomposed_card

    rng = np.random.default_rng(3)
    reported = []
    for i in range(8):
        name = list(CUTS)[i % 2]
        look_alike = recomposed_card(rng, cv2.imread(str(MASCOTS / f"{name}.png")))
        h = random_pose(rng, float(rng.uniform(150, 400)))
        background = cv2.resize(cv2.imread(str(SAMPLES / BACKGROUNDS[i % 3])), (1280, 720))
        scene = paste(background, look_alike, outline(CUTS[name]), h)
        reported += [(i, d.mascot_id, d.score) for d in detector.detect(scene)]
    assert reported == []


def test_a_cut_out_is_described_only_inside_its_outline(detector):
    for mascot in detector.registry.mascots:
        ref = mascot.references[0]
        alpha = outline(CUTS[mascot.mascot_id])
        assert ref.coverage is not None and ref.alignment_mask is not None
        xy = np.round(ref.features.features.xy).astype(int)
        xy = np.clip(xy, 0, [alpha.shape[1] - 1, alpha.shape[0] - 1])
        assert (alpha[xy[:, 1], xy[:, 0]] > 0).all()
        assert len(xy) > 500
        # the appearance template's coverage follows the outline: opaque middle, clear corners
        assert ref.coverage[64, 48] > 0.99 and ref.coverage[0, 0] == 0.0


def test_an_opaque_png_with_an_alpha_channel_is_an_ordinary_card(tmp_path):
    card = cv2.imread(str(MASCOTS / "mascot-fox.png"))
    cv2.imwrite(str(tmp_path / "mascot-fox.png"), np.dstack([card, np.full(card.shape[:2], 255, np.uint8)]))
    rgba = MascotRegistry.from_directory(tmp_path, cache_dir=tmp_path / "c1")["mascot-fox"].references[0]
    plain = MascotRegistry.from_directory(MASCOTS, cache_dir=tmp_path / "c2")["mascot-fox"].references[0]
    assert rgba.coverage is None and rgba.alignment_mask is None
    assert np.array_equal(rgba.template, plain.template)
    assert len(rgba.features.features) == len(plain.features.features)


def test_a_reference_that_is_nearly_all_transparent_is_refused(tmp_path):
    from edge.errors import ConfigError

    a = np.zeros((800, 600), np.uint8)
    a[380:420, 280:320] = 255
    cv2.imwrite(str(tmp_path / "ghost.png"), np.dstack([np.full((800, 600, 3), 128, np.uint8), a]))
    with pytest.raises(ConfigError, match=r"ghost\.png is 100 % transparent; give an image of the printed mascot"):
        MascotRegistry.from_directory(tmp_path, cache_dir=tmp_path / "cache")


def test_iou_of_a_cut_out_box_is_the_cards(detector):
    # the reported box is the card's (the reference's corners), as for any mascot: the AR overlay
    # and the labels use the reference's frame, whatever its outline
    from synth_mascots import random_pose

    card = cv2.imread(str(MASCOTS / "mascot-panda.png"))
    h = random_pose(np.random.default_rng(7), 300.0)
    background = cv2.resize(cv2.imread(str(SAMPLES / "010.jpg")), (1280, 720))
    dets = detector.detect(paste(background, card, outline("standee"), h))
    corners = cv2.perspectiveTransform(np.float32([[[0, 0]], [[600, 0]], [[600, 800]], [[0, 800]]]), h).reshape(4, 2)
    box = (*corners.min(0), *np.ptp(corners, axis=0))
    assert [d.mascot_id for d in dets] == ["mascot-panda"]
    assert iou_xywh(dets[0].bbox_xywh, tuple(float(v) for v in box)) > 0.85
