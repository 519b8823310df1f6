"""Repair what the leak check hears: bleep it too, redact its words, listen again.

Why repair rather than report: on a 229-s two-voice interview the leak check
found 11 removed items still audible outside the bleeps, the run said
"1 done" and nobody was told where to look (issue 9).  A removed string heard
again is either a bleep placed by word times that were off, or the same name
said a second time that the redaction did not catch; in both cases the
remedy is to bleep where the second recogniser heard it.  Where the first
transcript has words at that time that sound like the removed string (and
are not yet redacted), they are redacted with the item's own marker, so the
transcript, subtitles and audio keep following one decision.

Passes are bounded (``passes``); every repair is logged with its time range
and type, never its text; what the last check still hears is ``unresolved``
and makes the verdict ``review``.  The removed strings stay in memory in
this module and go no further.
"""
from __future__ import annotations

import bisect
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

from rapidfuzz import fuzz

from mediaanon.audio import bleep, leakcheck, wavio
from mediaanon.records import PiiSpan
from mediaanon.redaction import wordtimes
from mediaanon.redaction.timemap import TimeMap
from mediaanon.speakers.select import tag_segments

log = logging.getLogger(__name__)

NEAR_S = 0.5  # seconds around a leak in which the first transcript's words are compared with the item
WORD_MATCH = 80.0  # rapidfuzz ratio from which such a word counts as the item (or a part of it)


def check_and_repair(recording: Any, paths: list[Path], intervals: Sequence[bleep.Interval], spans: list[PiiSpan],
                     transcribe: Callable[[Any], Any], edit: Callable[[Any, int, int, list], Any], *,
                     threshold: float, pad: tuple[float, float], passes: int) -> tuple[list[Path], dict[str, Any]]:
    """Check ``paths``; for at most ``passes`` rounds bleep and redact what is heard, then check again.

    ``transcribe(samples)`` is the leak-check recogniser; ``edit(block, rate, first, intervals)`` the
    stage's bleep.  Returns the final track paths and the log summary.
    """
    text = recording.transcript.text
    kept = [s for s in spans if text[s.start:s.end].strip()]
    items = leakcheck.needles(recording.transcript, kept)
    all_intervals = list(intervals)
    found, per_track = _check(recording, paths, items, transcribe, threshold, all_intervals)
    summary: dict[str, Any] = {**leakcheck.summary(found), "per_track": per_track, "repairs": [], "repair_passes": 0,
                               "words_redacted": 0}
    for n in range(1, passes + 1):
        if not found:
            break
        new = bleep.merge([bleep.Interval(max(0.0, x.t0 - pad[0]), x.t1 + pad[1], ()) for x in found])
        paths = [wavio.edit_blocks(p, recording.scratch / f"audio_repaired_{n}_{i}.wav",
                                   lambda block, rate, first: edit(block, rate, first, new))
                 for i, p in enumerate(paths)]
        all_intervals = bleep.merge(all_intervals + new)
        words = _redact_words(recording, found, kept, items)
        summary["words_redacted"] += words
        summary["repairs"].append({"pass": n, "ranges": [[round(iv.t0, 2), round(iv.t1, 2)] for iv in new],
                                   "types": sorted({x.type for x in found}), "words_redacted": words})
        summary["repair_passes"] = n
        log.info("%s: leak repair pass %d: %d range(s) bleeped, %d transcript word(s) redacted",
                 recording.id, n, len(new), words)
        found, per_track = _check(recording, paths, items, transcribe, threshold, all_intervals)
    del items  # the strings go no further than this function
    summary["unresolved"] = [x.to_dict() for x in found]
    summary["bleeped_ranges"] = [[round(iv.t0, 2), round(iv.t1, 2)] for iv in all_intervals]
    return paths, summary


def _check(recording: Any, paths: list[Path], items: list, transcribe: Callable, threshold: float,
           intervals: list) -> tuple[list[leakcheck.Leak], list[int]]:
    found: list[leakcheck.Leak] = []
    per_track = []
    for path in paths:
        hyp = transcribe(recording.speech_of(path))
        leaks = leakcheck.find_leaks(hyp, items, threshold=threshold, intervals=intervals)
        per_track.append(len(leaks))
        found.extend(leaks)
    return found, per_track


def _redact_words(recording: Any, found: list, kept: list[PiiSpan], items: list) -> int:
    """Redact, with the item's marker, unredacted words near each leak that sound like the item."""
    tm = TimeMap(recording.transcript)
    taken = [(s.start, s.end) for s in recording.pii]
    added: list[PiiSpan] = []
    order = sorted(tm.words, key=lambda w: w.t0)  # a leak looks at the words near it, not at the hour's words
    starts = [w.t0 for w in order]
    longest = max((w.t1 - w.t0 for w in order), default=0.0)
    for leak in found:
        if not 0 <= leak.item < len(items):
            continue
        pattern = leakcheck.tokens(items[leak.item].text)
        first = bisect.bisect_left(starts, leak.t0 - NEAR_S - longest)
        last = bisect.bisect_right(starts, leak.t1 + NEAR_S)
        for w in order[first:last]:
            if w.t1 < leak.t0 - NEAR_S:
                continue
            if any(a < w.end and w.start < b for a, b in taken):
                continue
            toks = leakcheck.tokens(tm.text[w.start:w.end])
            if toks and any(fuzz.ratio(t, p) >= WORD_MATCH for t in toks for p in pattern if len(p) > 1 or t == p):
                src = kept[leak.item]
                added.append(replace(src, start=w.start, end=w.end, score=round(leak.score / 100, 3),
                                     recognizer="leak_check", t0=round(w.t0, 3), t1=round(w.t1, 3), timing="words"))
                taken.append((w.start, w.end))
    if added:
        spans = sorted(list(recording.pii) + added, key=lambda s: s.start)
        recording.pii = spans
        recording.redacted_text = _apply(tm.text, spans)
        recording.redacted_segments = tag_segments(wordtimes.redacted_segments(recording.transcript, spans, tm),
                                                   recording.transcript, recording.speakers)
    return len(added)


def _apply(text: str, spans: Sequence[PiiSpan]) -> str:
    out = text
    for s in sorted(spans, key=lambda s: s.start, reverse=True):
        out = out[:s.start] + s.replacement + out[s.end:]
    return out
