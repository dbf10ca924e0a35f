"""Campaign mascots: registry, detector, engagement metrics and the AR overlay.

Importing this package is cheap; the submodules import OpenCV when used:

    from edge.mascots.registry import MascotRegistry
    from edge.mascots.detector import MascotDetector
    from edge.mascots.detection import MascotDetection
    from edge.mascots.images import detect_images, ImageResult
    from edge.mascots.engagement import EngagementMonitor
    from edge.mascots.ar import render_ar
"""

__all__ = [
    "Mascot",
    "MascotRegistry",
    "MascotDetection",
    "MascotDetector",
    "ImageResult",
    "detect_images",
    "EngagementMonitor",
    "MascotWindowStats",
    "MascotAlert",
    "render_ar",
]

_LOCATIONS = {
    "Mascot": "registry",
    "MascotRegistry": "registry",
    "MascotDetection": "detection",
    "MascotDetector": "detector",
    "ImageResult": "images",
    "detect_images": "images",
    "EngagementMonitor": "engagement",
    "MascotWindowStats": "engagement",
    "MascotAlert": "engagement",
    "render_ar": "ar",
}


def __getattr__(name: str):
    """Import the submodule that defines `name` on first use (keeps `import edge.mascots` light)."""
    if name in _LOCATIONS:
        import importlib

        return getattr(importlib.import_module(f"edge.mascots.{_LOCATIONS[name]}"), name)
    raise AttributeError(f"module 'edge.mascots' has no attribute {name!r}")
