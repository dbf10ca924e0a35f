"""Geometric sanity of a homography and the appearance check that rejects look-alikes.

A homography fitted by RANSAC can be right for the wrong reason: a few matches on a shared
"11.11" header or scan block of another campaign's card, or a near-degenerate fit. Two checks:

1. `plausible_quad`: the reference corners mapped into the frame form a convex, non-mirrored
   quadrilateral of a plausible size, with corner angles and side ratios that a card tilted up to
   ~60° out of plane and rolled in plane can produce.
2. `appearance_score`: the frame is warped back onto the reference (at `TEMPLATE_WH`) and
   compared in a grid of cells by zero-mean normalised correlation. A registered mascot agrees in
   most cells; a look-alike card shares the layout (header, border, ribbon) but not the character,
   so the cells over the character disagree. Correlation is invariant to gain and offset, so
   lighting, colour casts and grey cameras do not matter; occluded cells disagree, which is why
   the acceptance threshold is a fraction of cells, not all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.mascots.features import TEMPLATE_BLUR, TEMPLATE_WH

__all__ = ["Appearance", "GRID", "appearance_score", "ecc_mask", "ecc_template", "plausible_quad",
           "refine_alignment"]

GRID = (6, 8)  # cells across, down (16×16 px cells of the 96×128 template)
# The character of a campaign card sits in its middle; look-alike cards share the edges (header,
# border, ribbon, scan block), so agreement is also required there on its own.
CENTRE = (0.18, 0.22, 0.82, 0.92)  # x0, y0, x1, y1 as fractions of the card
_CELL_AGREES = 0.5  # gradient correlation above which a cell agrees (chosen on synthetic data:
# registered cards vs look-alikes, see docs/ARCHITECTURE-mascots.md)
_MIN_INSIDE = 0.55  # fraction of the card that must be inside the frame to be judged


@dataclass(frozen=True, slots=True)
class Appearance:
    """Result of the appearance check.

    Args:
        cell_ncc: (rows, cols) correlation per cell; NaN for cells outside the frame.
        agreeing: fraction of judged cells with correlation above the cell threshold.
        centre_agreeing: the same over the cells of the card's centre (`CENTRE`).
        mean_ncc: mean correlation over judged cells.
        inside: fraction of cells inside the frame.
    """

    cell_ncc: np.ndarray
    agreeing: float
    centre_agreeing: float
    mean_ncc: float
    inside: float

    @property
    def score(self) -> float:
        """0–1: the weaker of whole-card and centre agreement, nudged by the mean correlation."""
        agree = min(self.agreeing, self.centre_agreeing)
        return float(np.clip(0.8 * agree + 0.2 * max(self.mean_ncc, 0.0), 0.0, 1.0))


def plausible_quad(
    corners: np.ndarray,
    frame_wh: tuple[int, int],
    ref_wh: tuple[int, int],
    min_height_px: float = 30.0,
) -> bool:
    """Whether mapped reference corners (TL, TR, BR, BL) can be a real card in the frame."""
    q = np.asarray(corners, np.float64)
    if not np.all(np.isfinite(q)):
        return False
    edges = np.roll(q, -1, axis=0) - q
    cross = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    # y points down, so a non-mirrored TL→TR→BR→BL quad turns clockwise on screen: cross > 0
    if not np.all(cross > 0):
        return False
    lengths = np.linalg.norm(edges, axis=1)
    if lengths.min() < 8.0:
        return False
    top, right, bottom, left = lengths
    if max(top, bottom) / min(top, bottom) > 3.0 or max(left, right) / min(left, right) > 3.0:
        return False
    # aspect of the mean width / height against the reference's; 60° foreshortening is a factor 2
    aspect = ((top + bottom) / (left + right)) / (ref_wh[0] / ref_wh[1])
    if not 0.3 < aspect < 3.0:
        return False
    cosines = -np.sum(edges * np.roll(edges, 1, axis=0), axis=1) / (lengths * np.roll(lengths, 1))
    if np.any(np.abs(cosines) > np.cos(np.deg2rad(25.0))):  # corner angles in 25°–155°
        return False
    height = q[:, 1].max() - q[:, 1].min()
    width = q[:, 0].max() - q[:, 0].min()
    fw, fh = frame_wh
    if max(height, width) < min_height_px or height > 2.0 * fh or width > 2.0 * fw:
        return False
    return True


def appearance_score(
    pyramid: list[np.ndarray], homography: np.ndarray, ref_wh: tuple[int, int],
    template: np.ndarray, coverage: np.ndarray | None = None,
) -> Appearance:
    """Warp the frame back onto the reference and correlate with its template per cell.

    Args:
        pyramid: grey frame, then successive `cv2.pyrDown` levels (float32 or uint8).
        homography: 3×3 reference px → frame px.
        ref_wh: reference size, px.
        template: the reference at `TEMPLATE_WH`, float32.
        coverage: of a cut-out reference, the opaque fraction of each template pixel
            (`features.template_coverage`): only the cells it mostly covers are judged, and only
            the gradients inside its outline (its outline's own edge depends on what is behind).
    """
    tw, th = TEMPLATE_WH
    corners = cv2.perspectiveTransform(
        np.array([[[0, 0]], [[ref_wh[0], 0]], [[ref_wh[0], ref_wh[1]]], [[0, ref_wh[1]]]],
                 np.float32), homography).reshape(4, 2)
    height = float(np.ptp(corners[:, 1]))
    # sample from the pyramid level where the card is 1.5–3× the template (less aliasing)
    level = 0
    while level + 1 < len(pyramid) and height / (2 ** (level + 1)) >= 1.5 * th:
        level += 1
    image = pyramid[level]
    to_level = np.diag([0.5**level, 0.5**level, 1.0])
    to_template = np.diag([ref_wh[0] / tw, ref_wh[1] / th, 1.0])  # template px → reference px
    m = to_level @ homography @ to_template  # template px → level px
    patch = cv2.warpPerspective(
        image, m, (tw, th), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT, borderValue=0,
    ).astype(np.float32)
    valid = cv2.warpPerspective(
        np.ones(image.shape[:2], np.uint8), m, (tw, th),
        flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderValue=0,
    ).astype(bool)
    patch = cv2.GaussianBlur(patch, (0, 0), TEMPLATE_BLUR)
    cols, rows = GRID
    weight = None if coverage is None else _inside_outline_weight(coverage)
    ncc = _gradient_correlation(patch, template, rows, cols, weight)
    covered = valid.reshape(rows, th // rows, cols, tw // cols).mean(axis=(1, 3))
    ncc[covered < 0.9] = np.nan
    card = np.ones((rows, cols), bool)
    if coverage is not None:
        card = coverage.reshape(rows, th // rows, cols, tw // cols).mean(axis=(1, 3)) >= 0.5
        ncc[~card] = np.nan
    judged = np.isfinite(ncc)
    inside = float(judged.sum() / max(1, card.sum()))
    centre = judged & _centre_mask(rows, cols)
    if inside < _MIN_INSIDE or not centre.any():
        return Appearance(ncc, 0.0, 0.0, 0.0, inside)
    vals = ncc[judged]
    return Appearance(ncc, float((vals > _CELL_AGREES).mean()),
                      float((ncc[centre] > _CELL_AGREES).mean()), float(vals.mean()), inside)


def _inside_outline_weight(coverage: np.ndarray) -> np.ndarray:
    """1 on template pixels well inside a cut-out's opaque part, 0 elsewhere (float32)."""
    inside = (coverage > 0.99).astype(np.uint8)
    return cv2.erode(inside, np.ones((7, 7), np.uint8), borderValue=1).astype(np.float32)


def _gradient_correlation(patch: np.ndarray, template: np.ndarray, rows: int, cols: int,
                          weight: np.ndarray | None = None) -> np.ndarray:
    """Per cell: normalised dot product of the two gradient fields (−1..1), over the pixels of
    `weight` 1 if given.

    Gradients describe shapes (outlines, eyes, letters) and ignore flat colour, so they separate
    a different animal drawn in the same colours better than intensity correlation does.
    """
    px, py = cv2.Sobel(patch, cv2.CV_32F, 1, 0), cv2.Sobel(patch, cv2.CV_32F, 0, 1)
    tx, ty = cv2.Sobel(template, cv2.CV_32F, 1, 0), cv2.Sobel(template, cv2.CV_32F, 0, 1)
    if weight is not None:
        px, py, tx, ty = px * weight, py * weight, tx * weight, ty * weight
    h, w = patch.shape

    def cell_sum(a: np.ndarray) -> np.ndarray:
        return a.reshape(rows, h // rows, cols, w // cols).sum(axis=(1, 3))

    num = cell_sum(px * tx + py * ty)
    denom = np.sqrt(cell_sum(px * px + py * py) * cell_sum(tx * tx + ty * ty))
    return np.where(denom > 1e-6, num / np.maximum(denom, 1e-6), 0.0).astype(np.float32)


def _centre_mask(rows: int, cols: int) -> np.ndarray:
    x0, y0, x1, y1 = CENTRE
    cy = (np.arange(rows) + 0.5) / rows
    cx = (np.arange(cols) + 0.5) / cols
    return ((cy >= y0) & (cy <= y1))[:, None] & ((cx >= x0) & (cx <= x1))[None, :]


_ECC_WH = (60, 80)  # template size for the alignment refinement, px (w, h)


def refine_alignment(
    pyramid: list[np.ndarray], homography: np.ndarray, ref_wh: tuple[int, int],
    ecc_template: np.ndarray, iterations: int = 20, ecc_mask: np.ndarray | None = None,
) -> np.ndarray | None:
    """Refine a rough homography by maximising the correlation of frame and reference (ECC).

    A homography from 6–10 feature matches on a 60–100 px card is often off by several pixels;
    ECC aligns the whole card image instead, which works on blurred or tiny cards where few
    keypoints exist. Returns the refined reference→frame homography, or None if ECC diverges.
    `ecc_mask` (uint8, the template's size): of a cut-out, the template pixels to align on.
    """
    tw, th = _ECC_WH
    corners = cv2.perspectiveTransform(
        np.array([[[0, 0]], [[ref_wh[0], 0]], [[ref_wh[0], ref_wh[1]]], [[0, ref_wh[1]]]],
                 np.float32), homography).reshape(4, 2)
    height = float(np.ptp(corners[:, 1]))
    level = 0
    while level + 1 < len(pyramid) and height / (2 ** (level + 1)) >= th:
        level += 1
    image = pyramid[level]
    f = 0.5**level
    x0, y0 = np.floor(corners.min(axis=0) * f - 0.3 * height * f).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0) * f + 0.3 * height * f).astype(int)
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    crop = image[y0:y1, x0:x1].astype(np.float32)
    to_crop = np.array([[f, 0, -x0], [0, f, -y0], [0, 0, 1]], np.float64)
    to_template = np.diag([ref_wh[0] / tw, ref_wh[1] / th, 1.0])
    warp = (to_crop @ homography @ to_template).astype(np.float32)
    warp /= warp[2, 2]
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iterations, 1e-4)
    try:
        if ecc_mask is None:
            _, warp = cv2.findTransformECC(
                ecc_template, crop, warp, cv2.MOTION_HOMOGRAPHY, criteria, None, 3)
        else:
            _, warp = cv2.findTransformECCWithMask(
                ecc_template, crop, ecc_mask, np.full(crop.shape, 255, np.uint8), warp,
                cv2.MOTION_HOMOGRAPHY, criteria, 3)
    except cv2.error:
        return None
    refined = np.linalg.inv(to_crop) @ warp.astype(np.float64) @ np.linalg.inv(to_template)
    return refined / refined[2, 2]


def ecc_template(gray: np.ndarray) -> np.ndarray:
    """The reference at the ECC template size, float32."""
    small = cv2.resize(gray, _ECC_WH, interpolation=cv2.INTER_AREA).astype(np.float32)
    return cv2.GaussianBlur(small, (0, 0), 0.7)


def ecc_mask(opaque: np.ndarray) -> np.ndarray:
    """uint8 mask at the ECC template size: the pixels a cut-out's opaque part fully covers."""
    cover = cv2.resize(opaque.astype(np.float32), _ECC_WH, interpolation=cv2.INTER_AREA)
    return (cover > 0.99).astype(np.uint8) * 255
