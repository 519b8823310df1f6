"""Turned detector passes: CenterFace on the frame rotated by +-45 degrees, boxes mapped back.

Why: CenterFace was trained on mostly upright faces.  A large face turned
60 degrees is still found, but a small one (20-28 px) turned 35-60 degrees
and slightly blurred scores 0.02-0.2 whatever the input size (measured on
``bench/face_small.py``'s faces: at 1280, 1600, 1920, 2240 and 2560 px wide
the hardest face never reached 0.1), while the same face on the frame turned
back by 45 degrees scores 0.6-0.85.  Upscaling the input helps the small
faces but not the turned ones and costs 2.3x (1.5x) to 4.3x (2x) per run;
lowering the threshold finds more of them and many more false alarms.

Each turned pass runs on a square canvas that holds the whole rotated
picture (no corner is lost): (W + H) / sqrt 2 on a side, about 2.2x the
pixels of the upright input for 16:9, so a run with both turns costs about
5.4x an upright one.  That is why :class:`~mediaanon.faces.sizing.SizePlan`
runs them only while small faces are in the picture.  A box found on the
turned canvas is mapped back by its four corners, and the upright box
around them is kept (a face turned 45 degrees fills that box's middle; the
mask is larger than the face, never smaller).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from mediaanon.faces.detector import STRIDE, box_iou, nms

TURNS = (45.0, -45.0)  # degrees counter-clockwise; CenterFace copes with about +-35 degrees either side of each


def canvas_size(w: int, h: int) -> tuple[int, int]:
    """(W, H) of the square canvas that holds a ``w`` x ``h`` picture turned 45 degrees, multiples of STRIDE."""
    side = int(math.ceil((w + h) / math.sqrt(2) / STRIDE) * STRIDE)
    return side, side


def turn_matrix(w: int, h: int, angle: float) -> np.ndarray:
    """2x3 affine: picture pixels -> canvas pixels, turned ``angle`` degrees about the centres."""
    import cv2

    cw, ch = canvas_size(w, h)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[:, 2] += (cw / 2 - w / 2, ch / 2 - h / 2)
    return m


def turned(rgb: np.ndarray, angle: float) -> np.ndarray:
    """The picture turned by ``angle`` degrees on its canvas (mid-grey outside, as CenterFace sees no edge)."""
    import cv2

    h, w = rgb.shape[:2]
    return cv2.warpAffine(rgb, turn_matrix(w, h, angle), canvas_size(w, h), flags=cv2.INTER_LINEAR,
                          borderValue=(127, 127, 127))


def boxes_back(dets: np.ndarray, w: int, h: int, angle: float) -> np.ndarray:
    """Boxes found on the turned canvas -> upright boxes around them in the picture (clipped to it)."""
    if not len(dets):
        return dets
    import cv2

    inv = cv2.invertAffineTransform(turn_matrix(w, h, angle))
    x1, y1, x2, y2 = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3]
    corners = np.stack([np.stack([x1, y1], 1), np.stack([x2, y1], 1), np.stack([x1, y2], 1), np.stack([x2, y2], 1)], 1)
    back = corners @ inv[:, :2].T + inv[:, 2]  # (N, 4, 2)
    out = np.empty_like(dets)
    out[:, 0] = np.clip(back[:, :, 0].min(1), 0, w)
    out[:, 1] = np.clip(back[:, :, 1].min(1), 0, h)
    out[:, 2] = np.clip(back[:, :, 0].max(1), 0, w)
    out[:, 3] = np.clip(back[:, :, 1].max(1), 0, h)
    out[:, 4] = dets[:, 4]
    return out[(out[:, 2] > out[:, 0]) & (out[:, 3] > out[:, 1])]


def detect(detector: Any, images: Sequence[np.ndarray], threshold: float, turns: Sequence[float] = ()
           ) -> list[np.ndarray]:
    """CenterFace on each image (same size), plus each of ``turns``; boxes in the images' pixels.

    Upright boxes are kept as they are; a turned box is added only where no upright box overlaps
    it (IoU >= 0.1), after NMS 0.3 among the turned boxes.  Why: merging all of them by NMS let a
    turned box (larger: its corners mapped back) replace the upright one on faces both passes
    found, which changed what the tracker followed and lost 3 face-frames of ``face_motion``.
    The turned passes are there for the faces the upright pass misses, and only add those.
    """
    out = detector.run(np.stack(images), threshold)
    if not turns:
        return out
    h, w = images[0].shape[:2]
    extra = [np.zeros((0, 5), np.float32) for _ in images]
    for angle in turns:
        found = detector.run(np.stack([turned(im, angle) for im in images]), threshold)
        extra = [np.concatenate([e, boxes_back(b, w, h, angle)]).astype(np.float32) for e, b in zip(extra, found)]
    merged = []
    for up, ex in zip(out, extra):
        if len(ex):
            ex = ex[nms(ex, 0.3)]
            if len(up):
                ex = ex[[box_iou(e, up).max() < 0.1 for e in ex]]
        merged.append(np.concatenate([up, ex.astype(up.dtype)]) if len(ex) else up)
    return merged
