"""Turns, labels and the transcript: every word gets a speaker.

- :func:`frames_to_turns`: frame labels -> turns (a pause of more than
  ``JOIN_GAP`` ends a turn only if the speaker changes);
- :func:`label_by_first_speech`: internal cluster numbers -> ``S1``, ``S2`` … in
  order of first speech, so ``--speaker-names "Interviewer,Participant"``
  names the one who spoke first "Interviewer";
- :func:`label_transcript`: a speaker for every word (untimed words take
  their timed neighbour's), a stray word inside another speaker's run is
  overruled (``MIN_RUN_WORDS``/``MIN_RUN_S``), and a segment that spans a
  real change is split there — Whisper often glues a short answer to the
  question before it;
- :func:`talk_stats`: talk time and turns per speaker for the processing log.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import numpy as np

from mediaanon.records import Segment, Transcript, Word
from mediaanon.speakers.records import Diarization, Turn

MAX_NAME = 40  # characters in a role name
JOIN_GAP = 0.3  # same-speaker turns closer than this are one turn
UNSURE_SHARE = 0.4  # a turn is uncertain when this share of its frames is
MIN_RUN_WORDS = 2  # a run of fewer words …
MIN_RUN_S = 0.8  # … and shorter than this inside a segment is a stray word, not a turn


def frames_to_turns(times: np.ndarray, labels: np.ndarray, unsure: np.ndarray, frame: float) -> list[Turn]:
    """Contiguous frames of one label -> turns named by the label's integer (``"0"``, ``"1"`` …).

    A turn is uncertain when at least ``UNSURE_SHARE`` of its frames are: one
    close frame at a boundary does not make a whole answer uncertain (that
    flagged nearly every turn of ``sample.wav``), a turn that is mostly
    overlap or an unplaceable voice still says so.
    """
    turns: list[Turn] = []
    counts: list[list[int]] = []  # [uncertain frames, frames] per turn
    for i in np.argsort(times):
        if labels[i] < 0:
            continue
        a, b = float(times[i] - frame / 2), float(times[i] + frame / 2)
        spk = str(int(labels[i]))
        last = turns[-1] if turns else None
        if last and last.speaker == spk and a - last.end <= JOIN_GAP:
            turns[-1] = Turn(last.start, b, spk)
            counts[-1][0] += bool(unsure[i])
            counts[-1][1] += 1
        else:
            turns.append(Turn(a, b, spk))
            counts.append([int(bool(unsure[i])), 1])
    turns = [replace(t, uncertain=c[0] >= UNSURE_SHARE * c[1]) for t, c in zip(turns, counts)]
    return _round(turns)


def join(turns: list[Turn]) -> list[Turn]:
    """Same-speaker turns closer than ``JOIN_GAP`` merged; sorted by start."""
    out: list[Turn] = []
    for t in sorted(turns, key=lambda t: (t.start, t.speaker)):
        prev = next((o for o in reversed(out) if o.speaker == t.speaker), None)
        if prev is not None and t.start - prev.end <= JOIN_GAP:
            i = out.index(prev)
            out[i] = Turn(prev.start, max(prev.end, t.end), t.speaker, prev.uncertain or t.uncertain)
        else:
            out.append(t)
    return sorted(out, key=lambda t: t.start)


def label_by_first_speech(turns: list[Turn]) -> tuple[list[Turn], list[str]]:
    """Rename speakers ``S1``, ``S2`` … in order of their first turn."""
    mapping: dict[str, str] = {}
    for t in sorted(turns, key=lambda t: t.start):
        mapping.setdefault(t.speaker, f"S{len(mapping) + 1}")
    return [replace(t, speaker=mapping[t.speaker]) for t in turns], list(mapping.values())


def names_map(speakers: list[str], names: list[str]) -> dict[str, str]:
    """``S1`` -> first name, ``S2`` -> second …; labels beyond the list keep ``S<n>``."""
    return {s: n for s, n in zip(speakers, names)}


def parse_names(text: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``"Interviewer, Participant"`` -> ``["Interviewer", "Participant"]``; ValueError when unusable.

    ``;`` separates too (``"Interviewer;Participant"``): a manifest cell needs
    no CSV quoting then.  With a ``;`` in the text, commas are not separators.
    """
    if not text:
        return []
    if isinstance(text, str):
        text = text.split(";") if ";" in text else text.split(",")
    items = [s.strip() for s in text]
    if any(not s for s in items):
        raise ValueError("speaker names: empty name in the list")
    if len(set(items)) != len(items):
        raise ValueError("speaker names must differ from each other")
    if any(len(s) > MAX_NAME or any(c in s for c in "<>\n\r\t") for s in items):
        raise ValueError(f"speaker names: at most {MAX_NAME} characters, no '<', '>' or line breaks")
    return items


def _timed(w: Word) -> bool:
    return math.isfinite(w.start) and math.isfinite(w.end) and w.end >= w.start


