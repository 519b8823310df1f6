"""The independent check: BlazeFace finds faces left in a written video; strict fails the recording."""
from __future__ import annotations

import numpy as np
import pytest

from mediaanon.errors import ModelError, PrivacyCheckError
from mediaanon.hooks import no_hook
from tests._faces import blur_stage, recording
from tests.mediafactory import make


@pytest.fixture(scope="module")
def strict_stage():
    s = blur_stage({"strict": True})
    yield s
    s.close()


@pytest.fixture(scope="module")
def clip(media, tmp_path_factory):
    d = tmp_path_factory.mktemp("v")
    return make(d / "head.mp4", "-i", str(media("video/liveportrait/d18.mp4")), "-t", "1",
                "-vf", "scale=240:240", "-c:v", "libx264", "-preset", "ultrafast", "-an")


class Blind:
    """A detector that finds nothing: the stage then writes the faces unmasked."""

    def __init__(self, inner):
        self.runtime = inner.runtime

    def run(self, batch, threshold):
        return [np.zeros((0, 5), np.float32) for _ in batch]


def test_verifier_reports_faces_with_time_ranges(strict_stage, clip):
    rep = strict_stage.verifier.scan_video(clip)
    assert rep.frames_scanned == 30 and rep.frames_with_faces == 30
    assert len(rep.ranges) == 1
    r = rep.ranges[0]
    assert r.start == pytest.approx(0.0) and r.end == pytest.approx(29 / 30, abs=1e-3) and r.frames == 30
    s = rep.summary()
    assert s["residual_faces"] == 30 and s["residual_ranges"][0][:3] == [0.0, round(29 / 30, 3), 30]


def test_sampling_scans_every_nth_frame(strict_stage, clip):
    rep = strict_stage.verifier.scan_video(clip, every=4)
    assert rep.frames_scanned == 8 and rep.every == 4
    assert len(rep.ranges) == 1 and rep.ranges[0].frames == 8  # sampled hits still form one range


def test_masked_output_passes_strict(strict_stage, clip, tmp_path):
    summary = strict_stage(recording(clip, tmp_path / "s"), no_hook)
    assert summary["verify"]["residual_faces"] == 0 and summary["verify"]["frames_scanned"] == 30


def test_strict_fails_an_unmasked_video(strict_stage, clip, tmp_path):
    from dataclasses import replace

    real, options = strict_stage.blurrer.detector, strict_stage.options
    strict_stage.blurrer.detector = Blind(real)
    strict_stage.options = replace(options, repair=False)
    try:
        with pytest.raises(PrivacyCheckError, match=r"residual face\(s\) in 30 frame\(s\) at 0.00-0.97 s"):
            strict_stage(recording(clip, tmp_path / "s"), no_hook)
    finally:
        strict_stage.blurrer.detector, strict_stage.options = real, options


