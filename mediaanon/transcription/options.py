"""``TranscribeOptions``: every knob of speech recognition, in one frozen dataclass.

The same options drive both engines, so a pipeline can switch
``engine: openai-whisper`` without changing what "beam size 5" or "VAD on"
means.  Defaults follow the lessons of faster-whisper / WhisperX for long
interviews: Silero VAD on (silence is where Whisper hallucinates), no
conditioning on the previous window (it propagates loops), Whisper's own
fallback thresholds, and our guards after decoding (:mod:`.guards`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CT2_COMPUTE_TYPES = ("auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32")
OPENAI_COMPUTE_TYPES = ("auto", "float16", "float32")


@dataclass(frozen=True)
class TranscribeOptions:
    """How speech becomes a timed transcript.  Unknown keys are errors."""

    engine: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"  # CTranslate2 (fast, int8) or the reference PyTorch implementation
    model: str = "whisper-tiny.en"  # manifest name; openai-whisper uses "<model>-openai" (converted on first use)
    language: str | None = None  # ISO code such as "en"; None detects it (English-only models always say "en")
    device: Literal["auto", "cpu", "cuda"] = "auto"  # auto follows --device; a GPU only when the engine's backend sees one
    compute_type: str = "auto"  # auto: int8 on CPU, float16 on CUDA (openai-whisper: float32 / float16)
    cpu_threads: int = 0  # 0: one per available core
    beam_size: int = 5  # beam search width at temperature 0; 1 is greedy (faster, slightly worse)
    best_of: int = 5  # candidates sampled when falling back to temperature > 0
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # fallback ladder when a window fails the checks below
    condition_on_previous_text: bool = False  # feeding the last window's text as a prompt propagates hallucination loops
    compression_ratio_threshold: float = 2.4  # gzip ratio above which a window is re-decoded (repetitive text)
    log_prob_threshold: float = -1.0  # average token log-probability below which a window is re-decoded
    no_speech_threshold: float = 0.6  # no-speech probability above which a low-confidence window counts as silence
    # Whisper's own "skip a suspicious segment next to N s of silence" heuristic; off by default because
    # openai-whisper's version skipped real speech in bench/transcribe.py, silently (not in `dropped`);
    # VAD and the guards below cover silence instead.
    hallucination_silence_threshold: float | None = None
    vad: bool = True  # decode only what Silero VAD calls speech (times are mapped back to the input)
    vad_threshold: float = 0.5  # Silero speech probability above which a frame is speech
    vad_min_silence_ms: int = 2000  # a pause must last this long to split speech regions
    vad_speech_pad_ms: int = 400  # padding kept around each speech region, so word edges are not clipped
    guards: bool = True  # drop repetition loops and segments hallucinated in silence (logged in transcript.dropped)
    loop_min_repeats: int = 4  # an n-gram repeated this many times in a row is a loop…
    loop_min_words: int = 8  # …when the repeats cover at least this many words (so "no, no, no, no" survives)
    repeated_segment_limit: int = 3  # this many consecutive identical segments spanning loop_min_words words are a loop: all but the first are dropped
    silence_no_speech_prob: float = 0.6  # a segment this likely to be silence…
    silence_avg_logprob: float = -1.0  # …and this unsure of its text is dropped as hallucinated
    min_speech_overlap: float = 0.1  # with VAD: a segment overlapping speech regions less than this fraction is dropped

    def validate(self) -> None:
        allowed = CT2_COMPUTE_TYPES if self.engine == "faster-whisper" else OPENAI_COMPUTE_TYPES
        if self.compute_type not in allowed:
            raise ValueError(f"compute_type {self.compute_type!r} is not supported by {self.engine}; use one of {', '.join(allowed)}")
        if self.beam_size < 1 or self.best_of < 1:
            raise ValueError("beam_size and best_of must be at least 1")
        if self.cpu_threads < 0:
            raise ValueError("cpu_threads must be 0 (all cores) or more")
        if not self.temperatures or any(not 0.0 <= t <= 1.0 for t in self.temperatures):
            raise ValueError("temperatures must be a non-empty list of values within 0..1")
        if not 0.0 < self.vad_threshold < 1.0:
            raise ValueError("vad_threshold must be within 0..1")
        if self.loop_min_repeats < 2 or self.repeated_segment_limit < 2:
            raise ValueError("loop_min_repeats and repeated_segment_limit must be at least 2")
        if not 0.0 <= self.min_speech_overlap <= 1.0:
            raise ValueError("min_speech_overlap must be within 0..1")
        if self.language is not None and not self.language.isalpha():
            raise ValueError(f"language must be a language code such as 'en', got {self.language!r}")
