"""Registered mascots: reference images, optional metadata, and cached precomputed features.

Layout of a mascots directory::

    mascots/
      mascot-fox.png          one mascot per image file, id = file stem
      mascot-panda.png
      mascot-cat.png          a PNG with transparent parts is a cut-out (a standee's outline): only
                              its opaque part is described and compared, whatever stands behind it
      mascot-owl/             or one mascot per sub-folder (id = folder name) with several
        front.png             reference images of it (e.g. front and back print)
        back.jpg
      mascots.yaml            optional metadata, keyed by id:
                                mascot-fox: {campaign: "11.11", height_m: 1.6}
      .cache/                 features, one .npz per reference image (created on first use)

An image of any size (a 600×800 export, a print file of several thousand px) is described at the
same canonical size, its longer side `REFERENCE_SIDE_PX` (800) px.

The cache key is the sha256 of the image bytes plus `FEATURES_VERSION`, so a changed image (or a
changed algorithm) is recomputed on the next load and stale entries are removed. When the
directory is read-only, pass `cache_dir` (the default then falls back to
`$XDG_CACHE_HOME/retail-edge/mascots`, else `~/.cache/retail-edge/mascots`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from edge.config import read_yaml
from edge.errors import ConfigError
from edge.mascots.features import (
    FEATURES_VERSION,
    REFERENCE_SIDE_PX,
    Features,
    ReferenceFeatures,
    reference_features,
    reference_template,
    template_coverage,
)
from edge.mascots.verify import ecc_mask, ecc_template

__all__ = ["IMAGE_SUFFIXES", "Reference", "Mascot", "MascotRegistry"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_METADATA_FILE = "mascots.yaml"
_METADATA_KEYS = {"campaign", "height_m"}


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference image of a mascot and what is precomputed from it.

    Args:
        path: the image file.
        wh: (width, height) of the reference as described: the image scaled so that its longer
            side is `REFERENCE_SIDE_PX` (homographies map these px to the frame's).
        features: ORB features (positions in px of the image) over simulated views.
        template: grey float32 image at `TEMPLATE_WH` used by the appearance check.
        alignment_template: grey float32 image used by the ECC alignment refinement.
        sha256: hex digest of the file bytes.
        coverage: of a cut-out (a PNG with transparent parts), the opaque fraction of each
            `template` pixel; None for an opaque image.
        alignment_mask: of a cut-out, the `alignment_template` pixels to align on; else None.
    """

    path: Path
    wh: tuple[int, int]
    features: ReferenceFeatures = field(repr=False)
    template: np.ndarray = field(repr=False)
    alignment_template: np.ndarray = field(repr=False)
    sha256: str = ""
    coverage: np.ndarray | None = field(default=None, repr=False)
    alignment_mask: np.ndarray | None = field(default=None, repr=False)

    @property
    def corners(self) -> np.ndarray:
        """(4, 2) float32 TL, TR, BR, BL corners of the image, px."""
        w, h = self.wh
        return np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)


@dataclass(frozen=True, slots=True)
class Mascot:
    """A registered mascot.

    Args:
        mascot_id: the id reported in detections (file stem or folder name).
        references: one or more reference images.
        campaign: optional campaign name from the metadata.
        height_m: optional physical height of the printed card, metres.
    """

    mascot_id: str
    references: tuple[Reference, ...]
    campaign: str | None = None
    height_m: float | None = None


