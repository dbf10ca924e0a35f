"""MascotDetector on the labelled samples and on synthetic look-alike distractors (OpenCV)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.mascots.detection import iou_xywh
from edge.mascots.detector import DetectorSettings, MascotDetector
from edge.mascots.images import detect_images
from edge.mascots.registry import MascotRegistry

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "mascot_samples"
MASCOTS = ROOT / "media" / "mascots"
LABELS = json.loads((SAMPLES / "labels.json").read_text())

pytestmark = pytest.mark.component


@pytest.fixture(scope="module")
def detector(tmp_path_factory) -> MascotDetector:
    cache = tmp_path_factory.mktemp("mascot-cache")
    return MascotDetector(MascotRegistry.from_directory(MASCOTS, cache_dir=cache))


@pytest.fixture(scope="module")
def sample_results(detector):
    return {name: detector.detect(cv2.imread(str(SAMPLES / name))) for name in sorted(LABELS["images"])}


def match(dets, labels):
    """(true positives as (detection, label), false detections, missed labels)."""
    used, tps, false = set(), [], []
    for d in dets:
        hit = next((i for i, lab in enumerate(labels) if i not in used and lab["mascot"] == d.mascot_id
                    and iou_xywh(d.bbox_xywh, lab["bbox"]) >= 0.5), None)
        if hit is None:
            false.append(d)
        else:
            used.add(hit)
            tps.append((d, labels[hit]))
    return tps, false, [lab for i, lab in enumerate(labels) if i not in used]


def test_no_false_detection_on_any_sample(sample_results):
    false = {n: [d.mascot_id for d in match(dets, LABELS["images"][n])[1]]
             for n, dets in sample_results.items()}
    assert {n: f for n, f in false.items() if f} == {}


@pytest.mark.parametrize("name", [n for n, labs in sorted(LABELS["images"].items()) if not labs])
def test_nothing_found_on_scenes_without_mascot(sample_results, name):
    assert sample_results[name] == []


def test_recall_on_samples(sample_results):
    # Measured 0.95 (19/20) in each of 16 LSH draws (`bench/mascots_bench.py --draws 16
    # --synthetic 0`, session 12; 0.70 before the upscaled ORB levels and the rescan stage, 0.915
    # on average in session 9): the miss is 019.jpg's 65 px fox, blurred and lying ~60° back.
    # The samples are held out (thresholds are chosen on synthetic seeds); the goal is 0.95; this
    # guards the level reached, less one card for another draw, and that every card taller than
    # 110 px is found.
    found = sum(len(match(d, LABELS["images"][n])[0]) for n, d in sample_results.items())
    total = sum(len(labs) for labs in LABELS["images"].values())
    assert found / total >= 0.90
    missed_large = [(n, lab["height_px"]) for n, d in sample_results.items()
                    for lab in match(d, LABELS["images"][n])[2] if lab["height_px"] > 110]
    assert missed_large == []


def test_the_faster_coarse_pyramid_keeps_the_samples_and_reports_nothing_false():
    # DetectorSettings.scale_factor: ORB at ×1.44, ×1, ×0.69, ×0.48, ×0.33 instead of eight
    # levels 1.2 apart. Measured 18–19 of 20 in 16 LSH draws (BENCHMARKS.md, session 12).
    settings = DetectorSettings(scale_factor=1.44, upscaled_levels=1, levels=4, n_features=3000)
    with MascotDetector(MascotRegistry.from_directory(MASCOTS), settings) as fast:
        results = {n: fast.detect(cv2.imread(str(SAMPLES / n))) for n in sorted(LABELS["images"])}
    matched = {n: match(d, LABELS["images"][n]) for n, d in results.items()}
    assert {n: [d.mascot_id for d in m[1]] for n, m in matched.items() if m[1]} == {}
    assert sum(len(m[0]) for m in matched.values()) >= 17
    assert [(n, lab["height_px"]) for n, m in matched.items() for lab in m[2] if lab["height_px"] > 110] == []


@pytest.mark.parametrize("name", ["005.jpg", "008.jpg", "009.jpg", "012.jpg", "015.jpg"])
def test_large_and_clear_cards_are_found_with_accurate_corners(sample_results, name):
    tps, _, missed = match(sample_results[name], LABELS["images"][name])
    assert missed == []
    for det, lab in tps:
        err = np.abs(det.corners - np.asarray(lab["corners"], np.float32)).max()
        assert err < 0.06 * lab["height_px"], f"{name}: corner error {err:.1f}px"
        assert det.corners.shape == (4, 2)
        assert 0.0 < det.score <= 1.0


def test_a_dim_frame_still_shows_its_cards(detector):
    """The samples at a fifth of their brightness (a dim corner, an evening store): the FAST
    threshold follows the frame's contrast. Measured 17 of 20 cards (12 with a fixed threshold;
    18 at full brightness), and still no false detection."""
    found, false = 0, []
    for name, labels in sorted(LABELS["images"].items()):
        dim = (cv2.imread(str(SAMPLES / name)).astype(np.float32) * 0.2).astype(np.uint8)
        tps, wrong, _ = match(detector.detect(dim), labels)
        found += len(tps)
        false += [(name, d.mascot_id) for d in wrong]
    assert false == []
    assert found >= 16


def test_synthetic_look_alike_cards_are_never_reported(detector):
    sys.path.insert(0, str(ROOT / "bench"))
    from synth_mascots import CARD_WH, procedural_card, random_pose, recomposed_card

    rng = np.random.default_rng(2024)
    refs = [cv2.imread(str(p)) for p in sorted(MASCOTS.glob("*.png"))]
    background = cv2.resize(cv2.imread(str(SAMPLES / "017.jpg")), (1280, 720))
    reported = []
    for i in range(16):
        card = procedural_card(rng) if i % 2 else recomposed_card(rng, refs[i % 4 // 2])
        h = random_pose(rng, float(rng.uniform(150, 450)))
        scene = background.copy()
        mask = cv2.warpPerspective(np.ones(CARD_WH[::-1], np.float32), h, (1280, 720))[..., None]
        scene = (scene * (1 - mask) + cv2.warpPerspective(card, h, (1280, 720)) * mask).astype(np.uint8)
        reported += [(i, d.mascot_id, d.score) for d in detector.detect(scene)]
    assert reported == []


def test_registered_card_on_synthetic_scene_is_found(detector):
    sys.path.insert(0, str(ROOT / "bench"))
    from synth_mascots import random_pose

    rng = np.random.default_rng(5)
    fox = cv2.imread(str(MASCOTS / "mascot-fox.png"))
    background = cv2.resize(cv2.imread(str(SAMPLES / "010.jpg")), (1280, 720))
    h = random_pose(rng, 260.0)
    mask = cv2.warpPerspective(np.ones(fox.shape[:2], np.float32), h, (1280, 720))[..., None]
    scene = (background * (1 - mask) + cv2.warpPerspective(fox, h, (1280, 720)) * mask).astype(np.uint8)
    dets = detector.detect(scene)
    truth = cv2.perspectiveTransform(np.float32([[[0, 0]], [[600, 0]], [[600, 800]], [[0, 800]]]), h)
    assert [d.mascot_id for d in dets] == ["mascot-fox"]
    assert np.abs(dets[0].corners - truth.reshape(4, 2)).max() < 8.0


def _small_cards_found(detector) -> int:
    """Of 12 cards 85 px tall at random 3-D poses (≤ 60° out of plane) near the bottom-right corner,
    how many `detector` finds (and nothing else)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from synth_mascots import random_pose

    background = cv2.resize(cv2.imread(str(SAMPLES / "010.jpg")), (1280, 720))
    found = 0
    for name in ("mascot-fox", "mascot-panda"):
        card = cv2.imread(str(MASCOTS / f"{name}.png"))
        for seed in range(6):
            h = random_pose(np.random.default_rng(seed), 85.0)
            c = cv2.perspectiveTransform(np.float32([[[300, 400]]]), h).ravel()
            h = np.array([[1, 0, 1120 - c[0]], [0, 1, 580 - c[1]], [0, 0, 1]]) @ h
            mask = cv2.warpPerspective(np.ones(card.shape[:2], np.float32), h, (1280, 720))[..., None]
            scene = (background * (1 - mask)
                     + cv2.warpPerspective(card, h, (1280, 720)) * mask).astype(np.uint8)
            dets = detector.detect(scene)
            assert all(d.mascot_id == name for d in dets), (name, seed, dets)
            found += bool(dets)
    return found


