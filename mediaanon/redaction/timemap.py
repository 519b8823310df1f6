"""Character spans of a transcript → seconds of audio (and → per-segment text).

Why a separate, separately tested module (faster-whisper keeps its VAD time
mapping apart for the same reason): the redaction decision is made on
``Transcript.text`` — the segments' stripped texts joined by single spaces —
but the audio bleeps and subtitles need *times*.  ASR word timestamps are not
always trustworthy: words can be untimed, zero-length, outside their segment,
or go backwards.  Each mapped span therefore says how its times were found:

- ``words``: every word the span touches has sane times; ``t0``/``t1`` are
  the first word's start and the last word's end;
- ``widened``: some touched word had no usable time, so the range was
  widened to the neighbouring timed words (or the segment's edge) — longer
  than needed, never shorter;
- ``segment``: no usable word time at all; the whole segment(s) are used.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from mediaanon.records import Segment, Transcript

TOLERANCE = 0.5  # seconds a word may stick out of its segment before its time is distrusted


@dataclass(frozen=True)
class LocatedWord:
    """One ASR word with its character range in ``Transcript.text``."""

    segment: int  # index into ``Transcript.segments``
    start: int
    end: int
    t0: float
    t1: float
    sane: bool  # times usable for bleeping


@dataclass(frozen=True)
class TimeRange:
    t0: float
    t1: float
    timing: str  # words | widened | segment


@dataclass(frozen=True)
class SegmentPiece:
    """The part of a character span that falls inside one segment (segment-local offsets)."""

    segment: int
    start: int
    end: int


class TimeMap:
    """Built once per transcript; answers span → time and span → segment pieces."""

    def __init__(self, transcript: Transcript | Sequence[Segment], tolerance: float = TOLERANCE):
        segments = transcript.segments if isinstance(transcript, Transcript) else list(transcript)
        self.segments = list(segments)
        self.tolerance = tolerance
        self.ranges: list[tuple[int, int] | None] = []  # per segment: (start, end) in text, None if empty
        self.words: list[LocatedWord] = []
        self.unlocated: set[int] = set()  # segments with text whose words are missing or not all found in it
        parts: list[str] = []
        pos = 0
        for i, seg in enumerate(self.segments):
            stripped = seg.text.strip()
            if not stripped:
                self.ranges.append(None)
                continue
            if parts:
                pos += 1  # the joining space
            self.ranges.append((pos, pos + len(stripped)))
            self.words.extend(self._locate_words(i, seg, stripped, pos))
            parts.append(stripped)
            pos += len(stripped)
        self.text = " ".join(parts)

    # -- building ---------------------------------------------------------
    def _locate_words(self, index: int, seg: Segment, stripped: str, offset: int) -> list[LocatedWord]:
        """Find each word's characters in the segment text, left to right, and judge its times."""
        out: list[LocatedWord] = []
        if not seg.words:
            self.unlocated.add(index)
        cursor = 0
        lowered = stripped.lower()
        last_start = -math.inf
        for w in seg.words:
            token = w.word.strip()
            if not token:
                continue
            at = stripped.find(token, cursor)
            if at < 0:
                at = lowered.find(token.lower(), cursor)
            if at < 0:
                self.unlocated.add(index)
                continue  # a word the segment text does not contain: it cannot anchor a span
            cursor = at + len(token)
            sane = self._sane(w.start, w.end, seg, last_start)
            if sane:
                last_start = w.start
            out.append(LocatedWord(index, offset + at, offset + at + len(token), float(w.start), float(w.end), sane))
        return out

    def _sane(self, t0: float, t1: float, seg: Segment, last_start: float) -> bool:
        if t0 is None or t1 is None or not (math.isfinite(t0) and math.isfinite(t1)):
            return False
        if t1 <= t0:  # zero-length or reversed
            return False
        if t0 < seg.start - self.tolerance or t1 > seg.end + self.tolerance:
            return False
        return t0 >= last_start  # monotonic within the segment

    # -- queries ----------------------------------------------------------
    def segments_of(self, start: int, end: int) -> list[int]:
        """Indices of the segments whose text overlaps ``[start, end)``."""
        return [i for i, r in enumerate(self.ranges) if r is not None and r[0] < end and r[1] > start]

    def pieces(self, start: int, end: int) -> list[SegmentPiece]:
        """The span cut at segment boundaries, in segment-local character offsets."""
        out = []
        for i in self.segments_of(start, end):
            s0, s1 = self.ranges[i]  # type: ignore[misc]
            out.append(SegmentPiece(i, max(start, s0) - s0, min(end, s1) - s0))
        return out

    def time(self, start: int, end: int) -> TimeRange:
        """Seconds of audio covering characters ``[start, end)`` of the text."""
        segs = self.segments_of(start, end)
        if not segs:
            raise ValueError(f"span {start}:{end} lies outside the transcript text")
        seg_t0 = min(self.segments[i].start for i in segs)
        seg_t1 = max(self.segments[i].end for i in segs)
        fallback = TimeRange(round(seg_t0, 3), round(seg_t1, 3), "segment")
        touched = [w for w in self.words if w.start < end and w.end > start]
        near = [w for w in self.words if w.segment in segs]
        if not any(w.sane for w in near):
            return fallback
        if touched and all(w.sane for w in touched):
            return TimeRange(round(min(w.t0 for w in touched), 3), round(max(w.t1 for w in touched), 3), "words")
        before = [w for w in near if w.sane and w.end <= start]
        after = [w for w in near if w.sane and w.start >= end]
        first, last = (touched[0], touched[-1]) if touched else (None, None)
        t0 = first.t0 if first is not None and first.sane else (before[-1].t1 if before else self.segments[segs[0]].start)
        t1 = last.t1 if last is not None and last.sane else (after[0].t0 if after else self.segments[segs[-1]].end)
        inner = [w for w in touched if w.sane]
        if inner:
            t0 = min(t0, min(w.t0 for w in inner))
            t1 = max(t1, max(w.t1 for w in inner))
        if t1 <= t0:
            return fallback
        return TimeRange(round(t0, 3), round(t1, 3), "widened")

    def redact_segments(self, spans: Iterable[tuple[int, int, str]]) -> list[str | None]:
        """Each segment's stripped text with ``(start, end, replacement)`` spans applied.

        A span that crosses a segment boundary puts its replacement in the
        first segment and removes its remainder from the following ones, so
        no segment keeps a fragment of the original.  Empty segments give
        ``None`` (they have no place in ``Transcript.text``).
        """
        edits: dict[int, list[tuple[int, int, str]]] = {}
        for start, end, replacement in spans:
            for k, piece in enumerate(self.pieces(start, end)):
                edits.setdefault(piece.segment, []).append((piece.start, piece.end, replacement if k == 0 else ""))
        out: list[str | None] = []
        for i, r in enumerate(self.ranges):
            if r is None:
                out.append(None)
                continue
            local = self.text[r[0]:r[1]]
            for s, e, rep in sorted(edits.get(i, []), reverse=True):
                local = local[:s] + rep + local[e:]
            out.append(" ".join(local.split()))
        return out
