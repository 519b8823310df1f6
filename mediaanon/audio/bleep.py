"""Where to bleep and how: PII spans → audio intervals → tone or silence.

Pure functions, no I/O.  The same :class:`~mediaanon.records.PiiSpan`
decisions that redact the transcript and the subtitles decide what is
bleeped (one timeline), and the mapping is fail-closed:

- the span's own ``t0``/``t1`` (when the redaction stage set them) are
  always covered;
- the words under the span's characters are found again in the transcript,
  and their times are covered too;
- a word whose timing cannot be trusted — no duration, outside its segment,
  overlapping its predecessor, or containing digits/symbols (aligners place
  "2014", "£13.60" or an e-mail address badly) — widens the interval to the
  neighbouring trusted words (end of the previous, start of the next), or to
  the segment's edges when there is none;
- a span whose words cannot be located in the text is widened to its whole
  segment.

Intervals are padded, clipped to the recording and merged.  The audio edit
crossfades into the tone/silence over a short raised-cosine ramp placed
*outside* the interval, so no click is heard and no PII sample survives.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal

import numpy as np

from mediaanon.records import PiiSpan, Segment, Transcript
from mediaanon.redaction.timemap import TimeMap

MIN_WORD_S = 0.03  # a word shorter than this was not really placed by the aligner
OVERLAP_TOL_S = 0.05  # how far a word may start before its predecessor ends
EDGE_TOL_S = 0.5  # how far a word may stick out of its segment
_UNTIMED_CHARS = re.compile(r"[0-9@£$€%&#/+=]")


@dataclass(frozen=True)
class TimedWord:
    """A transcript word with its character range in ``Transcript.text``."""

    segment: int  # index into transcript.segments
    start_char: int
    end_char: int
    start: float
    end: float
    reliable: bool  # whether its start/end can be trusted for bleeping


@dataclass(frozen=True)
class Interval:
    """One stretch of audio to replace, with the spans that caused it."""

    t0: float
    t1: float
    spans: tuple[int, ...]  # indices into the PII span list
    widened: bool = False  # some span needed widening beyond its own words

    @property
    def duration(self) -> float:
        return self.t1 - self.t0


def word_map(transcript: Transcript) -> tuple[list[TimedWord], list[tuple[int, int]], set[int]]:
    """Every word of ``transcript`` with its characters in ``transcript.text``.

    The words are located by :class:`~mediaanon.redaction.timemap.TimeMap`,
    the same mapping that placed the redaction's spans in time (one
    timeline); bleeping then judges their times by its stricter rule
    (:func:`_reliable`).  Returns the words, each segment's character range
    (empty for a segment without text), and the segments whose words could
    not all be located in their text (no word-level decision inside them is
    trusted).
    """
    tm = TimeMap(transcript)
    words: list[TimedWord] = []
    prev_end, current = 0.0, -1
    for w in tm.words:
        seg = transcript.segments[w.segment]
        if w.segment != current:
            prev_end, current = seg.start, w.segment
        token = tm.text[w.start:w.end]
        words.append(TimedWord(w.segment, w.start, w.end, w.t0, w.t1, _reliable(w.t0, w.t1, token, seg, prev_end)))
        prev_end = max(prev_end, w.t1)
    seg_ranges = [r if r is not None else (0, 0) for r in tm.ranges]
    return words, seg_ranges, set(tm.unlocated)


def _reliable(start: float, end: float, token: str, seg: Segment, prev_end: float) -> bool:
    return not (
        end - start < MIN_WORD_S
        or start < seg.start - EDGE_TOL_S
        or end > seg.end + EDGE_TOL_S
        or start < prev_end - OVERLAP_TOL_S
        or _UNTIMED_CHARS.search(token)
    )


def span_times(span: PiiSpan, transcript: Transcript | None,
               mapped: tuple[list[TimedWord], list[tuple[int, int]], set[int]] | None = None) -> tuple[float, float, bool]:
    """(t0, t1, widened) that certainly contain ``span``'s speech.

    Raises ``ValueError`` when neither the transcript nor the span gives any
    time (the caller fails the recording rather than leave it unbleeped).
    """
    own = span.t0 is not None and span.t1 is not None and span.timing != "none"
    t0, t1 = (float(span.t0), float(span.t1)) if own else (np.inf, -np.inf)
    widened = span.timing in ("widened", "segment")
    if transcript is None:
        if not own:
            raise ValueError("PII span without times and no transcript to place it")
        return t0, t1, widened
    words, seg_ranges, unaligned = mapped or word_map(transcript)
    segs = [i for i, (a, b) in enumerate(seg_ranges) if a < span.end and span.start < b]
    if not segs:
        if not own:
            raise ValueError("PII span lies outside the transcript text")
        return t0, t1, widened
    hit = [w for w in words if w.start_char < span.end and span.start < w.end_char]
    if any(s in unaligned for s in segs) or not hit:
        for s in segs:  # the whole segment(s)
            t0, t1 = min(t0, transcript.segments[s].start), max(t1, transcript.segments[s].end)
        return t0, t1, True
    for w in hit:
        if w.reliable:
            t0, t1 = min(t0, w.start), max(t1, w.end)
    if all(w.reliable for w in hit):
        return t0, t1, widened
    first, last = words.index(hit[0]), words.index(hit[-1])
    left = next((w.end for w in reversed(words[:first]) if w.reliable and w.segment == hit[0].segment), None)
    right = next((w.start for w in words[last + 1:] if w.reliable and w.segment == hit[-1].segment), None)
    left = transcript.segments[hit[0].segment].start if left is None else left
    right = transcript.segments[hit[-1].segment].end if right is None else right
    return min(t0, left), max(t1, right), True


def plan(spans: Iterable[PiiSpan], transcript: Transcript | None, duration: float, *,
         pad_before: float = 0.15, pad_after: float = 0.15, merge_gap: float = 0.1) -> list[Interval]:
    """Padded, clipped, merged intervals covering every span (fail-closed)."""
    mapped = word_map(transcript) if transcript is not None else None
    raw: list[Interval] = []
    for i, span in enumerate(spans):
        t0, t1, widened = span_times(span, transcript, mapped)
        a, b = max(0.0, t0 - pad_before), min(duration, t1 + pad_after)
        if b > a:
            raw.append(Interval(a, b, (i,), widened))
    return merge(raw, merge_gap)


def merge(intervals: list[Interval], gap: float = 0.0) -> list[Interval]:
    """Union of intervals; those closer than ``gap`` seconds become one."""
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda x: (x.t0, x.t1)):
        if out and iv.t0 <= out[-1].t1 + gap:
            last = out[-1]
            out[-1] = Interval(last.t0, max(last.t1, iv.t1), last.spans + iv.spans, last.widened or iv.widened)
        else:
            out.append(iv)
    return out


def apply(samples: np.ndarray, sample_rate: int, intervals: Iterable[Interval], *,
          mode: Literal["tone", "silence"] = "tone", tone_hz: float = 1000.0, tone_db: float = -20.0,
          ramp_s: float = 0.01, offset: int = 0) -> np.ndarray:
    """A copy of ``samples`` (frames × channels, or 1-D) with each interval replaced.

    Every channel gets the same edit.  Inside an interval the output is the
    tone (a sine at ``tone_db`` dBFS, phase-continuous over the whole file) or
    silence; over ``ramp_s`` on each side outside it, a raised-cosine
    crossfade.  ``offset`` is the file frame of ``samples[0]``, so a long
    track can be edited block by block with the same result.
    """
    x = np.asarray(samples)
    out = np.array(x, dtype=np.float32, copy=True)
    mono = out.ndim == 1
    if mono:
        out = out[:, None]
    n = out.shape[0]
    ramp = max(1, int(round(ramp_s * sample_rate)))
    amp = 10.0 ** (tone_db / 20.0) if mode == "tone" else 0.0
    for iv in intervals:
        a = int(np.floor(iv.t0 * sample_rate)) - offset  # interval in block frames (may lie outside)
        b = int(np.ceil(iv.t1 * sample_rate)) - offset
        lo, hi = max(0, a - ramp), min(n, b + ramp)
        if b <= a or hi <= lo:
            continue
        idx = np.arange(lo, hi)
        mask = np.ones(hi - lo)
        up = idx < a
        mask[up] = 0.5 - 0.5 * np.cos(np.pi * (idx[up] - (a - ramp)) / ramp)
        down = idx >= b
        mask[down] = 0.5 + 0.5 * np.cos(np.pi * (idx[down] - b + 1) / ramp)
        fill = amp * np.sin(2 * np.pi * tone_hz * (idx + offset) / sample_rate) if amp else np.zeros(hi - lo)
        m = mask[:, None]
        out[lo:hi] = (out[lo:hi] * (1.0 - m) + fill[:, None] * m).astype(np.float32)
    return out[:, 0] if mono else out


def summary(intervals: list[Interval], ndigits: int = 2) -> dict:
    """Counts and time ranges for the processing log (no text)."""
    return {
        "intervals": len(intervals),
        "seconds": round(sum(iv.duration for iv in intervals), 3),
        "widened": sum(1 for iv in intervals if iv.widened),
        "ranges": [[round(iv.t0, ndigits), round(iv.t1, ndigits)] for iv in intervals],
    }