def test_small_cards_far_from_the_image_origin_are_found(detector):
    # the case that the per-match position bins split (fixed) and that the upscaled ORB levels and
    # the second-stage rescan serve. Measured 11 of 12; the version before found 8.
    assert _small_cards_found(detector) >= 10


def test_a_reference_registered_from_a_print_file_is_described_as_the_export_is(tmp_path, detector):
    # the same mascots registered from 1800×2400 images (a print file rather than a 600×800
    # export) are described at the same canonical size, so their smallest described copy is
    # 100 px tall, not 300, and small cards still meet it (before: held-out recall 0.941 -> 0.882,
    # the lost cards all under 110 px; `bench/mascots_bench.py --reference-scale 3`)
    for p in sorted(MASCOTS.glob("*.png")):
        cv2.imwrite(str(tmp_path / p.name), cv2.resize(cv2.imread(str(p)), (1800, 2400), interpolation=cv2.INTER_CUBIC))
    big = MascotDetector(MascotRegistry.from_directory(tmp_path, cache_dir=tmp_path / "cache"))
    for name in ("mascot-fox", "mascot-panda"):
        ref, export = big.registry[name].references[0], detector.registry[name].references[0]
        assert ref.wh == export.wh == (600, 800)
        assert abs(len(ref.features.features) - len(export.features.features)) < 0.05 * len(export.features.features)
        assert np.percentile(ref.features.features.size, 10) < 1.2 * np.percentile(export.features.features.size, 10)
    assert _small_cards_found(big) >= 10


