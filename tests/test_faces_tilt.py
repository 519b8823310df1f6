"""Turned detector passes (faces.tilt) and the size plan's tier that runs them (faces.sizing)."""
from __future__ import annotations

import numpy as np
import pytest

from mediaanon.faces import tilt
from mediaanon.faces.sizing import Look, SizePlan

FULL, COARSE, FRAME = (1280, 736), (640, 384), (1280, 720)
BIG = np.array([[600, 100, 850, 400, 0.9]], np.float32)  # a talking head: 250 px
TINY = np.array([[100, 100, 126, 126, 0.5]], np.float32)  # 26 px: under turn_face 40


def test_the_canvas_holds_the_whole_turned_picture():
    w, h = FULL
    cw, ch = tilt.canvas_size(w, h)
    assert (cw, ch) == (1440, 1440) and cw % 32 == 0
    for angle in tilt.TURNS:
        m = tilt.turn_matrix(w, h, angle)
        corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], float) @ m.T
        assert corners.min() >= 0 and corners[:, 0].max() <= cw and corners[:, 1].max() <= ch


def test_turned_moves_each_pixel_where_the_matrix_says():
    rgb = np.zeros((FULL[1], FULL[0], 3), np.uint8)
    rgb[200:210, 300:310] = 255
    for angle in tilt.TURNS:
        out = tilt.turned(rgb, angle)
        x, y = tilt.turn_matrix(FULL[0], FULL[1], angle) @ np.array([305, 205, 1.0])
        assert out.shape == (1440, 1440, 3) and out[int(round(y)), int(round(x))].min() > 200


def test_boxes_come_back_around_the_face_they_were_found_on():
    w, h = FULL
    cx, cy, side = 400.0, 300.0, 30.0
    for angle in tilt.TURNS:
        tx, ty = tilt.turn_matrix(w, h, angle) @ np.array([cx, cy, 1.0])
        found = np.array([[tx - side / 2, ty - side / 2, tx + side / 2, ty + side / 2, 0.7]], np.float32)
        back = tilt.boxes_back(found, w, h, angle)
        assert back.shape == (1, 5) and back[0, 4] == pytest.approx(0.7)
        assert (back[0, 0] + back[0, 2]) / 2 == pytest.approx(cx, abs=0.5)
        assert (back[0, 1] + back[0, 3]) / 2 == pytest.approx(cy, abs=0.5)
        assert back[0, 2] - back[0, 0] == pytest.approx(side * np.sqrt(2), abs=0.5)  # the turned square's upright box
    outside = np.array([[0, 0, 20, 20, 0.9]], np.float32)  # a canvas corner: no picture there
    assert len(tilt.boxes_back(outside, w, h, 45.0)) == 0


def _tilted_group(shared_media, size: float, angle: float, sigma: float):
    """A training photo of bench/face_small.py (six faces) at ``size`` px, turned ``angle`` degrees, blurred."""
    import xml.etree.ElementTree as ET

    import cv2

    folder = shared_media / "images" / "dlib_faces"
    image = next(i for i in ET.parse(folder / "training.xml").getroot().iter("image")
                 if i.get("file") == "2008_002079.jpg")
    boxes = [(float(b.get("left")), float(b.get("top")), float(b.get("left")) + float(b.get("width")),
              float(b.get("top")) + float(b.get("height"))) for b in image.iter("box")]
    img = cv2.cvtColor(cv2.imread(str(folder / "2008_002079.jpg")), cv2.COLOR_BGR2RGB)
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, size / float(np.median([b[2] - b[0] for b in boxes])))
    m[:, 2] += (FULL[0] / 2 - w / 2, FULL[1] / 2 - h / 2)
    frame = cv2.GaussianBlur(cv2.warpAffine(img, m, FULL, borderValue=(90, 90, 90)), (0, 0), sigma)
    centres = [m @ np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, 1.0]) for b in boxes]
    return frame, centres


