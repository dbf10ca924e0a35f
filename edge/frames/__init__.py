"""① Frames: images with their index and time, read from files, streams and cameras."""

from edge.frames.frame import Frame

__all__ = ["Frame"]
