"""The coarse/full detector size plan (faces.sizing), and small tilted blurred faces kept masked with it."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mediaanon.faces.sizing import SizePlan, resized

FULL, COARSE, FRAME = (1280, 736), (640, 384), (1280, 720)
BIG = np.array([[600, 100, 850, 400, 0.9]], np.float32)  # a talking head: 250 px
SMALL = np.array([[100, 100, 130, 130, 0.9]], np.float32)  # 30 px: 15 px at the coarse input


def plan(**kw) -> SizePlan:
    return SizePlan(FULL, COARSE, FRAME, **kw)


def feed(p: SizePlan, results: list[np.ndarray], first: set[int] = frozenset()) -> list[bool]:
    """Size runs one after the other, run i returning results[i]; True where the full size was chosen."""
    out = []
    for i, boxes in enumerate(results):
        size = p.choose(i in first)
        p.record(size, lambda b=boxes: b)
        out.append(tuple(size[:2]) == FULL)
    return out


def test_large_faces_run_coarse_with_a_periodic_full_run():
    fulls = feed(plan(full_every=6), [BIG] * 24, first={0})
    assert fulls[0] and sum(fulls) == 4
    assert [i for i, f in enumerate(fulls) if f] == [0, 6, 12, 18]


def test_a_scene_start_is_always_full():
    fulls = feed(plan(full_every=6), [BIG] * 12, first={0, 3})
    assert fulls[0] and fulls[3] and not fulls[4]


def test_a_small_face_keeps_the_full_size_for_hold_runs():
    results = [BIG] * 3 + [np.concatenate([BIG, SMALL])] + [BIG] * 30
    fulls = feed(plan(full_every=6, hold=10, lag=1), results, first={0})
    # run 3 saw the small face; its result is used for run 4 (lag 1) and holds runs 4..13 at full size
    assert all(fulls[4:14])
    assert not all(fulls[14:20])


def test_a_face_only_the_full_run_finds_switches_to_full():
    empty = np.zeros((0, 5), np.float32)
    # the full run 0 finds a face the coarse run 1 does not: from run 2 on (lag 1), the full size for a while
    fulls = feed(plan(full_every=6, hold=8, lag=1, small_face=0), [BIG, empty] + [empty] * 12, first={0})
    assert fulls[0] and not fulls[1] and all(fulls[2:10])


def test_lag_waits_for_results_that_are_not_in():
    p = plan(full_every=100, hold=5, lag=2, small_face=24)
    calls = []
    for i in range(6):
        size = p.choose(i == 0)
        p.record(size, lambda i=i: calls.append(i) or (SMALL if i == 1 else BIG))
    # run n is sized from results up to n - 2 only: run 1's small face shows from run 3 on
    assert calls == [0, 1, 2, 3]
    assert p.full_runs == 1 + 3  # run 0, then runs 3, 4, 5


def test_not_adaptive_when_the_coarse_size_is_the_full_size():
    p = SizePlan(FULL, None, FRAME)
    assert not p.adaptive and not p.watching and feed(p, [BIG] * 5) == [True] * 5


def test_resized():
    rgb = np.zeros((736, 1280, 3), np.uint8)
    assert resized(rgb, FULL) is rgb
    assert resized(rgb, COARSE).shape == (384, 640, 3)


def _bench_small():
    path = Path(__file__).resolve().parent.parent / "bench" / "face_small.py"
    spec = importlib.util.spec_from_file_location("bench_face_small", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("split", ["tuned", "held-out"])
def test_small_tilted_blurred_faces_stay_masked(shared_media, tmp_path, split):
    """With the blur_faces defaults (coarse size auto on the CPU) no face-frame is left unmasked that
    the full size on every detector run masks (bench/face_small.py is the long version)."""
    from tests._faces import centerface

    from mediaanon.faces.blurrer import BlurSettings, FaceBlurrer
    from mediaanon.stages.blur_faces import BlurFacesOptions, coarse_size

    if not (shared_media / "images" / "dlib_faces" / "training.xml").exists():
        pytest.skip("images/dlib_faces not present")
    bench = _bench_small()
    src = tmp_path / "small.mp4"
    looks = [(20, 45.0, 0.8), (40, -60.0, 0.0)]  # 6 frames per photo and look
    truth = bench.build_video(src, 6, only=split, looks=looks)
    o = BlurFacesOptions()
    detector = centerface()
    missed = {}
    for name, coarse in (("default", coarse_size(o, "cpu")), ("full", "")):
        settings = BlurSettings(threshold=o.threshold, mask_scale=o.mask_scale, detect_every=o.detect_every,
                                coarse_size=coarse, full_every=o.full_every, small_face=o.small_face)
        report, _, _ = FaceBlurrer(detector, settings).process_video(src, tmp_path / f"{name}.mp4")
        assert (report.coarse_size == (640, 384)) == (name == "default")
        assert report.turned_runs == 0  # BlurSettings without turn_face: the upright plan alone (the tier: tests/test_faces_tilt.py)
        missed[name], total = bench.uncovered(src, tmp_path / f"{name}.mp4", truth)
        assert total > 100
    # the coarse size loses nothing; what both miss is beyond CenterFace (20-40 px, turned, blurred)
    assert set(missed["default"]) <= set(missed["full"])
    assert len(missed["default"]) < 0.5 * total  # and CenterFace does find most of them


def test_coarse_boxes_are_grown_about_their_centres():
    p = plan()
    grown = p.boxes(BIG, COARSE)
    assert np.allclose((grown[0, :2] + grown[0, 2:4]) / 2, (BIG[0, :2] + BIG[0, 2:4]) / 2)
    assert np.allclose(grown[0, 2:4] - grown[0, :2], (BIG[0, 2:4] - BIG[0, :2]) * p.coarse_grow)
    assert grown[0, 4] == BIG[0, 4]
    assert p.boxes(BIG, FULL) is BIG


def test_coarse_size_option():
    from dataclasses import replace

    from mediaanon.errors import ConfigError
    from mediaanon.stages.blur_faces import BlurFacesOptions, coarse_size

    o = BlurFacesOptions()
    assert coarse_size(o, "cpu") == "640" and coarse_size(o, "cuda") == ""  # a GPU gains little from it
    assert coarse_size(replace(o, detector_size="native"), "cpu") == ""  # an explicit size is kept
    assert coarse_size(replace(o, coarse_size="off"), "cpu") == ""
    assert coarse_size(replace(o, coarse_size="480"), "cuda") == "480"
    with pytest.raises(ConfigError):
        replace(o, coarse_size="tiny").validate()
    with pytest.raises(ValueError):
        replace(o, full_every=0).validate()
