"""The engine contract and ``load_engine``: one call from options to a ready recogniser.

Callers (the ``transcribe`` stage, the audio leak check) only need::

    engine = load_engine(TranscribeOptions(...) or {"model": ...}, context)
    transcript = engine.transcribe(audio_16k_mono_float32)

Everything engine-independent lives in :class:`Engine`: input checks, VAD
and the time map, guards, the ``Transcript`` record.  Subclasses implement
only ``_load`` and ``_decode`` (speech in, segments on the decoded audio's
timeline out), so both engines share the same pre- and post-processing and
a benchmark compares decoders, not recipes.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

import numpy as np

from mediaanon import models
from mediaanon.errors import ConfigError, InputError
from mediaanon.options import build_options
from mediaanon.records import Segment, Transcript
from mediaanon.stage import ModelUse, RunContext
from mediaanon.transcription import convert  # noqa: F401  (registers the model converters)
from mediaanon.transcription.guards import GuardSettings, apply_guards
from mediaanon.transcription.options import TranscribeOptions
from mediaanon.transcription.pieces import decode_in_pieces
from mediaanon.transcription.vad import SAMPLE_RATE, TimeMap, cut, detect_speech, speech_probs

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, float], None]  # (seconds decoded, seconds total)


@dataclass
class Decoded:
    """What a backend returns for the (VAD-cut) audio it was given."""

    segments: list[Segment]
    language: str
    language_probability: float


@dataclass
class RunStats:
    """Facts about the last ``transcribe`` call, for summaries and benchmarks."""

    audio_seconds: float = 0.0
    speech_seconds: float = 0.0
    speech_regions: int = 0
    decode_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class Engine:
    """A loaded Whisper model plus the shared recipe around it."""

    name: str = ""

    def __init__(self, options: TranscribeOptions, context: RunContext):
        self.options = options
        self.context = context
        self.device, self.device_note = pick_device(options.device, context.device, self._cuda_available())
        self.compute_type = self._compute_type()
        self.threads = options.cpu_threads or context.threads or available_cores()  # context: --jobs share
        self.models_used: list[ModelUse] = []
        self.last_run = RunStats()
        self._load()
        self.model_use = self.models_used[0]
        if options.vad:
            vad = models.resolve("silero-vad", context.models_dir)
            self.models_used.append(ModelUse(vad.spec.name, vad.sha256, str(vad.path), "cpu"))

    # -- to implement -------------------------------------------------------
    def _cuda_available(self) -> bool:
        raise NotImplementedError

    def _compute_type(self) -> str:
        raise NotImplementedError

    def _load(self) -> None:
        """Resolve and load the model; append its ``ModelUse`` first to ``models_used``."""
        raise NotImplementedError

    def _decode(self, audio: np.ndarray, progress: ProgressFn | None) -> Decoded:
        raise NotImplementedError

    # -- shared -------------------------------------------------------------
    @property
    def multilingual(self) -> bool:
        return not self.options.model.split("-openai")[0].endswith(".en")

    def _decode_as(self, audio: np.ndarray, progress: ProgressFn | None, language: str | None) -> Decoded:
        """``_decode`` with the language forced to ``language`` (a later piece of one recording)."""
        if language is None or self.options.language is not None or not self.multilingual:
            return self._decode(audio, progress)
        options = self.options
        self.options = replace(options, language=language)
        try:
            return self._decode(audio, progress)
        finally:
            self.options = options

    def language_for_decoding(self) -> str | None:
        """The forced language, or None to detect; English-only models must be told 'en'."""
        lang = self.options.language
        if not self.multilingual:
            if lang not in (None, "en"):
                raise ConfigError(f"model {self.options.model} is English-only; language {lang!r} is not possible")
            return "en"
        return lang

    def decoding_settings(self) -> dict[str, Any]:
        """The decoding options both engines take under the same names (their spellings of the
        temperature schedule and log-probability threshold differ, so those stay with each engine)."""
        o = self.options
        return {
            "beam_size": o.beam_size,
            "best_of": o.best_of,
            "compression_ratio_threshold": o.compression_ratio_threshold,
            "no_speech_threshold": o.no_speech_threshold,
            "condition_on_previous_text": o.condition_on_previous_text,
            "word_timestamps": True,
            "hallucination_silence_threshold": o.hallucination_silence_threshold,
        }

    def describe(self) -> dict[str, Any]:
        """Effective settings for the processing log (device after any fallback)."""
        out = {
            "engine": self.name,
            "model": self.model_use.name,
            "model_sha256": self.model_use.sha256,
            "device": self.device,
            "compute_type": self.compute_type,
            "cpu_threads": self.threads,
        }
        if self.device_note:
            out["device_fallback"] = self.device_note
        return out

    def transcribe(self, audio: np.ndarray, hook: ProgressFn | None = None) -> Transcript:
        """Transcribe 16 kHz mono float32 ``audio``; word times are seconds of that audio.

        ``hook(done_seconds, total_seconds)`` is called as decoding advances.
        Raises :class:`InputError` for empty or non-finite audio.
        """
        audio = check_audio(audio)
        total = len(audio) / SAMPLE_RATE
        stats = RunStats(audio_seconds=total)
        regions_s: list[tuple[float, float]] | None = None
        timemap: TimeMap | None = None
        speech = audio
        probs = None
        if self.options.vad:
            probs = speech_probs(audio)  # kept on the transcript: diarization derives its own regions from them
            chunks = detect_speech(audio, self.options.vad_threshold, self.options.vad_min_silence_ms,
                                   self.options.vad_speech_pad_ms, probs)
            regions_s = [c.seconds for c in chunks]
            speech, timemap = cut(audio, chunks), TimeMap(chunks)
            stats.speech_regions = len(chunks)
        stats.speech_seconds = len(speech) / SAMPLE_RATE
        log.info("%s: %.1f s of audio, %.1f s of speech in %d region(s)", self.name, total, stats.speech_seconds, stats.speech_regions)
        started = time.perf_counter()
        if len(speech) == 0:
            decoded = Decoded([], self.language_for_decoding() or "", 0.0)
        else:
            tm = timemap
            inner = None if hook is None else (lambda done, _t: hook(min(tm.original(done) if tm else done, total), total))
            decoded = decode_in_pieces(self._decode_as, speech, SAMPLE_RATE, inner)
        stats.decode_seconds = time.perf_counter() - started
        segments = [timemap.segment(s) for s in decoded.segments] if timemap else decoded.segments
        segments = [clamp(s, total) for s in segments]
        dropped: list[dict[str, Any]] = []
        if self.options.guards:
            segments, dropped = apply_guards(segments, guard_settings(self.options), regions_s)
        self.last_run = stats
        if hook is not None:
            hook(total, total)
        return Transcript(
            segments=segments,
            language=decoded.language,
            language_probability=round(float(decoded.language_probability), 4),
            engine=self.name,
            model=self.model_use.name,
            dropped=dropped,
            speech_probs=probs,
        )

    def close(self) -> None:
        """Drop the model so its memory can be reclaimed."""


def check_audio(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise InputError(f"speech audio must be mono (1-D), got shape {audio.shape}")
    if audio.size == 0:
        raise InputError("no speech audio: the audio is empty (zero samples)")
    audio = audio.astype(np.float32, copy=False)
    if not np.isfinite(audio).all():
        raise InputError("speech audio contains NaN or infinite samples")
    return audio


def clamp(seg: Segment, total: float) -> Segment:
    """Keep times inside the audio and each word's end after its start (engines round)."""
    from dataclasses import replace

    from mediaanon.records import Word

    def fix(a: float, b: float) -> tuple[float, float]:
        a = min(max(a, 0.0), total)
        return a, min(max(b, a), total)

    words = tuple(Word(*fix(w.start, w.end), w.word, w.probability) for w in seg.words)
    start, end = fix(seg.start, seg.end)
    return replace(seg, start=start, end=end, words=words)


