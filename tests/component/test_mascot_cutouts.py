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

from edge.errors import ConfigError
from edge.mascots.detection import iou_xywh
from edge.mascots.detector import MascotDetector
from edge.mascots.registry import MascotRegistry

ROOT = Path(__file__).resolve().parents[2]
MASCOTS = ROOT / "media" / "mascots"
SAMPLES = ROOT / "tests" / "data" / "mascot_samples"
BACKGROUNDS = ("010.jpg", "017.jpg", "002.jpg")  # the sample photos without a mascot
CARD = np.float32([[[0, 0]], [[600, 0]], [[600, 800]], [[0, 800]]])

pytestmark = pytest.mark.component
sys.path.insert(0, str(ROOT / "bench"))
from synth_mascots import (  # noqa: E402
    CUTOUTS,
    cutout_alpha,
    paste_cutout,
    random_pose,
    recomposed_card,
    write_cutouts,
)


@pytest.fixture(scope="module")
def detector(tmp_path_factory) -> MascotDetector:
    d = tmp_path_factory.mktemp("cutouts")
    write_cutouts(d)
    return MascotDetector(MascotRegistry.from_directory(d, cache_dir=d / "cache"))


def background(i: int) -> np.ndarray:
    return cv2.resize(cv2.imread(str(SAMPLES / BACKGROUNDS[i % 3])), (1280, 720))


def test_cut_out_mascots_are_found_with_their_cards_corners(detector):
    # 8 poses, 100–400 px tall, up to 60° out of plane, on three real photos: 8 of 8. (With the
    # transparent pixels taken as part of the picture, as before, they were found too, but scored
    # 0.57–0.78 instead of 0.98–1.0 in the appearance check: its clear corners disagreed.)
    rng = np.random.default_rng(11)
    found, other = 0, []
    for i in range(8):
        name = list(CUTOUTS)[i % 2]
        h = random_pose(rng, float(np.exp(rng.uniform(np.log(100), np.log(400)))))
        scene = paste_cutout(background(i), cv2.imread(str(MASCOTS / f"{name}.png")), cutout_alpha(CUTOUTS[name]), h)
        truth = cv2.perspectiveTransform(CARD, h).reshape(4, 2)
        height = np.ptp(truth[:, 1])
        dets = detector.detect(scene)
        hits = [d for d in dets if d.mascot_id == name and np.abs(d.corners - truth).max() < 0.04 * height]
        found += bool(hits)
        other += [(i, d.mascot_id) for d in dets if not hits or d is not hits[0]]
    assert other == []
    assert found >= 7


def test_a_cut_out_look_alike_is_not_reported(detector):
    # the registered cards with another animal (header, ribbon, border kept), cut out the same way;
    # before, the fox was reported on scene 4 (score 0.41)
    rng = np.random.default_rng(3)
    reported = []
    for i in range(8):
        name = list(CUTOUTS)[i % 2]
        look_alike = recomposed_card(rng, cv2.imread(str(MASCOTS / f"{name}.png")))
        h = random_pose(rng, float(rng.uniform(150, 400)))
        scene = paste_cutout(background(i), look_alike, cutout_alpha(CUTOUTS[name]), h)
        reported += [(i, d.mascot_id, d.score) for d in detector.detect(scene)]
    assert reported == []


def test_a_cut_out_is_described_only_inside_its_outline(detector):
    for mascot in detector.registry.mascots:
        ref = mascot.references[0]
        alpha = cutout_alpha(CUTOUTS[mascot.mascot_id])
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
    a = np.zeros((800, 600), np.uint8)
    a[380:420, 280:320] = 255
    cv2.imwrite(str(tmp_path / "ghost.png"), np.dstack([np.full((800, 600, 3), 128, np.uint8), a]))
    with pytest.raises(ConfigError, match=r"ghost\.png is 100 % transparent; give an image of the printed mascot"):
        MascotRegistry.from_directory(tmp_path, cache_dir=tmp_path / "cache")


def test_the_box_of_a_cut_out_is_its_cards(detector):
    # the reported corners and box are the card's (the reference's corners), as for any mascot:
    # the AR overlay and the labels use the reference's frame, whatever its outline
    h = random_pose(np.random.default_rng(7), 300.0)
    scene = paste_cutout(background(0), cv2.imread(str(MASCOTS / "mascot-panda.png")), cutout_alpha("standee"), h)
    corners = cv2.perspectiveTransform(CARD, h).reshape(4, 2)
    box = (*corners.min(0), *np.ptp(corners, axis=0))
    dets = detector.detect(scene)
    assert [d.mascot_id for d in dets] == ["mascot-panda"]
    assert iou_xywh(dets[0].bbox_xywh, tuple(float(v) for v in box)) > 0.85
