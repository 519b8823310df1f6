"""Guards against Whisper's two classic failure modes, applied after decoding.

Whisper's own fallbacks (compression ratio, log-probability, no-speech
probability) act per 30-second window and still let through (a) repetition
loops — the same phrase emitted again and again — and (b) fluent text
invented over silence or noise.  In a de-identification tool both are
harmful: invented text can look like PII that was never said, and a loop
buries what was said.  The guards here are deliberately structural (counts,
probabilities, VAD overlap), never a list of phrases, so they behave the same
in every language.

Every decision is recorded as ``{start, end, reason, words}`` in
``Transcript.dropped`` — times and counts only, never the dropped text — so
the processing log can show what was removed and later stages (e.g. audio
bleeping) can treat those time ranges conservatively.
"""
from __future__ import annotations

import logging
import string
from dataclasses import dataclass, replace
from typing import Any

from mediaanon.records import Segment, Word
from mediaanon.transcription.vad import overlap

log = logging.getLogger(__name__)

_PUNCT = str.maketrans("", "", string.punctuation + "¿¡“”‘’«»…。，、！？：")


@dataclass(frozen=True)
class GuardSettings:
    """Thresholds of the guards (filled from :class:`TranscribeOptions`)."""

    loop_min_repeats: int = 4
    loop_min_words: int = 8
    repeated_segment_limit: int = 3
    silence_no_speech_prob: float = 0.6
    silence_avg_logprob: float = -1.0
    min_speech_overlap: float = 0.1
    max_ngram: int = 12  # longest phrase searched for loops


def normalise(token: str) -> str:
    """Lower-case, punctuation-free form used to compare words and segments."""
    return token.translate(_PUNCT).strip().lower()


