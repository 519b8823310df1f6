"""Typed records shared by every stage (faster-whisper's shape, not dicts).

A ``Transcript`` is segments of timed words.  A ``PiiSpan`` is one redaction
decision: character offsets into ``Transcript.text`` *and* the audio time
range it covers, so that the transcript, the subtitles and the audio bleeps
all follow the same decision (one timeline).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Word:
    """One recognised word; ``start``/``end`` in seconds of the source audio."""

    start: float
    end: float
    word: str  # as the ASR produced it, usually with a leading space
    probability: float = 1.0
    speaker: str | None = None  # diarization label ("S1", "S2" …), None before/without diarization


@dataclass(frozen=True)
class Segment:
    """One ASR segment: its text is the concatenation of its words' text."""

    id: int
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0
    speaker: str | None = None


@dataclass
class Transcript:
    """All segments of one recording plus what the engine reported."""

    segments: list[Segment]
    language: str
    language_probability: float = 1.0
    engine: str = ""
    model: str = ""
    dropped: list[dict[str, Any]] = field(default_factory=list)  # guard decisions: times + reason, no text
    # the engine's Silero probabilities, for diarize_speakers to reuse; never serialised (see to_dict)
    speech_probs: "SpeechProbs | None" = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """Segments' texts joined by single spaces, stripped (the offset basis)."""
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    def to_dict(self) -> dict[str, Any]:
        out = asdict(replace(self, speech_probs=None))  # working data of this run, not the transcript
        out.pop("speech_probs")
        return out


@dataclass(frozen=True, eq=False)
class SpeechProbs:
    """Silero VAD's speech probability for every ``frame`` samples of one recording's 16 kHz audio.

    Why a record: the transcription engine runs Silero once per recording;
    the diarization derives its own regions (lower threshold, other padding)
    from the same probabilities instead of running the network again.
    ``samples`` is the length of the audio they were computed on, so a
    consumer given other audio can tell and recompute.  Never written out.
    """

    probs: np.ndarray  # float32, one per frame (the last frame zero-padded)
    samples: int
    frame: int = 512


@dataclass(frozen=True)
class PiiSpan:
    """One piece of PII found in the transcript.

    ``start``/``end`` are character offsets into the text that was analysed;
    ``t0``/``t1`` the seconds of audio it covers (``None`` only for text with
    no timing, e.g. ``redact-text``).  ``replacement`` is the marker written in
    its place, e.g. ``[PERSON 1]``.  The original string is deliberately not a
    field: records that get logged cannot leak it.
    """

    type: str
    start: int
    end: int
    score: float
    recognizer: str
    replacement: str
    t0: float | None = None
    t1: float | None = None
    timing: str = "words"  # words | widened | segment | none: how t0/t1 were found

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Stream:
    """One stream of the probed input (ffprobe's fields we rely on)."""

    index: int
    kind: str  # video | audio | subtitle | data | attachment
    codec: str
    duration: float | None = None
    # video
    width: int = 0
    height: int = 0
    fps: float = 0.0  # average frame rate
    nb_frames: int | None = None
    rotation: int = 0  # degrees, from display matrix / rotate tag, normalised to 0/90/180/270
    attached_pic: bool = False
    # audio
    sample_rate: int = 0
    channels: int = 0
    channel_layout: str = ""


@dataclass(frozen=True)
class Probe:
    """What ffprobe (or PyAV when there is no ffprobe) says about an input."""

    format_name: str
    duration: float
    streams: tuple[Stream, ...]
    size: int = 0
    has_metadata_tags: bool = False  # whether the container carries any tags
    tool: str = "ffprobe"

    @property
    def video_streams(self) -> tuple[Stream, ...]:
        return tuple(s for s in self.streams if s.kind == "video" and not s.attached_pic)

    @property
    def audio_streams(self) -> tuple[Stream, ...]:
        return tuple(s for s in self.streams if s.kind == "audio")

    @property
    def kind(self) -> str:
        """``video``, ``image`` or ``audio``: which stages apply to this input."""
        video = self.video_streams
        if video:
            v = video[0]
            container = self.format_name.split(",")[0]
            is_still = container in IMAGE_FORMATS or (
                container not in VIDEO_CONTAINERS  # a one-frame MP4 is still a video (and decodes as one)
                and v.nb_frames in (0, 1) and not self.audio_streams and (self.duration or 0) <= 0.1
            )
            return "image" if is_still else "video"
        return "audio" if self.audio_streams else "none"

    def summary(self) -> dict[str, Any]:
        """For the processing log: stream facts, never tags (tags can be PII)."""
        return {
            "format": self.format_name,
            "duration": round(self.duration, 3),
            "size": self.size,
            "tool": self.tool,
            "streams": [
                {k: v for k, v in asdict(s).items() if v not in (None, "", 0, 0.0, False) or k in ("index", "kind")}
                for s in self.streams
            ],
        }


IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif"}
VIDEO_CONTAINERS = {"mov", "matroska", "avi", "mpegts", "mpeg", "flv", "asf", "ogg", "3gp"}