def _card_in_4k(name: str, height: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A 3840×2160 scene (a sample photo upscaled) with `name`'s card `height` px tall pasted at
    full resolution at a random pose; (scene, true corners)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from synth_mascots import random_pose

    wh = (3840, 2160)
    card = cv2.imread(str(MASCOTS / f"{name}.png"))
    background = cv2.resize(cv2.imread(str(SAMPLES / "010.jpg")), wh)
    h = random_pose(np.random.default_rng(seed), height, wh)
    mask = cv2.warpPerspective(np.ones(card.shape[:2], np.float32), h, wh)[..., None]
    scene = (background * (1 - mask) + cv2.warpPerspective(card, h, wh, flags=cv2.INTER_AREA) * mask)
    truth = cv2.perspectiveTransform(np.float32([[[0, 0]], [[600, 0]], [[600, 800]], [[0, 800]]]), h)
    return scene.astype(np.uint8), truth.reshape(4, 2)


def _assert_found_at(dets, name: str, truth: np.ndarray, detector: MascotDetector) -> None:
    assert [d.mascot_id for d in dets] == [name]
    d = dets[0]
    height = truth[:, 1].max() - truth[:, 1].min()
    assert np.abs(d.corners - truth).max() < 0.03 * height
    # the homography is the 4K frame's too: it maps the reference's corners onto the corners
    ref = detector.registry[name].references[d.reference]
    mapped = cv2.perspectiveTransform(ref.corners.reshape(-1, 1, 2), d.homography).reshape(4, 2)
    assert np.abs(mapped - d.corners).max() < 1.0


@pytest.mark.parametrize("name, height, seed", [("mascot-fox", 1300.0, 3), ("mascot-panda", 1100.0, 4)])
def test_a_4k_frame_is_searched_downscaled_and_answered_in_its_own_pixels(detector, name, height, seed):
    # a card 1100–1300 px tall in a 4K frame is one of ~600 px at 1920×1080: searched at full
    # size, ORB's pyramid did not reach down to the references' scale, and such cards were missed
    scene, truth = _card_in_4k(name, height, seed)
    _assert_found_at(detector.detect(scene), name, truth, detector)


def test_max_pixels_raised_searches_4k_at_full_size_for_small_and_large_cards(tmp_path):
    # a 130 px card in a 4K frame is 65 px at 1920×1080, where few are found; with
    # max_pixels raised the frame is searched at its own size, with pyramid levels added so that
    # a 1300 px card there still meets the references
    cache = tmp_path / "cache"
    big = MascotDetector(MascotRegistry.from_directory(MASCOTS, cache_dir=cache),
                         DetectorSettings(max_pixels=3840 * 2160))
    for name, height, seed in (("mascot-fox", 1300.0, 3), ("mascot-panda", 130.0, 1)):
        scene, truth = _card_in_4k(name, height, seed)
        _assert_found_at(big.detect(scene), name, truth, big)


def test_detect_images_json_in_file_name_order_and_errors_do_not_stop(tmp_path, detector):
    images = tmp_path / "images"
    images.mkdir()
    for name in ("010.jpg", "005.jpg", "012.jpg"):
        shutil.copy(SAMPLES / name, images / name)
    (images / "007.jpg").write_bytes(b"this is not a jpeg")
    (images / "notes.txt").write_text("ignored")
    results = [r.to_json() for r in detect_images(MASCOTS, images, detector=detector)]
    assert [r["image"] for r in results] == ["005.jpg", "007.jpg", "010.jpg", "012.jpg"]
    assert results[1] == {"image": "007.jpg", "error": "cannot decode 007.jpg as an image"}
    assert results[2] == {"image": "010.jpg", "detections": []}
    fox = results[0]["detections"][0]
    assert set(fox) == {"mascot", "corners", "bbox", "score"}
    assert fox["mascot"] == "mascot-fox"
    assert len(fox["corners"]) == 4 and all(len(p) == 2 for p in fox["corners"])
    assert iou_xywh(fox["bbox"], LABELS["images"]["005.jpg"][0]["bbox"]) >= 0.5
    assert sorted(d["mascot"] for d in results[3]["detections"]) == ["mascot-fox", "mascot-panda"]
    json.dumps(results)  # plain JSON types only


def test_odd_images_are_searched_or_reported_and_the_run_goes_on(tmp_path, detector):
    """A 1 px or 10×8 image (ORB's pyramid cannot be built), 16-bit, RGBA and grey PNGs."""
    images = tmp_path / "images"
    images.mkdir()
    sample = cv2.imread(str(SAMPLES / "013.jpg"))
    cv2.imwrite(str(images / "a-one-pixel.png"), np.zeros((1, 1, 3), np.uint8))
    cv2.imwrite(str(images / "b-tiny.png"), cv2.resize(sample, (10, 8)))
    cv2.imwrite(str(images / "c-16bit.png"), sample.astype(np.uint16) * 257)
    cv2.imwrite(str(images / "d-rgba.png"), cv2.cvtColor(sample, cv2.COLOR_BGR2BGRA))
    cv2.imwrite(str(images / "e-grey.png"), cv2.cvtColor(sample, cv2.COLOR_BGR2GRAY))
    results = [r.to_json() for r in detect_images(MASCOTS, images, detector=detector)]
    assert [r["image"] for r in results] == ["a-one-pixel.png", "b-tiny.png", "c-16bit.png", "d-rgba.png",
                                             "e-grey.png"]
    assert results[0] == {"image": "a-one-pixel.png", "detections": []}
    assert results[1] == {"image": "b-tiny.png", "detections": []}
    label = LABELS["images"]["013.jpg"][0]
    for r in results[2:]:
        assert [d["mascot"] for d in r["detections"]] == [label["mascot"]], r["image"]
        assert iou_xywh(r["detections"][0]["bbox"], label["bbox"]) >= 0.8


def test_webp_bmp_and_tiff_photos_are_searched_and_hidden_files_skipped(tmp_path, detector):
    """A phone's WebP, a VMS's BMP or TIFF export are searched like a JPEG; a Mac's `._` file is
    not an image of the folder."""
    images = tmp_path / "images"
    images.mkdir()
    sample = cv2.imread(str(SAMPLES / "013.jpg"))
    for name in ("a.webp", "b.BMP", "c.tif", "d.tiff"):
        assert cv2.imwrite(str(images / name.lower()), sample)
        (images / name.lower()).rename(images / name)
    (images / "._a.jpg").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    results = [r.to_json() for r in detect_images(MASCOTS, images, detector=detector)]
    assert [r["image"] for r in results] == ["a.webp", "b.BMP", "c.tif", "d.tiff"]
    label = LABELS["images"]["013.jpg"][0]
    for r in results:
        assert [d["mascot"] for d in r["detections"]] == [label["mascot"]], r["image"]
        assert iou_xywh(r["detections"][0]["bbox"], label["bbox"]) >= 0.8


def test_detect_images_bad_directory(tmp_path):
    from edge.errors import ConfigError

    with pytest.raises(ConfigError, match="images directory"):
        detect_images(MASCOTS, tmp_path / "missing")


def _shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    return cv2.warpAffine(image, np.float32([[1, 0, dx], [0, 1, dy]]), image.shape[1::-1],
                          borderMode=cv2.BORDER_REPLICATE)


def test_confirm_follows_a_mascot_that_stayed_or_was_nudged_and_drops_one_taken_away(detector):
    """A fixed camera's next sample: the same card under new noise and JPEG is confirmed; a card
    nudged 9 px is confirmed at its new place (aligned, not the old box); a card painted over is not."""
    image = cv2.imread(str(SAMPLES / "013.jpg"))
    label = LABELS["images"]["013.jpg"][0]
    last = next(d for d in detector.detect(image) if d.mascot_id == label["mascot"])
    rng = np.random.default_rng(3)
    noisy = np.clip(image + rng.normal(0.0, 5.0, image.shape), 0, 255).astype(np.uint8)
    noisy = cv2.imdecode(cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 60])[1], cv2.IMREAD_COLOR)
    again = detector.confirm(noisy, last)
    assert again is not None and again.mascot_id == label["mascot"]
    assert iou_xywh(again.bbox_xywh, label["bbox"]) >= 0.8

    moved = detector.confirm(_shifted(image, 9.0, -6.0), last)
    assert moved is not None
    x, y, w, h = label["bbox"]
    now = (x + 9.0, y - 6.0, w, h)
    assert iou_xywh(moved.bbox_xywh, now) > iou_xywh(last.bbox_xywh, now) + 0.05
    assert iou_xywh(moved.bbox_xywh, now) >= 0.85

    gone = image.copy()
    corners = np.asarray(label["corners"], np.float32)
    centre = corners.mean(axis=0)
    cv2.fillConvexPoly(gone, np.round(centre + 1.1 * (corners - centre)).astype(np.int32),
                       [int(v) for v in np.median(image.reshape(-1, 3), axis=0)])
    assert detector.confirm(gone, last) is None


