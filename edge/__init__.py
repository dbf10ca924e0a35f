"""retail-edge: the in-store agent. Frames → detections → tracks → events → windows → messages.

Importing this package is cheap: nothing heavy (cv2, onnxruntime, paho) is imported here.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
