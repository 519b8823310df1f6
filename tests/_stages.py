"""Small real stages used only by the spine's tests (runner, bundle, output).

They process real media files made by ffmpeg in the tests, so the runner's
fail-closed paths and the media writer are exercised without loading models.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import soundfile as sf

from mediaanon.errors import StageError
from mediaanon.stage import Stage


@dataclass(frozen=True)
class GainOptions:
    gain: float = 0.5  # linear factor applied to every audio track


class Gain(Stage):
    """Scales every audio track: an audio edit with a known, checkable result."""

    name = "test_gain"
    Options = GainOptions
    requires = frozenset({"audio"})
    assigns = frozenset({"audio_edited"})
    media_kinds = frozenset({"audio", "video"})

    def __call__(self, rec, hook):
        new = []
        for i, path in enumerate(rec.original_audio_tracks()):
            data, sr = sf.read(path, dtype="float32", always_2d=True)
            out = rec.scratch / f"gain_{i}.wav"
            sf.write(out, data * self.options.gain, sr, subtype="FLOAT")
            new.append(out)
        rec.audio_tracks = new
        return {"tracks": len(new)}


@dataclass(frozen=True)
class FailOptions:
    message: str = "boom"  # text of the exception raised


class Fail(Stage):
    """Raises on every recording, with the input's own path in the message."""

    name = "test_fail"
    Options = FailOptions
    media_kinds = frozenset({"audio", "video", "image"})

    def __call__(self, rec, hook):
        # touch scratch to prove that raw media in scratch is removed
        (rec.scratch / "raw.wav").write_bytes(b"RIFF")
        raise RuntimeError(f"{self.options.message} while reading {rec.source}")


class FailStrict(Fail):
    name = "test_fail_strict"

    def __call__(self, rec, hook):
        raise StageError("residual PII found")


@dataclass(frozen=True)
class NoOptions:
    pass


class FakeTranscript(Stage):
    """Assigns a transcript without any redaction stage (must be refused)."""

    name = "test_transcript"
    Options = NoOptions
    requires = frozenset({"audio"})
    assigns = frozenset({"transcript"})
    media_kinds = frozenset({"audio", "video"})

    def __call__(self, rec, hook):  # pragma: no cover - never reached
        return {}


TEST_STAGES = {
    "test_gain": ("_stages", "Gain"),
    "test_fail": ("_stages", "Fail"),
    "test_fail_strict": ("_stages", "FailStrict"),
    "test_transcript": ("_stages", "FakeTranscript"),
}
