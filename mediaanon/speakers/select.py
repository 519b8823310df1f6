"""What other stages and writers take from a diarization.

- :func:`speaker_ranges` / :func:`range_mask`: the voice stage transforms only
  chosen speakers (e.g. only the participant) by cross-fading between the
  original and the transformed audio inside those speakers' turns.  Bleeping
  is not affected: it follows the PII spans of every speaker, so a
  diarization error can make a voice sound untransformed, never leak PII.
- :func:`tag_item`: the redacted segment dicts that writers get carry
  ``speaker`` (and ``speaker_uncertain``), and so do their ``words`` when present.
- :func:`document_section`: the ``speakers`` part of ``transcript.json``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from mediaanon.records import Segment
from mediaanon.speakers.records import Diarization
from mediaanon.speakers.regions import merge

FADE_S = 0.03  # cross-fade at the edges of a chosen speaker's turn (no clicks)


def resolve_chosen(d: Diarization, chosen: list[str]) -> list[str]:
    """``chosen`` checked against the labels; ValueError naming what exists."""
    unknown = [c for c in chosen if c not in d.speakers]
    if unknown:
        raise ValueError(f"speaker(s) {', '.join(unknown)} not found; this recording has {', '.join(d.speakers) or 'none'}")
    return chosen


def speaker_ranges(d: Diarization, chosen: list[str]) -> list[tuple[float, float]]:
    """Merged time ranges of the chosen speakers' turns (labels or role names)."""
    wanted = set(chosen)
    return merge(((t.start, t.end) for t in d.turns if t.speaker in wanted), 0.0)


def range_mask(frames: int, rate: int, first: int, ranges: list[tuple[float, float]], fade: float = FADE_S) -> np.ndarray:
    """Weights 0..1 per frame of a block starting at frame ``first``: 1 inside ``ranges``, ramps of ``fade`` s."""
    mask = np.zeros(frames, np.float32)
    if frames == 0:
        return mask
    t = (first + np.arange(frames)) / rate
    for a, b in ranges:
        if b + fade < t[0] or a - fade > t[-1]:
            continue
        up = np.clip((t - (a - fade)) / fade, 0.0, 1.0)
        down = np.clip(((b + fade) - t) / fade, 0.0, 1.0)
        mask = np.maximum(mask, np.minimum(up, down))
    return mask


def tag_item(item: dict[str, Any], seg: Segment, d: Diarization | None) -> dict[str, Any]:
    """Add ``speaker`` to a redacted segment dict and to each of its word dicts (matched by time)."""
    if seg.speaker:
        item["speaker"] = seg.speaker
        if d is not None and _uncertain_share(d, seg.start, seg.end) > 0.5:
            item["speaker_uncertain"] = True
    words = item.get("words")
    timed = [w for w in seg.words if w.speaker is not None]
    if isinstance(words, list) and timed:
        for wd in words:
            if isinstance(wd, dict) and "speaker" not in wd and isinstance(wd.get("start"), (int, float)):
                mid = (float(wd["start"]) + float(wd.get("end", wd["start"]))) / 2
                near = min(timed, key=lambda w: abs((w.start + w.end) / 2 - mid))
                wd["speaker"] = near.speaker
    return item


def tag_segments(items: list[dict[str, Any]], transcript: Any, d: Diarization | None) -> list[dict[str, Any]]:
    """:func:`tag_item` on every redacted segment dict, matched to its transcript segment by id.

    One place for both writers of ``recording.redacted_segments`` (redaction, and the leak
    repair that rebuilds them), so a repaired transcript keeps its speaker marks."""
    by_id = {seg.id: seg for seg in transcript.segments}
    return [tag_item(item, by_id[item["id"]], d) for item in items]


def _uncertain_share(d: Diarization, a: float, b: float) -> float:
    if b <= a:
        return 0.0
    unsure = sum(max(0.0, min(t.end, b) - max(t.start, a)) for t in d.turns if t.uncertain)
    return unsure / (b - a)


def document_section(d: Diarization) -> dict[str, Any]:
    """Labels, method, overlapped and uncertain stretches for ``transcript.json`` (no scores, no embeddings)."""
    return {
        "labels": list(d.speakers),
        "method": d.method,
        "overlaps": [[round(a, 3), round(b, 3)] for a, b in d.overlaps],
        "uncertain": [[t.start, t.end, t.speaker] for t in d.turns if t.uncertain],
    }
