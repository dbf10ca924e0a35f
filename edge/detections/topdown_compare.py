"""The top-down detector's comparisons of a frame with its background, pixel by pixel.

    match_exposure  the background as this frame's auto-exposure shows it (a tone curve, not a gain)
    shadow_mask     changed pixels that are a smooth dimming of the floor (a cast shadow) and its rim
    keeps_texture   does the frame still show the floor's own steady texture there (a shadow does)
    crushed_shadows near-black regions lying along the shadows' direction, longer than a person: shadows
                    the camera's tone curve crushed below what `shadow_mask` can tell from black clothes
    ghost_blobs     blobs that stand out in the background but no longer in the frame, and are still
                    or outlined only in the background (ghosts)

All work on the detector's small grey float copies (`topdown.TopDownDetector`); none keeps state.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["match_exposure", "shadow_mask", "keeps_texture", "crushed_shadows", "principal_axis", "ghost_blobs"]

_TEXTURE_VAR = 12.0 ** 2  # grey levels²: a background patch with texture beyond noise
# A shadow crushed near black (frame / background at most this; `shadow_mask` needs more) ...
_CRUSHED = 0.1
# ... in a region of at least this many persons' area (see crushed_shadows).
_CRUSHED_MIN_AREA = 0.3
_STEADY_VAR = 8.0 ** 2  # grey levels²: a background pixel this steady over time has a fixed texture
# A blob that stands out from the floor around it in the frame less than this share of how it
# stands out in the background is a ghost (see ghost_blobs).
_GHOST_CONTRAST = 0.5
# ... and that is still (fewer than this share of its changed pixels changed since the last frame),
# or whose outline is an edge in the frame less than _GHOST_EDGE times as much as in the background.
_GHOST_MOVED = 0.05
_GHOST_EDGE = 0.5


def match_exposure(work: np.ndarray, bg: np.ndarray, people: np.ndarray) -> np.ndarray:
    """The background as this frame's exposure would show it.

    Auto-exposure changes the camera's tone curve, not just a gain (dark and bright parts move
    differently), so the curve is measured: for the background pixels of each brightness band,
    the median brightness they have in this frame (robust while people and their shadows are a
    minority of each band). Bands are joined monotonically and interpolated.
    """
    step = 2
    keep = ~people[::step, ::step]
    b = bg[::step, ::step][keep]
    w = work[::step, ::step][keep]
    band = np.clip(b, 0, 255).astype(np.int32) // 8
    counts = np.bincount(band, minlength=32)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ok = counts >= 30
    if not ok.any():
        return bg
    # The frame's median per band, from a histogram: its grey levels are whole numbers (a blurred
    # uint8 image), so the (n//2 + 1)-th smallest of a band is the first level whose running count
    # passes n//2; a sort per band gave the same values at several times the cost.
    levels = np.clip(w, 0, 255).astype(np.int32)
    running = np.cumsum(np.bincount(band * 256 + levels, minlength=32 * 256).reshape(32, 256), axis=1)
    medians = (running[ok] > (counts[ok] // 2)[:, None]).argmax(axis=1).astype(w.dtype)
    # Each band's own centre: the median of its background values. The band grows with the value,
    # so sorting the values sorts the bands too.
    b_sorted = np.sort(b)
    lo, hi = starts[ok] + (counts[ok] - 1) // 2, starts[ok] + counts[ok] // 2
    centres = ((b_sorted[lo] + b_sorted[hi]) / np.float32(2.0)).astype(np.float64)
    medians = np.maximum.accumulate(medians)
    shift = medians - centres
    if np.abs(shift).max() < 1.0:
        return bg
    # Beyond the measured bands keep the nearest band's shift (np.interp holds the end values; a
    # plain floor may fill a single band, whose shift then applies everywhere).
    return np.clip(bg + np.interp(bg, centres, shift).astype(np.float32), 0.0, 255.0)


def shadow_mask(frame: np.ndarray, bg: np.ndarray, ratio: np.ndarray, diff: np.ndarray, changed: np.ndarray,
            var: np.ndarray) -> np.ndarray:
    """Changed pixels that are a smooth dimming of the background (`ratio` = frame / background),
    and the rim around them."""
    mean = cv2.blur(ratio, (5, 5))
    spread = np.sqrt(np.maximum(cv2.blur(ratio * ratio, (5, 5)) - mean * mean, 0.0))
    core = changed & (diff < 0) & (ratio > 0.1) & (ratio < 0.85) & (spread < 0.06)
    core &= keeps_texture(frame, bg, var)
    core = cv2.morphologyEx(core.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    # A dark region that is mostly smooth dimming is one shadow, its rough soft edge included.
    dark = (changed & (diff < 0)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    core_count = np.bincount(labels.ravel(), weights=core.ravel(), minlength=n)
    is_shadow = core_count >= 0.3 * np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    is_shadow[0] = False
    rim = cv2.dilate(core, np.ones((5, 5), np.uint8)) > 0
    return (is_shadow[labels] | rim) & (diff < 0) & changed


def keeps_texture(frame: np.ndarray, bg: np.ndarray, var: np.ndarray, window: int = 7) -> np.ndarray:
    """Where the background has a steady texture of its own, does the frame still show it (a shadow
    dims the floor's pattern; dark clothes hide it)? Elsewhere True, and the smooth-ratio test alone
    decides: on a plain or clipped-white floor, and under flickering light (sun through leaves: a
    shadow takes the flicker pattern away with the sunlight)."""
    k = (window, window)
    mb, mf = cv2.blur(bg, k), cv2.blur(frame, k)
    vb = cv2.blur(bg * bg, k) - mb * mb
    vf = cv2.blur(frame * frame, k) - mf * mf
    cov = cv2.blur(frame * bg, k) - mf * mb
    textured = (vb > _TEXTURE_VAR) & (var < _STEADY_VAR)
    ncc = cov / np.sqrt(np.maximum(vb * vf, 1e-6))
    return ~textured | (ncc > 0.2)


def crushed_shadows(changed: np.ndarray, shadow: np.ndarray, ratio: np.ndarray, shadow_dir: np.ndarray,
                    size: float) -> np.ndarray:
    """Changed pixels dimmed to near black (`ratio` = frame / background at most _CRUSHED) in regions
    that lie along `shadow_dir` (the unit vector from a person to their shadow) and reach at least a
    person's width (`size`, work pixels) along it, with the rim around them.

    A cheap camera's tone curve can crush a hard shadow on a sunlit floor to a twentieth of the
    floor's brightness, where `shadow_mask` gives up (black clothes are as dark), and the shadow
    becomes a second "person" walking behind its caster. Its shape tells it apart: a shadow is
    long along the sun; a person in black clothes seen from above is about as deep as wide, and
    black hair smaller still. (A person in black with their crushed shadow is one long region: it
    becomes shadow, and the detector finds the person at its end towards the sun, as it does for
    dark clothes with a plain shadow.)"""
    crushed = changed & ~shadow & (ratio <= _CRUSHED)
    person_area = np.pi / 4 * size * size
    out = np.zeros(changed.shape, bool)
    if crushed.sum() < _CRUSHED_MIN_AREA * person_area:
        return out
    opened = cv2.morphologyEx(crushed.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    for i in np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= _CRUSHED_MIN_AREA * person_area) + 1:
        ys, xs = np.nonzero(labels == i)
        elongation, axis = principal_axis(xs, ys)
        along = xs * shadow_dir[0] + ys * shadow_dir[1]
        reach = np.percentile(along, 95) - np.percentile(along, 5)
        if elongation >= 2.0 and abs(float(axis @ shadow_dir)) >= 0.6 and reach >= size:
            out |= labels == i
    if out.any():
        out |= (cv2.dilate(out.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & (ratio < 1.0)
    return out & changed


def principal_axis(xs: np.ndarray, ys: np.ndarray) -> tuple[float, np.ndarray]:
    """Length over width of a pixel set (from its second moments: 1 for a disc), and the unit
    vector of its long axis."""
    cov = np.cov(np.stack([xs, ys]).astype(np.float64))
    (small, large), vectors = np.linalg.eigh(cov)
    return float(np.sqrt(large / max(small, 1e-6))), vectors[:, 1]


def ghost_blobs(labels: np.ndarray, closed: np.ndarray, changed: np.ndarray, n: int, frame: np.ndarray,
                last_frame: np.ndarray, bg: np.ndarray, min_contrast: float) -> np.ndarray:
    """Per blob label, whether it is a ghost: the background shows something there that stands out
    from the floor around it, and the frame no longer does (someone who stood and left, a chair
    taken away). Something real (a person, their shadow) stands out in the frame instead.

    Standing out is measured against the ring's mean, which a blob across an edge of the floor
    (a door mat's) also does in the background: a person walking over the mat's edge, as bright as
    the ring's mean, would pass, and the background would take them in and then hold the phantom
    as someone standing. So a ghost must also be still (under _GHOST_MOVED of the blob's changed
    pixels, `changed` uint8, changed by more than min_contrast since `last_frame`), or its
    outline must be an edge in the background much more than in the frame (a thing's outline is
    an edge where the thing is). Leaf shadows moving on a sunlit floor pass the second way, as
    they passed before; a person walking passes neither. (Someone who stops on the mat's edge is
    still, and still passes: see BENCHMARKS.md, session 7.)"""
    ghost = np.zeros(n, bool)
    if n < 2:
        return ghost
    k = np.ones((7, 7), np.uint8)
    grown = cv2.dilate(labels.astype(np.float32), k).ravel()  # each label reaches 3 px beyond its blob
    near = np.flatnonzero(grown)  # the blobs and their rings: a few % of the view
    lab, inner = grown[near].astype(np.int64), closed.ravel()[near] > 0
    f, b = frame.ravel()[near], bg.ravel()[near]
    ring = ~inner
    count = np.maximum(np.bincount(lab[ring], minlength=n), 1)
    around_frame = np.bincount(lab[ring], weights=f[ring], minlength=n) / count
    around_bg = np.bincount(lab[ring], weights=b[ring], minlength=n) / count
    inside = labels.ravel()[near][inner]
    area = np.maximum(np.bincount(inside, minlength=n), 1)
    stands_frame = np.bincount(inside, weights=np.abs(f[inner] - around_frame[inside]), minlength=n) / area
    stands_bg = np.bincount(inside, weights=np.abs(b[inner] - around_bg[inside]), minlength=n) / area
    ghost = (stands_frame < _GHOST_CONTRAST * stands_bg) & (stands_bg > min_contrast)
    ghost[0] = False
    if ghost.any():
        blob = changed > 0
        lab = labels[blob]
        moved = np.abs(frame[blob] - last_frame[blob]) > min_contrast
        moving = np.bincount(lab, weights=moved, minlength=n)
        still = moving < _GHOST_MOVED * np.maximum(np.bincount(lab, minlength=n), 1)
        if (ghost & ~still).any():
            still |= _outline_edge_in_background_only(labels, changed, n, frame, bg)
        ghost &= still
    return ghost


def _outline_edge_in_background_only(labels: np.ndarray, changed: np.ndarray, n: int, frame: np.ndarray,
                                     bg: np.ndarray) -> np.ndarray:
    """Per blob label: is the outline of its changed pixels an edge in the background much more
    than in the frame? (Mean gradient magnitude on a 3 px band along the outline.)"""
    k = np.ones((3, 3), np.uint8)
    band = (cv2.dilate(changed, k) != cv2.erode(changed, k)) & (labels > 0)
    lab = labels[band]
    edge_frame = cv2.magnitude(cv2.Sobel(frame, cv2.CV_32F, 1, 0), cv2.Sobel(frame, cv2.CV_32F, 0, 1))[band]
    edge_bg = cv2.magnitude(cv2.Sobel(bg, cv2.CV_32F, 1, 0), cv2.Sobel(bg, cv2.CV_32F, 0, 1))[band]
    in_frame = np.bincount(lab, weights=edge_frame, minlength=n)
    in_bg = np.bincount(lab, weights=edge_bg, minlength=n)
    return in_frame < _GHOST_EDGE * in_bg
