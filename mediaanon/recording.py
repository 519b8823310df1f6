"""``Recording``: everything the stages know about one input while it is processed.

Media lives in files inside ``scratch`` (a private temporary folder beside the
staging folder, removed afterwards): ``audio_tracks`` are float WAVs, one per
audio stream of the input, at the input's own sample rate and channel layout
— stages that edit audio replace these paths with new files, never edit the
input.  ``video`` is the current video stream's source: the input until a
stage (``blur_faces``) writes a processed one.  The final media file is
assembled from these by :mod:`mediaanon.media.output`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mediaanon.media import ffmpeg
from mediaanon.records import PiiSpan, Probe, Transcript

log = logging.getLogger(__name__)

SPEECH_RATE = 16000  # what every ASR/VAD/speaker model here expects


@dataclass
class Recording:
    id: str  # bundle id: file stem or keyed hash; the only name that appears in logs
    source: Path  # the input; read-only for us
    probe: Probe
    scratch: Path  # private temp folder for intermediates
    audio_tracks: list[Path] = field(default_factory=list)  # current audio, one float WAV per stream
    video: Path | None = None  # current video source (input or processed, without audio)
    image: Path | None = None  # processed still image, for image inputs
    video_processed: bool = False  # a stage re-encoded the video frames
    transcript: Transcript | None = None
    pii: list[PiiSpan] = field(default_factory=list)
    redacted_text: str | None = None  # the transcript text after redaction (offset basis: transcript.text)
    redacted_segments: list[dict[str, Any]] = field(default_factory=list)  # per segment: start, end, text (redacted)
    facts: set[str] = field(default_factory=set)
    key: dict[str, str] = field(default_factory=dict)  # marker -> original; written only on request, outside OUTDIR
    speakers: Any = None  # mediaanon.speakers.records.Diarization (turns and labels, never embeddings)
    encoded_audio: dict[Path, Path] = field(default_factory=dict)  # final WAV track -> its AAC (media.output.encode_audio)
    _speech: np.ndarray | None = None

    @property
    def kind(self) -> str:
        return self.probe.kind

    def original_audio_tracks(self) -> list[Path]:
        """Extract (once) every audio stream of the input to float WAV in ``scratch``."""
        if not self.audio_tracks:
            tracks = []
            for i, _stream in enumerate(self.probe.audio_streams):
                dst = self.scratch / f"audio_in_{i}.wav"
                ffmpeg.run(ffmpeg.extract_audio_args(self.source, i, dst), what=f"extract audio stream {i}")
                tracks.append(dst)
            self.audio_tracks = tracks
        return self.audio_tracks

    def speech(self) -> np.ndarray:
        """The input's audio as one mono float32 array at 16 kHz (all streams mixed).

        Transcription, VAD and leak checks use this; it is decoded from the
        *original* input, so a later voice transform cannot degrade ASR.
        """
        if self._speech is None:
            n = len(self.probe.audio_streams)
            self._speech = ffmpeg.read_mono(self.source, self.scratch, SPEECH_RATE, n)
        return self._speech

    def drop_speech(self) -> None:
        """Free the cached mix (an hour is 230 MB) once the stages that read it are done.

        The leak check re-transcribes the bleeped tracks and runs while the faces are
        still masked, at the run's memory peak; :meth:`speech` decodes the mix again
        if a later stage asks for it.
        """
        self._speech = None

    def speech_of(self, path: Path) -> np.ndarray:
        """Mono 16 kHz float32 of an arbitrary file (e.g. a processed track)."""
        return ffmpeg.read_mono(path, self.scratch, SPEECH_RATE, 1)
