"""Per-frame bookkeeping of the face stage stays small and exact over long videos.

An hour at 30 fps is 108,000 frames: what the stage keeps per frame to its end
(the masks drawn, for the residual check and the log's masked ranges) must cost
bytes, not hundreds of bytes, and what it keeps per detection or per run must
be dropped once no later frame can need it.  Each test compares with the plain
whole-history computation, so nothing about the result changes.
"""
from __future__ import annotations

import random
import tracemalloc

import numpy as np

from mediaanon.faces.framemasks import FrameMasks
from mediaanon.faces.residuals import frame_ranges, judge, merge_masks
from mediaanon.faces.tracker import FaceTracker


def test_frame_masks_read_like_the_dict_they_replace():
    rng = random.Random(7)
    plain: dict[int, list] = {}
    fm = FrameMasks()
    for i in range(2000):
        boxes = [tuple(rng.uniform(0, 1280) for _ in range(4)) for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))]
        fm.add(i, boxes)
        if boxes:
            plain[i] = list(boxes)
    plan = {rng.randrange(0, 2100): [tuple(rng.uniform(0, 1280) for _ in range(4))] for _ in range(300)}
    merge_masks(fm, plan)  # repairs: frames with masks, frames without, frames after the last
    for i, boxes in plan.items():
        plain.setdefault(i, []).extend(boxes)
    assert list(fm) == sorted(plain) and len(fm) == len(plain)
    assert all(fm[i] == plain[i] and i in fm for i in plain)
    assert fm.get(5000) is None and 5000 not in fm and fm.get(-1, []) == []
    times = [i / 30 for i in range(2100)]
    assert frame_ranges(fm, times) == frame_ranges(plain, times)
    hits = [(i, i / 30, [(0.1, 0.1, 0.3, 0.4, 0.9)]) for i in range(0, 2100, 7)]
    a, b = judge(hits, fm, 1280, 720), judge(hits, plain, 1280, 720)
    assert (a.on_masks, a.residual) == (b.on_masks, b.residual)


def test_an_hour_of_masks_costs_a_few_megabytes():
    box = (101.5, 52.25, 301.75, 352.125)
    tracemalloc.start()
    try:
        fm = FrameMasks()
        for i in range(30 * 3600):
            fm.add(i, [box])
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size < 8 * 2**20, size  # the dict of lists it replaces: ~36 MB
    assert fm[107_999] == [box] and len(fm) == 108_000


def det(x: float, size: float = 40.0) -> np.ndarray:
    return np.array([[x, 50.0, x + size, 50.0 + size, 0.9]], np.float32)


def run_tracker(trim: int, n: int = 3000) -> tuple[list, int]:
    """Masks of a face that wanders, with detections every other frame, gaps, a lost stretch and cuts."""
    t = FaceTracker(max_gap=12, lead=5)
    t.TRIM = trim
    rng = random.Random(3)
    dets, x = {}, 300.0
    for i in range(n):
        x = min(1000.0, max(10.0, x + rng.uniform(-6, 6)))
        if i % 2 == 0 and not (700 <= i < 740) and rng.random() > 0.1:
            dets[i] = det(x)
    scene = lambda i: i // 1000  # noqa: E731 - two scene cuts
    out, longest = [], 0
    for i in range(n + t.delay):
        if i < n:
            t.update(i, scene(i), dets.get(i, np.zeros((0, 5), np.float32)))
        j = i - t.delay
        if j >= 0:
            out.append(t.masks(j, scene(j)))
            t.forget_before(j + 1)
            longest = max([longest, *(len(tr.frames) for tr in t.tracks)])
    return out, longest


def test_tracker_drops_old_detections_without_changing_a_mask():
    whole, longest_whole = run_tracker(trim=10**9)
    trimmed, longest = run_tracker(trim=8)
    assert trimmed == whole
    assert longest_whole > 400 and longest < 8 + 12 + 4  # TRIM + the frames still ahead of the masks
