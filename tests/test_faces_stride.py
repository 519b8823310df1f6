"""``detect_every``: the detector runs on every n-th frame, the tracker fills the rest.

Skipping frames is only acceptable if it costs no masked pixel: a moving face
on a real clip must be masked at stride 2 and 3 wherever it is at stride 1,
skipped frames must not be reported as detector misses, and a scene cut must
force a detection on both sides of it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediaanon.faces.blurrer import BlurSettings, FaceBlurrer
from mediaanon.faces.video import VideoReader
from mediaanon.stages.blur_faces import BlurFacesOptions
from tests._faces import Blinking, centerface, luma
from tests.mediafactory import make

BLACK_Y = 16  # limited-range luma of the default solid black fill


@pytest.fixture(scope="module")
def detector():
    return centerface()


@pytest.fixture(scope="module")
def moving_head(media, tmp_path_factory):
    """1 s of a talking head sliding 80 px across the picture (about 3 px per frame)."""
    d = tmp_path_factory.mktemp("stride")
    return make(d / "moving.mp4", "-i", str(media("video/liveportrait/d18.mp4")), "-t", "1", "-vf",
                "scale=240:240,pad=320:240:40:0:gray,crop=240:240:'min(80,t*80)':0,fps=30",
                "-c:v", "libx264", "-preset", "ultrafast", "-an")


@pytest.fixture(scope="module")
def stride_runs(detector, moving_head, tmp_path_factory):
    d = tmp_path_factory.mktemp("stride_out")
    out = {}
    for n in (1, 2, 3):
        rep, _, _ = FaceBlurrer(Blinking(detector), BlurSettings(detect_every=n)).process_video(
            moving_head, d / f"s{n}.mp4")
        out[n] = (rep, luma(d / f"s{n}.mp4"))
    return out


def face_boxes(detector, path: Path) -> list[np.ndarray | None]:
    """The detector's own best box on every source frame (frame pixels)."""
    from mediaanon.faces.detector import input_size

    boxes = []
    with VideoReader(path) as r:
        for f in r:
            w, h = f.picture.width, f.picture.height
            dets = detector.detect(f.picture.to_rgb((w, h)), 0.2, input_size(w, h, "auto", "video"))
            boxes.append(dets[np.argmax(dets[:, 4])] if len(dets) else None)
    return boxes


@pytest.mark.parametrize("n", [2, 3])
def test_moving_face_stays_masked_with_a_detector_stride(detector, moving_head, stride_runs, n):
    src = luma(moving_head)
    boxes = face_boxes(detector, moving_head)
    rep1, out1 = stride_runs[1]
    repn, outn = stride_runs[n]
    assert rep1.frames == repn.frames == len(src) and sum(b is not None for b in boxes) >= len(src) - 2
    assert rep1.detector_runs == len(src)
    # stride n: every n-th frame plus the last one
    assert repn.detector_runs == len(range(0, len(src), n)) + ((len(src) - 1) % n != 0)
    worst = 1.0
    for i, box in enumerate(boxes):
        if box is None:
            continue
        x1, y1, x2, y2 = (int(round(v)) for v in box[:4])
        region = (slice(max(0, y1), y2), slice(max(0, x1), x2))
        decidable = np.abs(src[i][region] - BLACK_Y) > 15  # the source pixel is not already black
        masked1 = (np.abs(out1[i][region] - BLACK_Y) <= 4) & decidable
        maskedn = (np.abs(outn[i][region] - BLACK_Y) <= 4) & decidable
        assert masked1.sum() >= 0.98 * decidable.sum()  # sanity: stride 1 masks the whole face box
        worst = min(worst, (maskedn & masked1).sum() / max(1, masked1.sum()))
    assert worst >= 0.999, f"frame with only {worst:.3f} of the stride-1 face pixels masked at stride {n}"


def test_skipped_frames_are_not_reported_as_gaps(detector, stride_runs, moving_head, tmp_path):
    rep1, _ = stride_runs[1]
    rep3, _ = stride_runs[3]
    assert rep1.gap_frames == 0  # the detector finds this face on every frame
    assert rep3.gap_frames == 0 and rep3.gap_ranges == []  # interpolated frames are no misses
    assert rep3.summary()["detect_every"] == 3 and rep3.summary()["detector_runs"] == rep3.detector_runs
    # a real miss at stride 3 (the 5th run, frame 12) is still bridged and reported: frames 10..14
    rep, _, _ = FaceBlurrer(Blinking(detector, frozenset({4})), BlurSettings(detect_every=3)).process_video(
        moving_head, tmp_path / "miss.mp4")
    assert rep.gap_frames == 5 and len(rep.gap_ranges) == 1
    out = luma(tmp_path / "miss.mp4")
    assert all(out[i][115:145, 120:140].mean() < 30 for i in range(10, 15))


def test_scene_cut_forces_detection_on_both_sides(detector, media, tmp_path):
    # 1 s of a street corner without faces, then 1 s of a talking head: the face appears at the cut
    street = make(tmp_path / "a.mp4", "-i", str(media("video/facenet/video.mp4")), "-t", "1",
                  "-vf", "crop=480:480:0:0,scale=240:240,fps=30", "-c:v", "libx264", "-preset", "ultrafast", "-an")
    head = make(tmp_path / "b.mp4", "-i", str(media("video/liveportrait/d18.mp4")), "-t", "1",
                "-vf", "scale=240:240,fps=30", "-c:v", "libx264", "-preset", "ultrafast", "-an")
    joined = make(tmp_path / "cut.mp4", "-i", str(street), "-i", str(head), "-filter_complex",
                  "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast")
    src = luma(joined)
    cut = 30
    assert len(src) == 60
    det = Blinking(detector)
    rep, _, _ = FaceBlurrer(det, BlurSettings(detect_every=4)).process_video(joined, tmp_path / "o.mp4")
    out = luma(tmp_path / "o.mp4")
    assert rep.scene_cuts == 1
    # 0, 4, .. 28; 29 (scene end); 30 (scene start); 34, .. 58; 59 (video end)
    expected = [*range(0, cut, 4), cut - 1, cut, *range(cut + 4, 60, 4), 59]
    assert rep.detector_runs == det.calls == len(expected)
    region = (slice(115, 145), slice(105, 135))  # the face centre
    assert out[cut][region].mean() < 30  # masked on the first frame of its scene
    assert np.abs(out[cut - 1][region] - src[cut - 1][region]).mean() < 8  # the street is untouched


@pytest.mark.parametrize("value", [0, 7, -1])
def test_detect_every_is_validated(value):
    with pytest.raises(ValueError, match="detect_every"):
        BlurFacesOptions(detect_every=value).validate()
    BlurFacesOptions(detect_every=1).validate()
    BlurFacesOptions(detect_every=6).validate()
    assert BlurFacesOptions().detect_every == 2
