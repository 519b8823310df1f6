"""``diarize_speakers``: who said what, offline (Resemblyzer + Silero VAD + word times).

Runs after ``transcribe`` and before ``redact_transcript`` (it refuses to run
after it): segments that span a turn are split on the ``Transcript`` itself,
and the redaction's character offsets are into the text of those segments.
The split never changes ``Transcript.text``, so PII spans, bleeps and
subtitles stay on one timeline.  A stereo recording with one speaker per
channel is detected and split by channel (no flag needed).

Labels are ``S1``, ``S2`` … by order of first speech, or the roles given with
``names`` / ``--speaker-names`` ("Interviewer,Participant").  The summary
for the processing log has talk time and turns per speaker, the method and
its scores; speaker embeddings never leave :mod:`mediaanon.speakers`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mediaanon.audio import wavio
from mediaanon.errors import StageError
from mediaanon.hooks import Progress
from mediaanon.speakers import turns as turn_ops
from mediaanon.speakers.cluster import parse_count
from mediaanon.speakers.turns import parse_names
from mediaanon.speakers.diarize import Diarizer
from mediaanon.stage import ModelUse, RunContext, Stage

if TYPE_CHECKING:
    from mediaanon.hooks import Hook
    from mediaanon.recording import Recording

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class SpeakerOptions:
    speakers: str = "auto"  # auto (1-6, interviews are usually 2-3) | N (exactly) | MIN-MAX; a known count helps most
    stereo: bool = True  # a stereo track with one voice per channel (lavalier pair, call recorder) is split by channel
    names: str = ""  # comma-separated roles for S1, S2 … by first speech, e.g. "Interviewer,Participant"; never real names

    def validate(self) -> None:
        parse_count(self.speakers)
        parse_names(self.names)


class DiarizeSpeakers(Stage):
    name = "diarize_speakers"
    Options = SpeakerOptions
    requires = frozenset({"audio"})
    assigns = frozenset({"speakers"})
    refuses = frozenset({"pii"})
    media_kinds = frozenset({"audio", "video"})
    description = "Who spoke when (Resemblyzer + VAD + word times, or one speaker per stereo channel); labels on every word"

    def __init__(self, options: Any, context: RunContext):
        super().__init__(options, context)
        extra = parse_names(context.extra.get("speaker_names")) if context.extra.get("speaker_names") else []
        self.names = extra or parse_names(self.options.names)
        device = "cuda" if context.device == "cuda" else "cpu"
        self.diarizer = Diarizer(context.models_dir, device, context.threads)
        m = self.diarizer.model
        self.models_used.append(ModelUse(m.spec.name, m.sha256, str(m.path), self.diarizer.device))

    def __call__(self, recording: "Recording", hook: "Hook") -> dict[str, Any]:
        audio = recording.speech()
        if audio.size == 0:
            raise StageError(f"{recording.id}: diarize_speakers found no audio")
        hook(Progress(recording.id, self.name, 0, 1, "recordings"))
        started = time.perf_counter()
        d = self.diarizer.diarize(audio, recording.transcript, self.options.speakers,
                                  channels=self._channels(recording) if self.options.stereo else None,
                                  detect_stereo=self.options.stereo)
        if self.names:
            d = d.renamed(turn_ops.names_map(d.speakers, self.names))
        split_stats: dict[str, int] = {}
        if recording.transcript is not None:
            try:
                recording.transcript, split_stats = turn_ops.label_transcript(recording.transcript, d)
            except ValueError as exc:
                raise StageError(f"{recording.id}: {exc}") from None
        recording.speakers = d
        elapsed = time.perf_counter() - started
        hook(Progress(recording.id, self.name, 1, 1, "recordings"))
        seconds = audio.size / 16000
        log.info("%s: %d speaker(s) by %s", recording.id, len(d.speakers), d.method)
        return {
            "method": d.method,
            "speakers": len(d.speakers),
            "labels": list(d.speakers),
            "named": bool(self.names),
            "per_speaker": turn_ops.talk_stats(d),
            "overlap_seconds": round(sum(b - a for a, b in d.overlaps), 2),
            "transcript": split_stats,
            "details": d.details,
            "seconds": round(elapsed, 3),
            "realtime_factor": round(elapsed / seconds, 4) if seconds else None,
        }

    def _channels(self, recording: "Recording") -> tuple[np.ndarray, np.ndarray] | None:
        """Both channels of the input's only audio stream at 16 kHz, if it is stereo (else ``None``)."""
        streams = recording.probe.audio_streams
        if len(streams) != 1 or streams[0].channels != 2 or "audio_edited" in recording.facts:
            return None
        track = wavio.read(recording.original_audio_tracks()[0])
        if track.channels != 2:
            return None
        return tuple(wavio.resample(track.samples[:, c], track.sample_rate, 16000).astype(np.float32)
                     for c in range(2))  # type: ignore[return-value]

    def close(self) -> None:
        self.diarizer = None  # type: ignore[assignment]