@dataclass(frozen=True, slots=True)
class MascotRegistry:
    """The set of registered mascots.

    Example:
        >>> registry = MascotRegistry.from_directory(Path("media/mascots"))
        >>> registry.ids
        ('mascot-fox', 'mascot-panda')
    """

    mascots: tuple[Mascot, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.mascot_id for m in self.mascots)

    def __len__(self) -> int:
        return len(self.mascots)

    def __getitem__(self, mascot_id: str) -> Mascot:
        for m in self.mascots:
            if m.mascot_id == mascot_id:
                return m
        raise KeyError(mascot_id)

    @classmethod
    def from_directory(cls, directory: Path | str, cache_dir: Path | str | None = None) -> MascotRegistry:
        """Register every image (or sub-folder of images) in `directory`.

        Raises:
            ConfigError: missing or empty directory, unreadable image, bad `mascots.yaml`.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise ConfigError(f"mascots directory {directory} does not exist or is not a directory")
        sources = _mascot_sources(directory)
        if not sources:
            raise ConfigError(
                f"mascots directory {directory} has no reference images "
                f"({', '.join(IMAGE_SUFFIXES)}); add one image per mascot"
            )
        metadata = _load_metadata(directory / _METADATA_FILE, set(sources))
        cache = _cache_directory(directory, cache_dir)
        mascots = []
        for mascot_id, paths in sorted(sources.items()):
            meta = metadata.get(mascot_id, {})
            refs = tuple(_load_reference(p, cache) for p in paths)
            height = meta.get("height_m")
            mascots.append(
                Mascot(
                    mascot_id,
                    refs,
                    campaign=None if meta.get("campaign") is None else str(meta["campaign"]),
                    height_m=None if height is None else float(height),
                )
            )
        return cls(tuple(mascots))


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def _mascot_sources(directory: Path) -> dict[str, list[Path]]:
    sources: dict[str, list[Path]] = {}
    for entry in sorted(directory.iterdir()):
        if _is_image(entry):
            sources.setdefault(entry.stem, []).append(entry)
        elif entry.is_dir() and not entry.name.startswith("."):
            images = sorted(p for p in entry.iterdir() if _is_image(p))
            if images:
                sources.setdefault(entry.name, []).extend(images)
    return sources


def _load_metadata(path: Path, ids: set[str]) -> dict[str, dict]:
    if not path.is_file():
        return {}
    data = read_yaml(path, "mascot metadata file") or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of mascot id to metadata")
    for mascot_id, meta in data.items():
        if mascot_id not in ids:
            raise ConfigError(f"{path}: {mascot_id!r} is not a mascot in this directory")
        if not isinstance(meta, dict) or set(meta) - _METADATA_KEYS:
            raise ConfigError(
                f"{path}: {mascot_id}: expected keys among {sorted(_METADATA_KEYS)}, got {meta!r}"
            )
        height = meta.get("height_m")
        if height is not None and (not isinstance(height, int | float) or height <= 0):
            raise ConfigError(f"{path}: {mascot_id}.height_m: expected metres > 0, got {height!r}")
    return data


def _cache_directory(directory: Path, cache_dir: Path | str | None) -> Path | None:
    candidates = [Path(cache_dir)] if cache_dir is not None else [directory / ".cache", _user_cache()]
    for candidate in candidates:
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            return candidate
    if cache_dir is not None:
        raise ConfigError(f"cache directory {cache_dir} cannot be created or written")
    return None  # nowhere writable: compute features on every load


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "retail-edge" / "mascots"


def _load_reference(path: Path, cache: Path | None) -> Reference:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"reference image {path} cannot be read: {e}") from e
    digest = hashlib.sha256(data).hexdigest()
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None or gray.size == 0:
        raise ConfigError(f"reference image {path} is not a readable PNG/JPEG; replace it")
    if min(gray.shape[:2]) < 32:
        raise ConfigError(f"reference image {path} is {gray.shape[1]}×{gray.shape[0]} px; use at least 200 px")
    opaque = _opaque_part(data)
    gray, opaque = _canonical(gray, opaque)
    wh = (int(gray.shape[1]), int(gray.shape[0]))
    if opaque is not None:
        if opaque.mean() < 0.1:
            raise ConfigError(f"reference image {path} is {100 * (1 - opaque.mean()):.0f} % transparent; "
                              "give an image of the printed mascot")
        # what is behind a cut-out in a store is anything: its transparent pixels get the mean of
        # its opaque ones (no edge of their own) and only its opaque part is described and compared
        gray = gray.copy()
        gray[~opaque] = int(round(float(gray[opaque].mean())))
    features = _cached_features(path, digest, gray, cache, opaque)
    return Reference(path, wh, features, reference_template(gray), ecc_template(gray), digest,
                     None if opaque is None else template_coverage(opaque),
                     None if opaque is None else ecc_mask(opaque))


def _canonical(gray: np.ndarray, opaque: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The reference (and its opaque part) with its longer side `REFERENCE_SIDE_PX`, aspect kept.

    Everything computed from a reference is sized for that (`features.REFERENCE_SCALES` describe a
    card 800 px tall at 400, 200 and 100 px): a print file of 2400 px described at 1200, 600 and
    300 px met no small card in a frame (held-out recall 0.941 → 0.882, all the lost cards under
    110 px).
    """
    h, w = gray.shape[:2]
    f = REFERENCE_SIDE_PX / max(h, w)
    if f == 1.0:
        return gray, opaque
    size = (max(1, round(w * f)), max(1, round(h * f)))
    gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
    if opaque is not None:
        opaque = cv2.resize(opaque.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    return gray, opaque


def _opaque_part(data: bytes) -> np.ndarray | None:
    """bool mask of the pixels at least half opaque, for an image with transparent pixels; else None."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim != 3 or image.shape[2] != 4:
        return None
    alpha = image[..., 3]
    opaque = alpha >= (np.iinfo(alpha.dtype).max + 1) // 2
    return None if opaque.all() else opaque


def _cached_features(
    path: Path, digest: str, gray: np.ndarray, cache: Path | None, opaque: np.ndarray | None = None
) -> ReferenceFeatures:
    if cache is None:
        return reference_features(gray, opaque)
    entry = cache / f"{path.stem}-{digest[:16]}-v{FEATURES_VERSION}.npz"
    if entry.is_file():
        try:
            with np.load(entry) as z:
                return ReferenceFeatures(
                    Features(z["xy"], z["size"], z["angle"], z["descriptors"]),
                    z["view_xy"], z["view"],
                )
        except (OSError, KeyError, ValueError):
            pass  # corrupt entry: recompute and overwrite below
    features = reference_features(gray, opaque)
    for stale in cache.glob(f"{path.stem}-*.npz"):
        stale.unlink(missing_ok=True)
    tmp = entry.with_suffix(".tmp.npz")
    f = features.features
    np.savez(tmp, xy=f.xy, size=f.size, angle=f.angle, descriptors=f.descriptors,
             view_xy=features.view_xy, view=features.view)
    os.replace(tmp, entry)
    return features
