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

from mediaanon.records import Segment, SpeechProbs, Word

SAMPLE_RATE = 16000
FRAME = 512  # samples per Silero probability (32 ms)


@dataclass(frozen=True)
class SpeechChunk:
    """One speech region of the input, in samples (end exclusive)."""

    start: int
    end: int

    @property
    def seconds(self) -> tuple[float, float]:
        return self.start / SAMPLE_RATE, self.end / SAMPLE_RATE


def detect_speech(audio: np.ndarray, threshold: float, min_silence_ms: int, speech_pad_ms: int,
                  probs: SpeechProbs | None = None) -> list[SpeechChunk]:
    """Silero VAD speech regions of 16 kHz mono audio (from ``probs`` when they are for this audio)."""
    if probs is None or probs.samples != len(audio):
        probs = speech_probs(audio)
    return regions_from_probs(probs, threshold, min_silence_ms, speech_pad_ms)


CONTEXT = 64  # samples of the previous frame Silero sees before each frame
BATCH = 1000  # frames per network call (faster-whisper's call uses 10,000: the same bits, 10x the activations)


def speech_probs(audio: np.ndarray) -> SpeechProbs:
    """Silero's per-frame speech probabilities, computed as ``get_speech_timestamps`` does.

    Bit for bit what ``get_vad_model()(padded)`` returns (``tests/test_transcribe_vad.py``),
    but built one network batch at a time.  Why: faster-whisper's call pads a copy of the whole
    input and then builds a second, context-widened copy of it before the first batch runs;
    for an hour of 16 kHz audio that is 470 MB held at once beside the audio itself, and it
    was the peak of the audio stages.  Here one batch of 1,000 frames exists at a time, and
    the recurrent state is carried across batches exactly as their loop carries it.  Their
    10,000-frame batch also costs ~300 MB of network activations per call; the output does
    not depend on the batch size (the test compares our 1,000-frame batches with theirs).
    """
    from faster_whisper.vad import get_vad_model

    audio = np.asarray(audio, np.float32)
    n = int(audio.shape[0])
    frames = n // FRAME + 1  # a whole frame of padding when already aligned, like theirs
    session = get_vad_model().session
    h = np.zeros((1, 1, 128), np.float32)
    c = np.zeros((1, 1, 128), np.float32)
    outputs = []
    for first in range(0, frames, BATCH):
        last = min(first + BATCH, frames)
        batch = np.zeros((last - first, CONTEXT + FRAME), np.float32)
        lo = first * FRAME - CONTEXT  # the batch's samples, with the context of its first frame
        block = np.zeros((last - first) * FRAME + CONTEXT, np.float32)
        have = audio[max(lo, 0) : min(last * FRAME, n)]
        block[max(-lo, 0) : max(-lo, 0) + len(have)] = have
        if last == frames:
            block[-CONTEXT:] = 0  # theirs zeroes the last frame's tail in place (its context row is rolled to frame 0)
        batch[:, CONTEXT:] = block[CONTEXT:].reshape(-1, FRAME)
        batch[:, :CONTEXT] = block[: (last - first) * FRAME].reshape(-1, FRAME)[:, :CONTEXT]
        if first == 0:
            batch[0, :CONTEXT] = 0
        out, h, c = session.run(None, {"input": batch, "h": h, "c": c})
        outputs.append(np.asarray(out, np.float32).reshape(-1))
    return SpeechProbs(np.concatenate(outputs), n, FRAME)