def find_loop(tokens: list[str], min_repeats: int, min_words: int, max_ngram: int = 12) -> tuple[int, int, int] | None:
    """First repetition loop in ``tokens`` as (start, n, repeats), or None.

    A loop is an n-gram repeated at least ``min_repeats`` times back to back
    whose repeats span at least ``min_words`` tokens; the longest such run
    starting earliest wins.
    """
    size = len(tokens)
    for start in range(size):
        best: tuple[int, int, int] | None = None
        for n in range(1, min(max_ngram, (size - start) // min_repeats) + 1):
            gram = tokens[start : start + n]
            if not all(gram):
                continue
            repeats = 1
            while tokens[start + repeats * n : start + (repeats + 1) * n] == gram:
                repeats += 1
            if repeats >= min_repeats and n * repeats >= min_words:
                if best is None or n * repeats > best[1] * best[2]:
                    best = (start, n, repeats)
        if best is not None:
            return best
    return None


def drop_record(start: float, end: float, reason: str, words: int) -> dict[str, Any]:
    return {"start": round(start, 3), "end": round(end, 3), "reason": reason, "words": words}


def trim_loops(seg: Segment, settings: GuardSettings) -> tuple[Segment | None, list[dict[str, Any]]]:
    """Cut repetition loops out of one segment, keeping the phrase once.

    A segment without word timings cannot be cut precisely and is dropped
    whole when it loops.
    """
    dropped: list[dict[str, Any]] = []
    if not seg.words:
        tokens = [normalise(t) for t in seg.text.split()]
        if find_loop(tokens, settings.loop_min_repeats, settings.loop_min_words, settings.max_ngram):
            return None, [drop_record(seg.start, seg.end, "repetition_loop", len(tokens))]
        return seg, dropped
    words = list(seg.words)
    while True:
        loop = find_loop([normalise(w.word) for w in words], settings.loop_min_repeats, settings.loop_min_words, settings.max_ngram)
        if loop is None:
            break
        start, n, repeats = loop
        cut = words[start + n : start + n * repeats]
        dropped.append(drop_record(cut[0].start, cut[-1].end, "repetition_loop", len(cut)))
        words = words[: start + n] + words[start + n * repeats :]
    if not dropped:
        return seg, dropped
    return with_words(seg, words), dropped


def with_words(seg: Segment, words: list[Word]) -> Segment:
    """``seg`` rebuilt from ``words``: text is their concatenation, times their span."""
    return replace(seg, words=tuple(words), text="".join(w.word for w in words), start=words[0].start, end=words[-1].end)


def is_silence_hallucination(seg: Segment, settings: GuardSettings) -> bool:
    """Whisper's own silence rule, applied per segment instead of per window."""
    return seg.no_speech_prob > settings.silence_no_speech_prob and seg.avg_logprob < settings.silence_avg_logprob


def speech_fraction(seg: Segment, regions: list[tuple[float, float]]) -> float:
    """Fraction of the segment's words' time (or its span) inside speech regions."""
    spans = [(w.start, w.end) for w in seg.words] or [(seg.start, seg.end)]
    total = sum(max(b - a, 0.0) for a, b in spans)
    if total <= 0.0:  # zero-length timings: test the midpoints instead
        mids = [(a + b) / 2 for a, b in spans]
        return sum(any(r0 <= m <= r1 for r0, r1 in regions) for m in mids) / len(mids)
    return sum(overlap(a, b, regions) for a, b in spans) / total


def apply_guards(
    segments: list[Segment],
    settings: GuardSettings,
    speech_regions: list[tuple[float, float]] | None = None,
) -> tuple[list[Segment], list[dict[str, Any]]]:
    """Return the segments to keep (renumbered) and the drop records.

    ``speech_regions`` (seconds on the input's timeline, from VAD) enables
    the outside-speech check; None skips it.
    """
    kept: list[Segment] = []
    dropped: list[dict[str, Any]] = []
    for seg in segments:
        n_words = len(seg.words) or len(seg.text.split())
        if not seg.text.strip():
            continue
        if is_silence_hallucination(seg, settings):
            dropped.append(drop_record(seg.start, seg.end, "no_speech", n_words))
            continue
        if speech_regions is not None and speech_fraction(seg, speech_regions) < settings.min_speech_overlap:
            dropped.append(drop_record(seg.start, seg.end, "outside_speech", n_words))
            continue
        trimmed, loops = trim_loops(seg, settings)
        dropped.extend(loops)
        if trimmed is not None:
            kept.append(trimmed)
    kept, repeats = drop_repeated_segments(kept, settings.repeated_segment_limit, settings.loop_min_words)
    dropped.extend(repeats)
    dropped.sort(key=lambda d: (d["start"], d["end"]))
    if dropped:
        log.info("guards dropped %d piece(s): %s", len(dropped), count_reasons(dropped))
    return [replace(s, id=i) for i, s in enumerate(kept)], dropped


def drop_repeated_segments(segments: list[Segment], limit: int, min_words: int = 1) -> tuple[list[Segment], list[dict[str, Any]]]:
    """Runs of ``limit`` or more consecutive segments with the same text keep only the first.

    The run must also span ``min_words`` words: three "Hello." segments are
    how a phone call starts, ten "Thank you." segments are a loop.
    """
    kept: list[Segment] = []
    dropped: list[dict[str, Any]] = []
    i = 0
    while i < len(segments):
        key = normalise(segments[i].text)
        j = i + 1
        while j < len(segments) and normalise(segments[j].text) == key:
            j += 1
        kept.append(segments[i])
        run_words = sum(len(x.words) or len(x.text.split()) for x in segments[i:j])
        if j - i >= limit and run_words >= min_words:
            for s in segments[i + 1 : j]:
                dropped.append(drop_record(s.start, s.end, "repeated_segment", len(s.words) or len(s.text.split())))
        else:
            kept.extend(segments[i + 1 : j])
        i = j
    return kept, dropped


def count_reasons(dropped: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in dropped:
        out[d["reason"]] = out.get(d["reason"], 0) + 1
    return out
