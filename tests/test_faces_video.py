"""blur_faces on video: the recording comes out whole (frames, timestamps, size, orientation).

Short real clips are cut and downscaled with ffmpeg into tmp_path so the
suite stays fast; the checks are on the files the stage really writes.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mediaanon.faces.video import VideoReader, frame_times
from mediaanon.media import ffmpeg
from mediaanon.media.probe import probe
from tests._faces import blur_stage, run_stage
from tests.mediafactory import make


@pytest.fixture(scope="module")
def stage():
    s = blur_stage({"verify": False})
    yield s
    s.close()


def stream_facts(path: Path) -> dict:
    proc = subprocess.run([ffmpeg.ffprobe_binary() or "ffprobe", "-v", "error", "-print_format", "json",
                           "-show_streams", "-show_format", str(path)], capture_output=True, check=True)
    return json.loads(proc.stdout)


def first_frame(path: Path) -> np.ndarray:
    """The first frame as ffmpeg shows it (rotation applied by ffmpeg's autorotate), RGB."""
    proc = subprocess.run([ffmpeg.ffmpeg_binary(), "-v", "error", "-i", str(path), "-frames:v", "1",
                           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
    facts = stream_facts(path)["streams"][0]
    w, h = facts["width"], facts["height"]
    rot = abs(int(float(next((sd.get("rotation", 0) for sd in facts.get("side_data_list", [])), 0))))
    if rot in (90, 270):
        w, h = h, w
    return np.frombuffer(proc.stdout, np.uint8).reshape(h, w, 3)


def test_constant_rate_clip_keeps_frames_timestamps_size_and_duration(stage, media, tmp_path):
    src = make(tmp_path / "cfr.mp4", "-i", str(media("video/liveportrait/d18.mp4")), "-t", "1.2",
               "-vf", "scale=240:240", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac")
    summary, rec = run_stage(stage, src, tmp_path / "s")
    out = rec.video
    assert out == tmp_path / "s" / "video_blurred.mp4" and rec.video_processed
    assert frame_times(out) == pytest.approx(frame_times(src), abs=1e-6)
    assert summary["frames"] == len(frame_times(src)) == 36
    got, want = stream_facts(out), stream_facts(src)
    assert [s["codec_type"] for s in got["streams"]] == ["video"]  # video only: the muxer adds audio
    v, w = got["streams"][0], want["streams"][0]
    assert (v["codec_name"], v["width"], v["height"]) == ("h264", w["width"], w["height"])
    assert float(v["duration"]) == pytest.approx(float(w["duration"]), abs=0.04)
    assert summary["frames_with_faces"] == summary["frames"]  # one talking head, masked throughout


def test_variable_frame_rate_timestamps_are_kept(stage, media, tmp_path):
    # drop frames irregularly and keep the gaps: a VFR stream (deface rewrites such clips at a constant rate)
    src = make(tmp_path / "vfr.mp4", "-i", str(media("video/liveportrait/d18.mp4")), "-t", "2",
               "-vf", "select='lt(n\\,6)+gt(mod(n\\,5)\\,2)',scale=160:160", "-fps_mode", "vfr",
               "-c:v", "libx264", "-preset", "ultrafast", "-an")
    times = frame_times(src)
    steps = np.round(np.diff(times), 4)
    assert len(set(steps)) > 1, "the test clip is not variable-rate"
    summary, rec = run_stage(stage, src, tmp_path / "s")
    assert frame_times(rec.video) == pytest.approx(times, abs=1e-6)
    assert summary["frames"] == len(times)


@pytest.mark.parametrize("tag,turn", [("90", "clock"), ("270", "cclock")])
def test_rotated_phone_clip_is_detected_upright_and_written_upright(stage, media, tmp_path, tag, turn):
    # a portrait clip stored sideways with a display matrix, as phones record
    upright = make(tmp_path / "upright.mp4", "-i", str(media("video/liveportrait/d13.mp4")), "-t", "0.5",
                   "-vf", "scale=180:320", "-c:v", "libx264", "-preset", "ultrafast", "-an")
    sideways = make(tmp_path / "sideways.mp4", "-i", str(upright), "-vf", f"transpose={turn}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-an")
    src = make(tmp_path / "rotated.mp4", "-i", str(sideways), "-c", "copy", "-metadata:s:v", f"rotate={tag}")
    assert probe(src).video_streams[0].rotation in (90, 270)
    summary, rec = run_stage(stage, src, tmp_path / "s")
    v = stream_facts(rec.video)["streams"][0]
    assert (v["width"], v["height"]) == (180, 320)
    assert not any("rotation" in sd for sd in v.get("side_data_list", []))  # pixels turned, no tag
    assert summary["rotated_ccw"] in (90, 270)
    assert summary["frames_with_detections"] == summary["detector_runs"]  # the face was seen upright
    # outside the mask the picture matches the upright original as ffmpeg displays it
    ours, ref = first_frame(rec.video).astype(int), first_frame(src).astype(int)
    assert ours.shape == ref.shape == (320, 180, 3)
    assert np.abs(ours[-40:] - ref[-40:]).mean() < 6  # bottom strip: shirt, no face
    assert np.abs(ours[-40:] - np.rot90(ref, 2)[-40:]).mean() > 2 * np.abs(ours[-40:] - ref[-40:]).mean()


def test_odd_frame_size_is_kept(stage, media, tmp_path):
    src = make(tmp_path / "odd.mp4", "-i", str(media("video/liveportrait/d18.mp4")), "-t", "0.3",
               "-vf", "scale=161:121", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", "-an")
    _, rec = run_stage(stage, src, tmp_path / "s")
    v = stream_facts(rec.video)["streams"][0]
    assert (v["width"], v["height"]) == (161, 121)
    assert frame_times(rec.video) == pytest.approx(frame_times(src), abs=1e-6)


def test_container_metadata_is_not_carried(stage, media, tmp_path):
    src = make(tmp_path / "tagged.mp4", "-i", str(media("video/liveportrait/d18.mp4")), "-t", "0.3",
               "-vf", "scale=160:160", "-c:v", "libx264", "-preset", "ultrafast", "-an",
               "-metadata", "title=Interview with Jane Doe", "-metadata", "location=+52.5200+013.4050/",
               "-metadata:s:v", "title=Jane's camera")
    _, rec = run_stage(stage, src, tmp_path / "s")
    facts = stream_facts(rec.video)
    tags = dict(facts["format"].get("tags", {}))
    tags.update(facts["streams"][0].get("tags", {}))
    assert "Jane" not in json.dumps(tags) and "52.5200" not in json.dumps(tags)
    assert not {"title", "location", "creation_time"} & set(tags)


def test_reader_yields_upright_planes_and_pts(media, tmp_path):
    src = make(tmp_path / "c.mp4", "-i", str(media("video/liveportrait/d18.mp4")), "-t", "0.2",
               "-vf", "scale=64:48", "-c:v", "libx264", "-preset", "ultrafast", "-an")
    with VideoReader(src) as r:
        frames = list(r)
    assert [f.index for f in frames] == list(range(len(frames)))
    assert all(f.duration > 0 for f in frames)
    y, u, v = frames[0].picture.planes
    assert y.shape == (48, 64) and u.shape == v.shape == (24, 32)
    assert [f.pts * float(r.info.time_base) for f in frames] == pytest.approx(frame_times(src))
