"""Face-check hits on our own masks are not residual faces; real residuals are masked in a second pass."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from mediaanon.faces import residuals
from mediaanon.faces.fills import FillStyle
from mediaanon.faces.video import VideoReader, frame_times


def test_hit_on_our_ellipse_is_discounted_and_a_face_beside_it_is_not():
    mask = (100.0, 100.0, 300.0, 340.0)  # grown box; the ellipse inscribed in it is what we drew
    on_mask = (120.0, 110.0, 290.0, 330.0)  # BlazeFace's box around our black ellipse (with hair around it)
    overhanging = (180.0, 150.0, 380.0, 350.0)  # the ellipse's edge + hair + neck: half of it on the mask
    beside = (330.0, 120.0, 470.0, 300.0)  # a second person's face next to the masked one
    assert residuals.masked_share(on_mask, [mask]) > 0.8
    assert residuals.masked_share(overhanging, [mask]) >= residuals.ON_MASK
    assert residuals.masked_share(beside, [mask]) == 0.0
    # the box corners are outside an ellipse, inside a box mask
    corner = (100.0, 100.0, 130.0, 130.0)
    assert residuals.masked_share(corner, [mask], ellipse=True) < residuals.masked_share(corner, [mask], ellipse=False)


def test_judge_splits_hits_per_frame_and_groups_ranges():
    w, h = 640, 360
    masks = {0: [(100, 100, 300, 340)], 1: [(100, 100, 300, 340)]}
    rel = lambda b: (b[0] / w, b[1] / h, b[2] / w, b[3] / h, 0.8)  # noqa: E731
    hits = [(0, 0.0, [rel((120, 110, 290, 330)), rel((400, 100, 500, 220))]),
            (1, 0.04, [rel((120, 110, 290, 330))]),
            (2, 0.08, [rel((120, 110, 290, 330))]),  # no mask drawn in frame 2: a residual face
            (7, 0.28, [rel((400, 100, 500, 220))])]
    j = residuals.judge(hits, masks, w, h)
    assert j.on_masks == 2 and sorted(j.residual) == [0, 2, 7] and j.detections == 3
    assert residuals.ranges(j) == [[0.0, 0.0, 1], [0.08, 0.08, 1], [0.28, 0.28, 1]]
    assert residuals.ranges(j, gap=2) == [[0.0, 0.08, 2], [0.28, 0.28, 1]]
    plan = residuals.repair_boxes(j, 1.3, 2)
    assert sorted(plan) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert residuals.frame_ranges([0, 1, 2, 5], [0.0, 0.04, 0.08, 0.12, 0.16, 0.2]) == [[0.0, 0.08], [0.2, 0.2]]


def test_repair_pass_masks_the_planned_boxes_and_keeps_every_frame(tmp_path):
    src = tmp_path / "src.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=1",
                    "-pix_fmt", "yuv420p", "-c:v", "libx264", str(src)], check=True)
    dst = tmp_path / "dst.mp4"
    plan = {3: [(100.0, 60.0, 220.0, 180.0)], 4: [(100.0, 60.0, 220.0, 180.0)]}
    n = residuals.repair_video(src, dst, plan, FillStyle(), crf=18, preset="veryfast", x264_params="")
    assert n == 25
    assert frame_times(dst) == pytest.approx(frame_times(src), abs=1e-3)
    with VideoReader(dst) as r:
        for f in r:
            y = f.picture.planes[0]
            centre = float(np.mean(y[110:130, 150:170]))
            if f.index in plan:
                assert centre < 25, f.index  # black (limited range: 16)
            elif f.index in (0, 10):
                assert centre > 40, f.index
