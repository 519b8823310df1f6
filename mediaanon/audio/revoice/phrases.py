"""Redacted segments cut into phrases at the speaker's pauses, each with its own start time.

Why: an ASR segment can run ten seconds or more with pauses inside; spoken
as one utterance from the segment start, the synthetic words drift away from
the speaker's lips and the subtitles.  Cut where the speaker paused (word
times from the transcript), each phrase starts where its first word did.

Safety: the phrase texts are rebuilt from the original transcript with the
redaction spans applied exactly as ``redact_transcript`` did, and a segment
is only cut if its phrases joined give back *exactly* its redacted text;
otherwise (untimed or unlocated words, a span across a cut) the segment is
spoken whole.  Cuts never fall inside a redaction span.
"""
from __future__ import annotations

from typing import Any, Iterable

from mediaanon.records import Transcript
from mediaanon.redaction.timemap import TimeMap

MIN_PAUSE_S = 0.35  # a silence this long between two words starts a new phrase
SLOT_TAIL_S = 0.1  # a phrase's slot runs this far past its last word's end


def _norm(text: str) -> str:
    return " ".join(text.split())


def split(transcript: Transcript | None, spans: Iterable[Any], segments: list[dict[str, Any]],
          min_pause: float = MIN_PAUSE_S) -> tuple[list[dict[str, Any]], int]:
    """(phrases as segment-like dicts, number of segments that were cut).

    ``spans``: the recording's PiiSpans (character offsets in
    ``transcript.text``, ``replacement``).  Without a transcript the segments
    come back unchanged.
    """
    if transcript is None:
        return list(segments), 0
    tm = TimeMap(transcript)
    edits = sorted((int(s.start), int(s.end), str(s.replacement)) for s in spans)
    by_id = {seg.id: i for i, seg in enumerate(transcript.segments)}
    out: list[dict[str, Any]] = []
    cut_count = 0
    for item in segments:
        i = by_id.get(item.get("id"))
        pieces = _pieces(tm, i, edits, min_pause) if i is not None and i not in tm.unlocated else None
        if pieces and _norm(" ".join(p["text"] for p in pieces)) == _norm(str(item["text"])):
            cut_count += len(pieces) > 1
            for p in pieces:
                if item.get("speaker"):
                    p["speaker"] = item["speaker"]
                out.append(p)
        else:
            out.append(dict(item))
    return out, cut_count


def _pieces(tm: TimeMap, i: int, edits: list[tuple[int, int, str]], min_pause: float) -> list[dict[str, Any]] | None:
    r = tm.ranges[i]
    words = [w for w in tm.words if w.segment == i]
    if r is None or not words:
        return None
    seg = tm.segments[i]
    cuts: list[int] = []  # word indices that start a new phrase
    for k in range(1, len(words)):
        c = words[k].start
        timed = words[k].sane and words[k - 1].sane  # untimed words (zero length, out of order) never anchor a cut
        if timed and words[k].t0 - words[k - 1].t1 >= min_pause and not any(s < c < e for s, e, _ in edits):
            cuts.append(k)
    groups = [words[a:b] for a, b in zip([0, *cuts], [*cuts, len(words)])]
    bounds = [r[0]] + [g[0].start for g in groups[1:]] + [r[1]]
    out = []
    for g, (a, b) in zip(groups, zip(bounds, bounds[1:])):
        local = tm.text[a:b]
        for s, e, rep in reversed(edits):
            if e <= a or s >= b:
                continue
            ls, le = max(s, a) - a, min(e, b) - a
            local = local[:ls] + (rep if s >= a else "") + local[le:]
        text = _norm(local)
        t0 = max(seg.start, g[0].t0) if g[0].sane else seg.start
        timed_ends = [w.t1 for w in g if w.sane]
        t1 = max(timed_ends) + SLOT_TAIL_S if timed_ends and g[-1].sane else seg.end
        out.append({"id": seg.id, "start": t0, "end": max(t0, min(seg.end + SLOT_TAIL_S, t1)), "text": text})
    return out
