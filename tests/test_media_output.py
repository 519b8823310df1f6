"""media.mp4 from audio encoded early (while the faces ran) is the same as from audio encoded at the end."""
from __future__ import annotations

import subprocess

import numpy as np

from mediaanon.media import ffmpeg
from mediaanon.media.output import encode_audio, write_media
from mediaanon.media.probe import probe
from mediaanon.pipeline import OutputOptions
from mediaanon.recording import Recording

import mediafactory


def decoded_audio(path) -> np.ndarray:
    out = subprocess.run([ffmpeg.ffmpeg_binary(), "-v", "error", "-i", str(path), "-map", "0:a", "-f", "f32le", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, np.float32)


def test_early_encoded_audio_is_copied_and_equals_the_late_encoding(tmp_path):
    src = mediafactory.video(tmp_path / "talk.mp4", seconds=2.0, audio_streams=2)

    def recording(name: str) -> Recording:
        scratch = tmp_path / name
        scratch.mkdir()
        rec = Recording(id=name, source=src, probe=probe(src), scratch=scratch)
        rec.original_audio_tracks()
        rec.facts.add("audio_edited")
        return rec

    late, early = recording("late"), recording("early")
    encode_audio(early)
    assert [p.name for p in early.encoded_audio.values()] == ["audio_out_0.m4a", "audio_out_1.m4a"]
    a, _ = write_media(late, late.scratch, OutputOptions())
    b, got = write_media(early, early.scratch, OutputOptions())
    assert len(got.audio_streams) == 2 and abs(got.duration - probe(a).duration) < 1e-3
    assert np.array_equal(decoded_audio(a), decoded_audio(b))
    # a track changed after the early encoding is encoded again, never the stale file copied
    early.audio_tracks = [late.audio_tracks[0], early.audio_tracks[1]]
    c, _ = write_media(early, early.scratch, OutputOptions())
    assert np.array_equal(decoded_audio(c), decoded_audio(a))