def test_confirm_of_an_unregistered_mascot_is_none(detector):
    image = cv2.imread(str(SAMPLES / "013.jpg"))
    last = detector.detect(image)[0]
    stranger = type(last)("mascot-unknown", last.corners, last.bbox_xywh, last.score, last.homography)
    assert detector.confirm(image, stranger) is None


def test_small_cards_seen_out_of_focus_are_found(detector):
    # 16 cards 60–80 px tall at random poses, the whole frame blurred σ 2 px (a soft camera): the
    # FAST threshold is lowered for a soft frame and the references' small copies are also
    # described blurred. Measured 14 of 16; before, 10.
    sys.path.insert(0, str(ROOT / "bench"))
    from synth_mascots import random_pose

    backgrounds = [cv2.resize(cv2.imread(str(SAMPLES / f)), (1280, 720)) for f in ("010.jpg", "017.jpg", "002.jpg")]
    rng = np.random.default_rng(21)
    found, other = 0, []
    for i in range(16):
        name = ("mascot-fox", "mascot-panda")[i % 2]
        card = cv2.imread(str(MASCOTS / f"{name}.png"))
        h = random_pose(rng, float(rng.uniform(60, 80)))
        mask = cv2.warpPerspective(np.ones(card.shape[:2], np.float32), h, (1280, 720))[..., None]
        scene = (backgrounds[i % 3] * (1 - mask)
                 + cv2.warpPerspective(card, h, (1280, 720), flags=cv2.INTER_AREA) * mask).astype(np.uint8)
        dets = detector.detect(cv2.GaussianBlur(scene, (0, 0), 2.0))
        found += any(d.mascot_id == name for d in dets)
        other += [(i, d.mascot_id) for d in dets if d.mascot_id != name]
    assert other == []
    assert found >= 13


def test_softness_tells_an_out_of_focus_frame_from_a_sharp_one():
    from edge.mascots.frame_prep import softness

    grey = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in sorted(SAMPLES.glob("*.jpg"))]
    sharp = [softness(g) for g in grey]
    soft = [softness(cv2.GaussianBlur(g, (0, 0), 2.5)) for g in grey]
    assert max(sharp) < 0.8 < min(soft)


def test_a_low_resolution_camera_is_searched_at_the_tuned_size(detector):
    # the samples at 640×360 (a low-resolution camera: their cards 33–280 px): a frame under half
    # of 1280×720's pixels is searched upscaled to it, where its cards have the sizes the detector
    # is tuned for, and answered in its own pixels
    found, false = 0, []
    for name, labels in sorted(LABELS["images"].items()):
        small = cv2.resize(cv2.imread(str(SAMPLES / name)), (640, 360), interpolation=cv2.INTER_AREA)
        halved = [dict(lab, bbox=[v / 2 for v in lab["bbox"]]) for lab in labels]
        tps, wrong, _ = match(detector.detect(small), halved)
        found += len(tps)
        false += [(name, d.mascot_id) for d in wrong]
    assert false == []
    assert found >= 17, found