def guard_settings(o: TranscribeOptions) -> GuardSettings:
    return GuardSettings(
        loop_min_repeats=o.loop_min_repeats,
        loop_min_words=o.loop_min_words,
        repeated_segment_limit=o.repeated_segment_limit,
        silence_no_speech_prob=o.silence_no_speech_prob,
        silence_avg_logprob=o.silence_avg_logprob,
        min_speech_overlap=o.min_speech_overlap,
    )


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def pick_device(requested: str, run_device: str, cuda_available: bool) -> tuple[str, str]:
    """(effective device, fallback note).  The note is empty unless CUDA was asked for and is absent.

    ``requested`` is the stage option; ``auto`` defers to the run's ``--device``.
    """
    want = run_device if requested == "auto" else requested
    if want not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"device must be auto, cpu or cuda, got {want!r}")
    if want == "cpu":
        return "cpu", ""
    if cuda_available:
        return "cuda", ""
    if want == "cuda":
        note = "cuda requested but no CUDA device is visible to the engine; running on CPU"
        log.warning(note)
        return "cpu", note
    return "cpu", ""


ENGINES: dict[str, tuple[str, str]] = {
    "faster-whisper": ("mediaanon.transcription.faster", "FasterWhisperEngine"),
    "openai-whisper": ("mediaanon.transcription.openai_whisper", "OpenAIWhisperEngine"),
}


def load_engine(options: TranscribeOptions | Mapping[str, Any] | None, context: RunContext | None = None) -> Engine:
    """Build the engine named by ``options.engine`` with its model loaded.

    ``options`` may be a :class:`TranscribeOptions` or a plain mapping of its
    fields (validated the same way as pipeline YAML).  Raises
    :class:`~mediaanon.errors.ModelError` when the model is missing and
    :class:`~mediaanon.errors.ConfigError` for impossible settings.
    """
    import importlib

    opts = build_options(TranscribeOptions, options, "transcribe")
    module, cls = ENGINES[opts.engine]
    engine_cls = getattr(importlib.import_module(module), cls)
    return engine_cls(opts, context or RunContext())
