"""Redacted segments *with word times*: what ``transcript.json`` carries per segment.

Why words: a reviewer who finds a missed name in the report amends it one
word at a time (``mediaanon amend BUNDLE --word N``), and the amendment must
know which seconds of audio to bleep.  Each word is cut from the *analysed*
text by the same :class:`~mediaanon.redaction.timemap.TimeMap` that placed
the redactions, so a word's text is exactly what the transcript says there.
A word that any PII span touches is not written: consecutive such words
become one entry whose ``word`` is the span's marker (``[PERSON 1]``), timed
from the first word's start to the last word's end.  Words the map could not
locate in their segment text are left out (the segment text is the
authority; an unlocated word has no place in it).

The dict shape stays open: keys other stages add (``speaker``) are carried.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from mediaanon.records import Transcript
from mediaanon.redaction.timemap import TimeMap


def redacted_segments(transcript: Transcript, spans: Sequence[Any],
                      timemap: TimeMap | None = None) -> list[dict[str, Any]]:
    """One dict per non-empty segment: id, start, end, redacted text, words (and speaker)."""
    tm = timemap or TimeMap(transcript)
    marks = sorted((s.start, s.end, s.replacement) for s in spans)
    texts = tm.redact_segments(marks)
    by_segment: dict[int, list] = {}
    for w in tm.words:
        by_segment.setdefault(w.segment, []).append(w)
    speakers = {}
    for seg in transcript.segments:
        for w in seg.words:
            if w.speaker:
                speakers[(round(w.start, 3), round(w.end, 3))] = w.speaker
    out: list[dict[str, Any]] = []
    emitted: set = set()  # a span across segments shows its marker in the first one only (as the text does)
    for i, (seg, text) in enumerate(zip(transcript.segments, texts)):
        if text is None:
            continue
        item: dict[str, Any] = {"id": seg.id, "start": seg.start, "end": seg.end, "text": text}
        if seg.speaker:
            item["speaker"] = seg.speaker
        item["words"] = list(_words(tm.text, by_segment.get(i, []), marks, speakers, emitted))
        out.append(item)
    return out


def _words(text: str, located: list, marks: list[tuple[int, int, str]], speakers: dict,
           emitted: set) -> Iterable[dict[str, Any]]:
    current: dict[str, Any] | None = None
    current_mark = None
    for w in located:
        mark = next((m for m in marks if m[0] < w.end and w.start < m[1]), None)
        if mark is not None and mark == current_mark and current is not None:
            current["end"] = round(w.t1, 3)
            speaker = speakers.get((round(w.t0, 3), round(w.t1, 3)))
            if speaker and "speaker" not in current:
                current["speaker"] = speaker
            continue
        if mark is not None and mark in emitted:
            continue  # the rest of a span whose marker an earlier segment carries
        if mark is not None:
            emitted.add(mark)
        if current is not None:
            yield current
        current_mark = mark
        current = {"start": round(w.t0, 3), "end": round(w.t1, 3), "word": mark[2] if mark else text[w.start:w.end]}
        speaker = speakers.get((round(w.t0, 3), round(w.t1, 3)))
        if speaker:
            current["speaker"] = speaker
    if current is not None:
        yield current
