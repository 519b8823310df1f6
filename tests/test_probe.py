"""Probing: ffprobe JSON parsing (pure) and the PyAV fallback on real files."""
from __future__ import annotations

import pytest

from mediaanon.errors import InputError
from mediaanon.media import ffmpeg, probe as probe_mod
from mediaanon.media.probe import parse_ffprobe, probe

import mediafactory

PORTRAIT = {
    "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "4.000", "tags": {"location": "+1+2/"}},
    "streams": [
        {"index": 0, "codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080,
         "avg_frame_rate": "30000/1001", "nb_frames": "120", "side_data_list": [{"rotation": -90}]},
        {"index": 1, "codec_type": "audio", "codec_name": "aac", "sample_rate": "48000", "channels": 2,
         "channel_layout": "stereo", "duration": "4.0"},
        {"index": 2, "codec_type": "audio", "codec_name": "aac", "sample_rate": "16000", "channels": 1},
        {"index": 3, "codec_type": "data", "codec_name": "bin_data"},
    ],
}


def test_parse_ffprobe_portrait_multitrack():
    p = parse_ffprobe(PORTRAIT)
    assert p.kind == "video" and p.duration == 4.0 and p.has_metadata_tags
    v = p.video_streams[0]
    assert v.rotation == 90 and abs(v.fps - 29.97) < 0.01 and v.nb_frames == 120
    assert [a.sample_rate for a in p.audio_streams] == [48000, 16000]
    assert "tags" not in str(p.summary()) and "location" not in str(p.summary())


def test_rotate_tag_and_image_kind():
    old = {"format": {"format_name": "mov", "duration": "1"}, "streams": [
        {"index": 0, "codec_type": "video", "codec_name": "h264", "tags": {"rotate": "270"}}]}
    assert parse_ffprobe(old).video_streams[0].rotation == 270
    img = {"format": {"format_name": "image2"}, "streams": [
        {"index": 0, "codec_type": "video", "codec_name": "mjpeg", "width": 10, "height": 10}]}
    assert parse_ffprobe(img).kind == "image"


def test_real_files_with_ffprobe_and_pyav_agree(tmp_path, monkeypatch):
    src = mediafactory.video(tmp_path / "v.mp4", seconds=1.0, audio_streams=2)
    a = probe(src)
    monkeypatch.setenv("MEDIAANON_FFPROBE", "")
    ffmpeg.ffprobe_binary.cache_clear()
    try:
        b = probe(src)
    finally:
        ffmpeg.ffprobe_binary.cache_clear()
    assert b.tool == "pyav" and a.tool == "ffprobe"
    assert a.kind == b.kind == "video"
    assert len(a.audio_streams) == len(b.audio_streams) == 2
    assert abs(a.duration - b.duration) < 0.1
    assert a.video_streams[0].width == b.video_streams[0].width == 320


@pytest.mark.parametrize("use_pyav", [False, True])
def test_bad_inputs_have_clear_messages(tmp_path, monkeypatch, use_pyav):
    if use_pyav:
        monkeypatch.setenv("MEDIAANON_FFPROBE", "")
    ffmpeg.ffprobe_binary.cache_clear()
    try:
        junk = tmp_path / "junk.mp4"
        junk.write_bytes(b"not a video at all" * 50)
        with pytest.raises(InputError, match="cannot read this file as media"):
            probe(junk)
        with pytest.raises(InputError, match="input not found"):
            probe(tmp_path / "nope.wav")
        with pytest.raises(InputError, match="directory"):
            probe(tmp_path)
    finally:
        ffmpeg.ffprobe_binary.cache_clear()


def test_bundled_ffmpeg_works_without_system_binaries(tmp_path, monkeypatch):
    """A machine without system ffmpeg: imageio-ffmpeg's binary + PyAV probing."""
    import imageio_ffmpeg

    monkeypatch.setenv("MEDIAANON_FFMPEG", imageio_ffmpeg.get_ffmpeg_exe())
    monkeypatch.setenv("MEDIAANON_FFPROBE", "")
    ffmpeg.ffmpeg_binary.cache_clear()
    ffmpeg.ffprobe_binary.cache_clear()
    try:
        src = mediafactory.tone(tmp_path / "t.wav", seconds=1.0)
        assert probe(src).tool == "pyav"
        from mediaanon.recording import Recording

        rec = Recording("t", src, probe(src), tmp_path)
        assert abs(len(rec.speech()) - 16000) < 50
        assert "imageio" in ffmpeg.ffmpeg_binary() or "ffmpeg" in ffmpeg.ffmpeg_binary()
    finally:
        ffmpeg.ffmpeg_binary.cache_clear()
        ffmpeg.ffprobe_binary.cache_clear()