@pytest.mark.parametrize("where", ["frames", "file"])
def test_faces_the_first_detector_missed_are_repaired_and_rechecked(strict_stage, clip, tmp_path, where):
    """CenterFace misses the face in every frame; BlazeFace finds it; the repair masks the union of
    both detectors, the re-check finds nothing left (hits on the repair masks are ours), strict passes.

    ``frames``: the check runs on each masked picture before encoding and the repair is drawn
    before the one encoding; ``file``: the written video is scanned, re-encoded and rescanned.
    Both scan each frame first as the blurrer left it, so they report the same hits.
    """
    from dataclasses import replace

    real, options = strict_stage.blurrer.detector, strict_stage.options
    strict_stage.blurrer.detector = Blind(real)
    strict_stage.options = replace(options, verify_on=where)
    try:
        rec = recording(clip, tmp_path / "r")
        summary = strict_stage(rec, no_hook)
    finally:
        strict_stage.blurrer.detector, strict_stage.options = real, options
    v = summary["verify"]
    assert summary["frames_with_faces"] == 0 and v["hits_on_masks"] == 0 and v["frames_scanned"] == 30
    assert v["repair_passes"] >= 1 and v["unresolved_faces"] == 0 and v["unresolved_ranges"] == []
    assert v["repairs"][0]["ranges"][0][:2] == [0.0, pytest.approx(0.967, abs=1e-3)]
    assert v["residual_frames"] == 30 and v["repairs"][0]["frames"] == 30
    assert v["repairs"][0]["rescanned_frames"] >= 30  # the re-check scans what the repair masked (here: all)
    if where == "file":
        assert rec.video.name.startswith("video_repaired")
    else:
        assert v["repaired_frames"] == 30
        assert v["checked"] == "frames before encoding" and rec.video.name == "video_blurred.mp4"
        assert not list((tmp_path / "r").glob("video_repaired*"))
    # an independent look at what was written: whatever BlazeFace still reacts to is our black fill
    from mediaanon.faces.video import VideoReader

    scan = strict_stage.verifier.scan_video(rec.video)
    assert scan.frames_scanned == 30
    again = {i: boxes for i, _t, boxes in scan.hits}
    with VideoReader(rec.video) as reader:
        for f in reader:
            y = f.picture.planes[0]
            for x1, y1, x2, y2, _s in again.get(f.index, []):
                cx, cy = int((x1 + x2) / 2 * y.shape[1]), int((y1 + y2) / 2 * y.shape[0])
                assert float(y[cy - 3:cy + 4, cx - 3:cx + 4].mean()) < 30, f.index
    # and the face is gone: the unmasked input's face centre is dark in every written frame
    first = strict_stage.verifier.scan_video(clip).hits
    with VideoReader(rec.video) as reader:
        for f, (_i, _t, boxes) in zip(reader, first):
            y = f.picture.planes[0]
            x1, y1, x2, y2, _s = boxes[0]
            cx, cy = int((x1 + x2) / 2 * y.shape[1]), int((y1 + y2) / 2 * y.shape[0])
            assert float(y[cy - 3:cy + 4, cx - 3:cx + 4].mean()) < 30, f.index


def test_not_strict_reports_but_keeps(strict_stage, clip, tmp_path, caplog):
    lenient = blur_stage({"strict": False, "verify_every": 2, "repair": False})
    lenient.blurrer.detector = Blind(lenient.detector)
    with caplog.at_level("WARNING"):
        summary = lenient(recording(clip, tmp_path / "s"), no_hook)
    lenient.close()
    assert summary["verify"]["residual_frames"] == 15 and summary["frames_with_faces"] == 0
    assert any("residual" in r.message for r in caplog.records)


def test_parallel_workers_report_exactly_what_one_worker_does(clip):
    """Frames are scanned on several graphs at once; the ranges must not depend on it."""
    from mediaanon.faces.verify import FaceVerifier

    one, three = FaceVerifier("full", workers=1), FaceVerifier("full", workers=3)
    try:
        a, b = one.scan_video(clip), three.scan_video(clip)
    finally:
        one.close()
        three.close()
    assert three.workers == 3 and one.workers == 1
    assert a.summary() | {"seconds": 0} == b.summary() | {"seconds": 0}


def test_missing_runtime_fails_before_any_work(monkeypatch):
    """The TFLite runtime loads in the background, but its absence is still reported by the constructor."""
    import importlib.util

    from mediaanon.faces import verify

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ai_edge_litert" else real(name, *a))
    with pytest.raises(ModelError, match="ai-edge-litert"):
        verify.FaceVerifier("full")


def test_a_failed_background_start_is_raised_by_the_first_scan(clip, monkeypatch):
    from mediaanon.faces import verify

    v = verify.FaceVerifier("full", workers=1)
    v._started.join()
    v._error = ImportError("libGL.so.1: cannot open shared object file")
    with pytest.raises(ModelError, match="could not be loaded.*libGL"):
        v.scan_video(clip)
    v.close()


def test_a_scan_can_be_limited_to_given_frames(strict_stage, clip):
    """The re-check after a repair scans only the repaired frames (faces.residuals)."""
    full = strict_stage.verifier.scan_video(clip)
    some = strict_stage.verifier.scan_video(clip, only={0, 5, 29, 400})
    assert full.frames_scanned == 30 and some.frames_scanned == 3
    assert {h[0] for h in some.hits} == {h[0] for h in full.hits} & {0, 5, 29}