def _found(dets: np.ndarray, centres, size: float) -> int:
    return sum(any(np.hypot((d[0] + d[2]) / 2 - x, (d[1] + d[3]) / 2 - y) < size / 2 for d in dets) for x, y in centres)


def test_turned_passes_find_small_turned_faces_the_upright_pass_misses(shared_media):
    """bench/face_small.py's hardest look (28 px, turned 50 degrees, blurred): CenterFace upright misses
    faces of this photo at its threshold 0.2, the turned passes find every one."""
    from tests._faces import centerface

    if not (shared_media / "images" / "dlib_faces" / "training.xml").exists():
        pytest.skip("images/dlib_faces not present")
    frame, centres = _tilted_group(shared_media, 28, -50.0, 1.2)
    det = centerface()
    upright = tilt.detect(det, [frame], 0.2)[0]
    both = tilt.detect(det, [frame], 0.2, tilt.TURNS)[0]
    assert _found(upright, centres, 28) < len(centres) == 6
    assert _found(both, centres, 28) == len(centres)


def feed(p: SizePlan, results: list[np.ndarray], first: set[int] = frozenset()) -> list[Look]:
    out = []
    for i, boxes in enumerate(results):
        look = p.choose(i in first)
        p.record(look, lambda b=boxes: b)
        out.append(look)
    return out


def test_a_small_face_turns_the_turned_passes_on_for_turn_hold_runs():
    p = SizePlan(FULL, COARSE, FRAME, full_every=6, hold=4, lag=1, turn_face=40, turn_hold=10)
    looks = feed(p, [BIG] * 3 + [np.concatenate([BIG, TINY])] + [BIG] * 20, first={0})
    turned = [bool(x.turns) for x in looks]
    assert not any(turned[:4]) and all(turned[4:14]) and not any(turned[14:])
    assert all(tuple(x[:2]) == FULL for x in looks[4:14])  # turned runs are at the full size
    assert looks[4].turns == tilt.TURNS and p.turned_runs == 10 and p.turn_triggers == 1


def test_the_turned_tier_works_without_a_coarse_size_and_never_with_large_faces():
    p = SizePlan(FULL, None, FRAME, lag=1, turn_face=40, turn_hold=5)
    assert not p.adaptive and p.watching
    looks = feed(p, [BIG] * 10 + [TINY] + [BIG] * 10)
    assert [i for i, x in enumerate(looks) if x.turns] == list(range(11, 16))
    assert all(tuple(x[:2]) == FULL for x in looks)
    big_only = SizePlan(FULL, COARSE, FRAME, lag=1, turn_face=40)
    assert not any(x.turns for x in feed(big_only, [BIG] * 40, first={0})) and big_only.turn_triggers == 0


def test_turn_face_zero_never_turns():
    p = SizePlan(FULL, COARSE, FRAME, lag=1, turn_face=0)
    assert not any(x.turns for x in feed(p, [TINY] * 20, first={0}))


def test_turn_face_is_measured_at_the_full_input():
    """A 1080p frame's 50-px face is 33 px at the 1280-px input: under turn_face 40."""
    p = SizePlan((1280, 736), None, (1920, 1080), lag=1, turn_face=40, turn_hold=3)
    face = np.array([[500, 500, 550, 550, 0.9]], np.float32)
    assert [bool(x.turns) for x in feed(p, [face] * 3)] == [False, True, True]


def test_stage_options_check_the_turned_tier():
    from mediaanon.stages.blur_faces import BlurFacesOptions

    o = BlurFacesOptions()
    assert o.turn_face == 40.0 and o.turn_hold == 30  # on by default since turned boxes only add to upright ones
    BlurFacesOptions(turn_face=40).validate()
    for bad in ({"turn_face": -1}, {"turn_hold": 0}):
        with pytest.raises(ValueError, match="turn_"):
            BlurFacesOptions(**bad).validate()