def word_speakers(words: tuple[Word, ...], d: Diarization, fallback: str | None) -> list[str | None]:
    """A speaker per word; untimed words inherit the previous (else next) timed word's speaker."""
    raw = [d.speaker_at(w.start, max(w.end, w.start + 0.01))[0] if _timed(w) else None for w in words]
    out: list[str | None] = list(raw)
    last = None
    for i, s in enumerate(raw):
        if s is None:
            out[i] = last
        else:
            last = s
    nxt = None
    for i in range(len(out) - 1, -1, -1):
        if out[i] is None:
            out[i] = nxt
        else:
            nxt = out[i]
    return [s if s is not None else fallback for s in out]


def overrule_strays(words: tuple[Word, ...], speakers: list[str | None]) -> list[str | None]:
    """Runs of fewer than ``MIN_RUN_WORDS`` words lasting under ``MIN_RUN_S`` take a neighbour's label."""
    spk = list(speakers)
    changed = True
    while changed:
        changed = False
        runs = _runs(spk)
        if len(runs) < 2:
            break
        for r, (a, b) in enumerate(runs):
            timed = [w for w in words[a:b] if _timed(w)]
            dur = (timed[-1].end - timed[0].start) if timed else 0.0
            if b - a >= MIN_RUN_WORDS or dur >= MIN_RUN_S:
                continue
            left = runs[r - 1] if r > 0 else None
            right = runs[r + 1] if r + 1 < len(runs) else None
            pick = max((x for x in (left, right) if x), key=lambda x: x[1] - x[0])
            for i in range(a, b):
                spk[i] = spk[pick[0]]
            changed = True
            break
    return spk


def _runs(labels: list) -> list[tuple[int, int]]:
    out, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((start, i))
            start = i
    return out


def label_transcript(transcript: Transcript, d: Diarization) -> tuple[Transcript, dict]:
    """The transcript with a speaker on every word and segment, split at turn changes.

    A segment is split only when its words' texts add up to its text (the
    redaction offsets are into ``Transcript.text``, which must not change);
    otherwise it keeps its majority speaker and is counted as ``unsplittable``.
    """
    segments: list[Segment] = []
    stats = Counter()
    default = d.speakers[0] if len(d.speakers) == 1 else None
    for seg in transcript.segments:
        if not seg.words:
            spk = d.speaker_at(seg.start, seg.end)[0] or default
            segments.append(replace(seg, speaker=spk))
            stats["segments_without_words"] += 1
            continue
        spk = at_word_starts(seg.words, overrule_strays(seg.words, word_speakers(seg.words, d, default)))
        words = tuple(replace(w, speaker=s) for w, s in zip(seg.words, spk))
        stats["untimed_words"] += sum(not _timed(w) for w in seg.words)
        runs = _runs(spk)
        joined = "".join(w.word for w in words)
        if len(runs) > 1 and joined.strip() == seg.text.strip():
            stats["segments_split"] += 1
            for a, b in runs:
                part = words[a:b]
                timed = [w for w in part if _timed(w)]
                start = timed[0].start if timed else seg.start
                end = timed[-1].end if timed else seg.end
                segments.append(replace(seg, start=start, end=end, text="".join(w.word for w in part),
                                        words=part, speaker=spk[a]))
            continue
        if len(runs) > 1:
            stats["unsplittable"] += 1
        major = Counter(s for s in spk if s).most_common(1)
        segments.append(replace(seg, words=words, speaker=major[0][0] if major else default))
    segments = [replace(s, id=i) for i, s in enumerate(segments)]
    out = Transcript(segments, transcript.language, transcript.language_probability, transcript.engine,
                     transcript.model, list(transcript.dropped))
    if out.text != transcript.text:  # the redaction's offset basis must survive: label without splitting
        unsplit = []
        for seg in transcript.segments:
            parts = [s for s in segments if s.start >= seg.start - 1e-6 and s.end <= seg.end + 1e-6] or [seg]
            words = tuple(w for p in parts for w in p.words) if seg.words else seg.words
            major = Counter(w.speaker for w in words if w.speaker).most_common(1)
            unsplit.append(replace(seg, words=words if len(words) == len(seg.words) else seg.words,
                                   speaker=major[0][0] if major else parts[0].speaker))
        out = Transcript(unsplit, transcript.language, transcript.language_probability, transcript.engine,
                         transcript.model, list(transcript.dropped))
        stats = Counter({"split_undone": 1})
    return out, dict(stats)


def at_word_starts(words: tuple[Word, ...], speakers: list[str | None]) -> list[str | None]:
    """Move each change of speaker to a word that starts with a space (never inside "077-0")."""
    spk = list(speakers)
    for i in range(1, len(spk)):
        if spk[i] != spk[i - 1] and not words[i].word[:1].isspace():
            spk[i] = spk[i - 1]
    return spk


def talk_stats(d: Diarization) -> dict[str, dict[str, float | int]]:
    """Per speaker: seconds of speech, number of turns, uncertain seconds (for the log)."""
    out: dict[str, dict[str, float | int]] = {}
    for s in d.speakers:
        mine = [t for t in d.turns if t.speaker == s]
        out[s] = {"talk_seconds": round(sum(t.duration for t in mine), 2), "turns": len(mine),
                  "uncertain_seconds": round(sum(t.duration for t in mine if t.uncertain), 2)}
    return out


def _round(turns: list[Turn]) -> list[Turn]:
    return [replace(t, start=round(max(0.0, t.start), 3), end=round(t.end, 3)) for t in turns]
