"""Writing frames out: the MP4 files of `preview` and `ar` and the PNG snapshots of `preview`
(faces already blurred by the caller)."""

from __future__ import annotations

from pathlib import Path

import cv2

from edge.errors import ConfigError, RetailEdgeError

__all__ = ["open_video_writer", "write_image"]


def open_video_writer(path: Path, fps: float, size: tuple[int, int]) -> cv2.VideoWriter:
    """An mp4v writer of `size` (width, height) frames at `fps`, its folder made if missing.

    Raises:
        ConfigError: `path` is a folder.
        RetailEdgeError: the file cannot be written (OpenCV opens no writer there).
    """
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"--out: {path} is a folder; give a file name, for example {path / 'out.mp4'}")
    _make_folder(path)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise RetailEdgeError(f"cannot write {path}; check the folder is writable")
    return writer


def write_image(path: Path, image) -> None:
    """Write a PNG (or any image type OpenCV knows from the suffix), its folder made if missing.

    Raises:
        RetailEdgeError: the file cannot be written.
    """
    path = Path(path)
    _make_folder(path)
    if not cv2.imwrite(str(path), image):
        raise RetailEdgeError(f"cannot write {path}; check the folder is writable")


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RetailEdgeError(f"cannot write {path}: {path.parent} cannot be made a folder "
                              f"({e.strerror or e})") from None
