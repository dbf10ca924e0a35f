"""Privacy: faces are blurred on every frame that is shown or written.

Light to import; `edge.privacy.blur` loads OpenCV and MediaPipe when used:

    from edge.privacy.blur import FaceBlurrer, blur_faces
"""

__all__ = ["FaceBlurrer", "FaceBox", "blur_faces", "blur_regions"]


def __getattr__(name: str):
    if name in __all__:
        from edge.privacy import blur

        return getattr(blur, name)
    raise AttributeError(f"module 'edge.privacy' has no attribute {name!r}")
