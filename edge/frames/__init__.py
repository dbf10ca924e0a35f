"""① Frames: images with their index and time, read from files, streams and cameras (and the
blurred previews written out: `video_out`)."""

from edge.frames.frame import Frame

__all__ = ["Frame"]
