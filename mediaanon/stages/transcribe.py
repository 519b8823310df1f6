"""``transcribe``: the recording's original speech -> a timed, guarded transcript.

It runs on the *original* audio (``recording.speech()``) and refuses to run
after ``anonymize_voice``: ASR degrades on transformed voices, and every later
decision (text redaction, bleeps) hangs off these word timestamps.  The
engine (faster-whisper by default, openai-whisper as the reference) is loaded
once in ``__init__`` so a missing model stops the run before any media is
touched.  The summary carries counts, times and settings, never text.
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from mediaanon.errors import InputError
from mediaanon.hooks import Progress
from mediaanon.stage import RunContext, Stage
from mediaanon.transcription import TranscribeOptions, load_engine
from mediaanon.transcription.guards import count_reasons

if TYPE_CHECKING:
    from mediaanon.hooks import Hook
    from mediaanon.recording import Recording

log = logging.getLogger(__name__)


class Transcribe(Stage):
    name = "transcribe"
    Options = TranscribeOptions
    requires = frozenset({"audio"})
    assigns = frozenset({"transcript"})
    refuses = frozenset({"voice_transformed"})
    media_kinds = frozenset({"audio", "video"})
    description = "Whisper transcript with word timestamps (VAD, hallucination guards)"

    def __init__(self, options: Any, context: RunContext):
        super().__init__(options, context)
        self.engine = load_engine(self.options, context)
        self.models_used = list(self.engine.models_used)

    def __call__(self, recording: "Recording", hook: "Hook") -> dict[str, Any]:
        audio = recording.speech()
        if audio.size == 0:
            raise InputError(f"{recording.id}: no speech audio (the audio stream decodes to zero samples)")
        seconds = audio.size / 16000

        def progress(done: float, total: float) -> None:
            hook(Progress(recording.id, self.name, round(done, 2), round(total, 2), "s"))

        started = time.perf_counter()
        transcript = self.engine.transcribe(audio, hook=progress)
        elapsed = time.perf_counter() - started
        recording.transcript = transcript
        recording.facts.add("transcript")
        stats = self.engine.last_run
        summary: dict[str, Any] = {
            **self.engine.describe(),
            "language": transcript.language,
            "language_probability": transcript.language_probability,
            "segments": len(transcript.segments),
            "words": sum(len(s.words) for s in transcript.segments),
            "dropped": count_reasons(transcript.dropped),
            "dropped_ranges": [dict(d) for d in transcript.dropped],
            "audio_seconds": round(seconds, 3),
            "speech_seconds": round(stats.speech_seconds, 3),
            "speech_regions": stats.speech_regions,
            "seconds": round(elapsed, 3),
            "realtime_factor": round(elapsed / seconds, 4) if seconds else None,
        }
        log.info(
            "%s: %d segments, %d words, %s on %s, RTF %.3f",
            recording.id, summary["segments"], summary["words"], self.engine.name, self.engine.device, summary["realtime_factor"] or 0.0,
        )
        return summary

    def close(self) -> None:
        self.engine.close()
