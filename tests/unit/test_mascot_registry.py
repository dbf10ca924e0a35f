"""MascotRegistry: one mascot per image, metadata, feature cache rebuilt when an image changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.errors import ConfigError
from edge.mascots.features import FEATURES_VERSION
from edge.mascots.registry import MascotRegistry

MASCOTS = Path(__file__).resolve().parents[2] / "media" / "mascots"


def card(seed: int) -> np.ndarray:
    """A small textured card (random blocks) so that ORB finds features."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (16, 12, 3), dtype=np.uint8)
    return cv2.resize(blocks, (240, 320), interpolation=cv2.INTER_NEAREST)


@pytest.fixture
def mascots_dir(tmp_path: Path) -> Path:
    d = tmp_path / "mascots"
    d.mkdir()
    cv2.imwrite(str(d / "mascot-owl.png"), card(1))
    cv2.imwrite(str(d / "mascot-cat.jpg"), card(2))
    return d


def cache_files(d: Path) -> list[Path]:
    return sorted((d / ".cache").glob("*.npz"))


def test_one_mascot_per_image_id_is_stem(mascots_dir: Path):
    registry = MascotRegistry.from_directory(mascots_dir)
    assert registry.ids == ("mascot-cat", "mascot-owl")
    owl = registry["mascot-owl"]
    assert owl.references[0].wh == (600, 800)  # described at the canonical size, 800 px on its longer side
    assert len(owl.references[0].features.features) > 50
    assert owl.campaign is None and owl.height_m is None


def test_project_mascots_load(tmp_path: Path):
    registry = MascotRegistry.from_directory(MASCOTS, cache_dir=tmp_path / "cache")
    assert registry.ids == ("mascot-fox", "mascot-panda")


def test_cache_is_written_then_reused(mascots_dir: Path):
    MascotRegistry.from_directory(mascots_dir)
    files = cache_files(mascots_dir)
    assert len(files) == 2 and all(f"-v{FEATURES_VERSION}.npz" in f.name for f in files)
    mtimes = {f: f.stat().st_mtime_ns for f in files}
    again = MascotRegistry.from_directory(mascots_dir)
    assert {f: f.stat().st_mtime_ns for f in cache_files(mascots_dir)} == mtimes  # not rewritten
    fresh = MascotRegistry.from_directory(mascots_dir, cache_dir=mascots_dir / "other-cache")
    np.testing.assert_array_equal(again["mascot-owl"].references[0].features.features.descriptors,
                                  fresh["mascot-owl"].references[0].features.features.descriptors)


def test_cache_is_rebuilt_when_the_image_changes(mascots_dir: Path):
    before = MascotRegistry.from_directory(mascots_dir)["mascot-owl"].references[0]
    old_entry = next(f for f in cache_files(mascots_dir) if f.name.startswith("mascot-owl-"))
    cv2.imwrite(str(mascots_dir / "mascot-owl.png"), card(3))  # same name, new picture
    after = MascotRegistry.from_directory(mascots_dir)["mascot-owl"].references[0]
    assert after.sha256 != before.sha256
    assert not old_entry.exists()  # stale entry removed
    owl_entries = [f for f in cache_files(mascots_dir) if f.name.startswith("mascot-owl-")]
    assert [f.name for f in owl_entries] == [f"mascot-owl-{after.sha256[:16]}-v{FEATURES_VERSION}.npz"]
    assert not np.array_equal(before.features.features.descriptors[:50],
                              after.features.features.descriptors[:50])


def test_corrupt_cache_entry_is_recomputed(mascots_dir: Path):
    MascotRegistry.from_directory(mascots_dir)
    for f in cache_files(mascots_dir):
        f.write_bytes(b"not an npz")
    registry = MascotRegistry.from_directory(mascots_dir)
    assert len(registry["mascot-cat"].references[0].features.features) > 50


def test_read_only_directory_falls_back_to_user_cache(mascots_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    os.chmod(mascots_dir, 0o555)
    try:
        if os.access(mascots_dir, os.W_OK):  # running as root: permissions do not bind
            shutil.rmtree(mascots_dir / ".cache", ignore_errors=True)
            registry = MascotRegistry.from_directory(mascots_dir, cache_dir=tmp_path / "xdg" / "x")
            assert list((tmp_path / "xdg" / "x").glob("*.npz"))
        else:
            registry = MascotRegistry.from_directory(mascots_dir)
            assert list((tmp_path / "xdg" / "retail-edge" / "mascots").glob("*.npz"))
    finally:
        os.chmod(mascots_dir, 0o755)
    assert registry.ids == ("mascot-cat", "mascot-owl")


def test_folder_is_one_mascot_with_several_references(mascots_dir: Path):
    sub = mascots_dir / "mascot-bee"
    sub.mkdir()
    cv2.imwrite(str(sub / "front.png"), card(4))
    cv2.imwrite(str(sub / "back.png"), card(5))
    bee = MascotRegistry.from_directory(mascots_dir)["mascot-bee"]
    assert [r.path.name for r in bee.references] == ["back.png", "front.png"]


def test_metadata_sidecar(mascots_dir: Path):
    (mascots_dir / "mascots.yaml").write_text('mascot-owl: {campaign: "11.11", height_m: 1.6}\n')
    registry = MascotRegistry.from_directory(mascots_dir)
    assert registry["mascot-owl"].campaign == "11.11"
    assert registry["mascot-owl"].height_m == 1.6
    assert registry["mascot-cat"].campaign is None


@pytest.mark.parametrize(
    "setup, message",
    [
        # empty directory
        (lambda d: [p.unlink() for p in d.iterdir()], "has no reference images"),
        # an image file that is not an image
        (lambda d: (d / "mascot-bad.png").write_bytes(b"garbage"), "mascot-bad.png is not a readable"),
        # metadata for a mascot that does not exist
        (lambda d: (d / "mascots.yaml").write_text("mascot-dog: {campaign: x}\n"),
         "'mascot-dog' is not a mascot in this directory"),
        # unknown metadata key
        (lambda d: (d / "mascots.yaml").write_text("mascot-owl: {colour: red}\n"),
         "mascot-owl: expected keys among"),
        # bad height
        (lambda d: (d / "mascots.yaml").write_text("mascot-owl: {height_m: -2}\n"),
         "mascot-owl.height_m: expected metres > 0"),
    ],
)
def test_config_errors(mascots_dir: Path, setup, message):
    setup(mascots_dir)
    with pytest.raises(ConfigError, match=message):
        MascotRegistry.from_directory(mascots_dir)


def test_missing_directory(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        MascotRegistry.from_directory(tmp_path / "nope")