def regions_from_probs(probs: SpeechProbs, threshold: float, min_silence_ms: int, speech_pad_ms: int,
                       min_speech_ms: int = 0, max_speech_s: float = float("inf")) -> list[SpeechChunk]:
    """faster-whisper's ``get_speech_timestamps`` region rule, applied to probabilities already computed.

    A line-by-line port (faster-whisper 1.2, ``neg_threshold`` left at its
    default) so that the transcription and the diarization each get their
    own regions from one run of the network; ``tests/test_transcribe_vad.py``
    checks it against ``get_speech_timestamps`` on real audio.  Comparisons
    are made in float32, as theirs are (a float32 array against a Python float).
    """
    window, rate, n = probs.frame, SAMPLE_RATE, probs.samples
    min_speech = rate * min_speech_ms / 1000
    pad = rate * speech_pad_ms / 1000
    max_speech = rate * max_speech_s - window - 2 * pad
    min_silence = rate * min_silence_ms / 1000
    min_silence_at_max = rate * 98 / 1000
    neg_threshold = max(threshold - 0.15, 0.01)
    above = (probs.probs >= np.float32(threshold)).tolist()
    below = (probs.probs < np.float32(neg_threshold)).tolist()

    triggered = False
    speeches: list[dict[str, int]] = []
    current: dict[str, int] = {}
    temp_end = prev_end = next_start = 0
    for i, (speech, silent) in enumerate(zip(above, below)):
        at = window * i
        if speech and temp_end:
            temp_end = 0
            if next_start < prev_end:
                next_start = at
        if speech and not triggered:
            triggered = True
            current["start"] = at
            continue
        if triggered and at - current["start"] > max_speech:
            if prev_end:
                current["end"] = prev_end
                speeches.append(current)
                current = {}
                if next_start < prev_end:
                    triggered = False
                else:
                    current["start"] = next_start
                prev_end = next_start = temp_end = 0
            else:
                current["end"] = at
                speeches.append(current)
                current = {}
                prev_end = next_start = temp_end = 0
                triggered = False
                continue
        if silent and triggered:
            if not temp_end:
                temp_end = at
            if at - temp_end > min_silence_at_max:
                prev_end = temp_end
            if at - temp_end < min_silence:
                continue
            current["end"] = temp_end
            if current["end"] - current["start"] > min_speech:
                speeches.append(current)
            current = {}
            prev_end = next_start = temp_end = 0
            triggered = False
            continue
    if current and n - current["start"] > min_speech:
        current["end"] = n
        speeches.append(current)
    _pad(speeches, pad, n)
    return [SpeechChunk(int(c["start"]), int(c["end"])) for c in speeches]


def _pad(speeches: list[dict[str, int]], pad: float, n: int) -> None:
    """Widen each region by ``pad`` samples, sharing a shorter silence half and half (their rule)."""
    for i, speech in enumerate(speeches):
        if i == 0:
            speech["start"] = int(max(0, speech["start"] - pad))
        if i != len(speeches) - 1:
            silence = speeches[i + 1]["start"] - speech["end"]
            if silence < 2 * pad:
                speech["end"] += int(silence // 2)
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - silence // 2))
            else:
                speech["end"] = int(min(n, speech["end"] + pad))
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - pad))
        else:
            speech["end"] = int(min(n, speech["end"] + pad))


class Spliced:
    """The speech regions of ``audio``, concatenated (what the decoder sees), built one slice at a time.

    Why not one array: the decoder reads the speech a piece (at most five minutes) at a time, and
    a concatenated copy of an hour's speech is 220 MB held beside the audio for the whole decode,
    in the transcription and in every leak-check pass.  A slice here is the same samples that
    slicing the concatenation gives (``tests/test_transcribe_vad.py``); ``len`` is its length.
    """

    def __init__(self, audio: np.ndarray, chunks: list[SpeechChunk]):
        self.audio = audio
        self.chunks = [c for c in chunks if c.end > c.start]
        self.ends = np.cumsum([c.end - c.start for c in self.chunks]).tolist()  # on the concatenated timeline

    def __len__(self) -> int:
        return int(self.ends[-1]) if self.ends else 0

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("Spliced speech takes plain slices")
        lo, hi, _ = key.indices(len(self))
        parts, i = [], bisect.bisect_right(self.ends, lo)
        while lo < hi and i < len(self.chunks):
            begin = self.ends[i] - (self.chunks[i].end - self.chunks[i].start)  # chunk i's first concatenated sample
            start = self.chunks[i].start + lo - begin
            take = min(hi, self.ends[i]) - lo
            parts.append(self.audio[start : start + take])
            lo += take
            i += 1
        return np.concatenate(parts).astype(np.float32, copy=False) if parts else np.zeros(0, np.float32)


def cut(audio: np.ndarray, chunks: list[SpeechChunk]) -> Spliced:
    """The speech regions, concatenated (what the decoder sees), as a :class:`Spliced` view."""
    return Spliced(audio, chunks)


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
