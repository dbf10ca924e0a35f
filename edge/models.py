"""The model files shipped in models/, with the checksums from models/MODELS.md.

A model is found in $RETAIL_EDGE_MODELS when set, else in the project's models/ folder.
Its sha256 is checked before use; a file that does not match is refused.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from edge.errors import ModelError

__all__ = ["MODEL_SHA256", "models_dir", "verified_model_path"]

MODEL_SHA256 = {
    "yolox_nano_416.onnx": "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14",
    "blazeface_short_range.tflite": "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    "blazeface_full_range_sparse.tflite": "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
}

_verified: dict[Path, float] = {}  # path → mtime at which its checksum was verified


def models_dir() -> Path:
    env = os.environ.get("RETAIL_EDGE_MODELS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified_model_path(name: str, directory: Path | None = None) -> Path:
    """Path of a shipped model after checking its sha256.

    Raises:
        ModelError: unknown name, missing file, or checksum mismatch.
    """
    if name not in MODEL_SHA256:
        raise ModelError(f"unknown model {name!r}; known: {', '.join(sorted(MODEL_SHA256))}")
    path = (directory or models_dir()) / name
    if not path.is_file():
        raise ModelError(f"model file {path} is missing; it ships in the project's models/ folder")
    mtime = path.stat().st_mtime
    if _verified.get(path) != mtime:
        actual = sha256_of(path)
        if actual != MODEL_SHA256[name]:
            raise ModelError(
                f"model file {path} has sha256 {actual[:16]}…, expected {MODEL_SHA256[name][:16]}… "
                "(see models/MODELS.md); restore the shipped file"
            )
        _verified[path] = mtime
    return path
