"""Voice activity detection and the time map that undoes it.

Both engines decode only the speech that Silero VAD finds (faster-whisper's
``vad_filter`` recipe, applied here once so that the two engines see exactly
the same audio): the speech regions are cut out and concatenated, decoded,
and every timestamp is mapped back to the input's timeline by
:class:`TimeMap`.  The regions are also what the silence guard checks
segments against.  Silero ships inside faster-whisper (ONNX, CPU).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from mediaanon.records import Segment, Word

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class SpeechChunk:
    """One speech region of the input, in samples (end exclusive)."""

    start: int
    end: int

    @property
    def seconds(self) -> tuple[float, float]:
        return self.start / SAMPLE_RATE, self.end / SAMPLE_RATE


def detect_speech(audio: np.ndarray, threshold: float, min_silence_ms: int, speech_pad_ms: int) -> list[SpeechChunk]:
    """Silero VAD speech regions of 16 kHz mono audio."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(threshold=threshold, min_silence_duration_ms=min_silence_ms, speech_pad_ms=speech_pad_ms)
    return [SpeechChunk(int(c["start"]), int(c["end"])) for c in get_speech_timestamps(audio, opts)]


def cut(audio: np.ndarray, chunks: list[SpeechChunk]) -> np.ndarray:
    """The speech regions, concatenated (what the decoder sees)."""
    if not chunks:
        return np.zeros(0, np.float32)
    return np.concatenate([audio[c.start : c.end] for c in chunks]).astype(np.float32, copy=False)


class TimeMap:
    """Maps a time in the concatenated speech back to the input's timeline.

    A time is mapped through the chunk it falls in (the silence removed
    before that chunk is added back).  A word is mapped as a whole through
    the chunk holding its middle, so a word is never stretched across a cut
    silence — the same rule as faster-whisper's ``restore_speech_timestamps``.
    """

    def __init__(self, chunks: list[SpeechChunk], sample_rate: int = SAMPLE_RATE):
        self.rate = sample_rate
        self.cut_ends: list[int] = []  # end of each chunk on the concatenated timeline
        self.offsets: list[float] = []  # seconds of silence removed before each chunk
        removed = previous_end = 0
        for c in chunks:
            removed += c.start - previous_end
            previous_end = c.end
            self.cut_ends.append(c.end - removed)
            self.offsets.append(removed / sample_rate)

    def chunk_of(self, t: float, is_end: bool = False) -> int:
        """Index of the chunk holding concatenated time ``t`` (an end on a boundary stays left)."""
        if not self.cut_ends:
            return 0
        sample = int(round(t * self.rate))
        index = bisect.bisect_left(self.cut_ends, sample) if is_end else bisect.bisect_right(self.cut_ends, sample)
        return min(index, len(self.cut_ends) - 1)

    def original(self, t: float, chunk: int | None = None, is_end: bool = False) -> float:
        if not self.offsets:
            return t
        index = self.chunk_of(t, is_end) if chunk is None else chunk
        return round(t + self.offsets[index], 3)

    def segment(self, seg: Segment) -> Segment:
        """``seg`` with its own and its words' times on the input's timeline."""
        if not seg.words:
            return _replace(seg, start=self.original(seg.start), end=self.original(seg.end, is_end=True))
        words = []
        for w in seg.words:
            index = self.chunk_of((w.start + w.end) / 2)
            words.append(Word(self.original(w.start, index), self.original(w.end, index), w.word, w.probability))
        return _replace(seg, start=words[0].start, end=words[-1].end, words=tuple(words))


def _replace(seg: Segment, **changes: object) -> Segment:
    from dataclasses import replace

    return replace(seg, **changes)


def overlap(start: float, end: float, regions: list[tuple[float, float]]) -> float:
    """Seconds of ``[start, end]`` covered by ``regions`` (sorted, non-overlapping)."""
    total = 0.0
    for a, b in regions:
        if b <= start:
            continue
        if a >= end:
            break
        total += min(b, end) - max(a, start)
    return total
