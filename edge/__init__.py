"""retail-edge: the in-store agent. Frames → detections → tracks → events → windows → messages.

Importing this package is cheap: nothing heavy (cv2, onnxruntime, paho) is imported here.
"""

import os as _os

# OpenCV and its FFmpeg backend print their own warnings (a refused RTSP connection, a codec
# hiccup) straight to stderr; the agent reports such failures as one clear line of its own.
# Set these variables to another level to see them again.
_os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET

__version__ = "0.1.0"
__all__ = ["__version__"]
