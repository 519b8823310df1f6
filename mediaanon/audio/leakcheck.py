"""Did the bleeped audio still say it?  Re-transcribe and look for the removed strings.

The strings come from ``recording.transcript.text[span.start:span.end]`` and
live only in memory (:class:`Needle`); what is reported (:class:`Leak`) has
the PII type, the seconds where it was heard and the match score — never
the text.

Matching is fuzzy because a second ASR pass spells things differently:
both sides are reduced to canonical tokens (lower case, digits and spoken
digits as single digits, "@" as "at", "." inside a token as "dot"), then
every window of the hypothesis with about as many tokens as the needle is
compared with rapidfuzz's ratio, with and without spaces ("Clap Flynn" vs
"Claflin").  Tokens that sound alike (same Soundex code) count as a match
when their spelling is at least loosely close ("Abbie" / "Abby").  Parts of
a needle are searched too — every name-like token of four letters or more
and every run of four digits — because "Abigail" alone, or the last four
digits of a phone number, is still a leak.  Digits only ever match exactly
(one digit off is another number).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from mediaanon.audio.bleep import Interval
from mediaanon.records import PiiSpan, Transcript

DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
               "six": "6", "seven": "7", "eight": "8", "nine": "9"}
GENERIC = {  # parts of addresses/e-mails that identify nobody on their own
    "street", "road", "avenue", "lane", "drive", "court", "place", "square", "close", "boulevard", "north",
    "south", "east", "west", "gmail", "yahoo", "hotmail", "outlook", "mail", "email", "dot", "com", "org", "net",
    "edu", "uk", "at", "the", "and", "mister", "miss", "doctor", "professor", "apartment", "flat", "suite",
}
PHONETIC_MIN_RATIO = 60.0  # sound-alike tokens must still share this much spelling…
PHONETIC_SCORE = 90.0  # …and then score this much ("Abbie" / "Abby": ratio 67, same Soundex)
SOUNDALIKE_MIN_LETTERS = 3  # shorter words are never lifted as sound-alikes
PART_MIN_LETTERS = 4
DIGIT_RUN = 4


@dataclass(frozen=True)
class Needle:
    """A removed string, kept in memory only for the search (never logged)."""

    type: str
    text: str
    t0: float | None = None
    t1: float | None = None

    def __repr__(self) -> str:  # a stray log call must not print the text
        return f"Needle(type={self.type!r}, t0={self.t0}, t1={self.t1})"


@dataclass(frozen=True)
class Leak:
    """A removed string heard again: where, how sure, whether inside a bleep."""

    type: str
    t0: float
    t1: float
    score: float  # 0..100, rapidfuzz ratio of the best window
    part: bool  # only a part of the item matched (a first name, four digits)
    in_bleep: bool  # overlaps a bleeped interval (the bleep did not cover it)
    item: int = -1  # index of the needle (in the list searched) that was heard; lets a repair find its marker

    def to_dict(self) -> dict:
        return {"type": self.type, "t0": round(self.t0, 2), "t1": round(self.t1, 2), "score": round(self.score, 1),
                "part": self.part, "in_bleep": self.in_bleep}


def needles(transcript: Transcript, spans: Iterable[PiiSpan]) -> list[Needle]:
    """The original strings of ``spans``, taken from the transcript text in memory."""
    text = transcript.text
    return [Needle(s.type, text[s.start:s.end], s.t0, s.t1) for s in spans if text[s.start:s.end].strip()]


_SPLIT = re.compile(r"[^0-9a-z@.']+")


def tokens(text: str) -> list[str]:
    """Canonical tokens: lower case, digits one by one, '@' → at, inner '.' → dot."""
    return [t for t, _, _ in canonical([(t, 0.0, 0.0) for t in _raw_tokens(text)])]


def _raw_tokens(text: str) -> list[str]:
    out: list[str] = []
    for raw in _SPLIT.split(text.lower()):
        raw = raw.strip(".'")
        if not raw:
            continue
        raw = raw.replace("@", " at ").replace(".", " dot ").replace("'", "")
        for t in raw.split():
            if t.isdigit():
                out.extend(t)
            elif any(c.isdigit() for c in t):
                out.extend(re.findall(r"\d|[a-z]+", t))
            else:
                out.append(t)
    return out


Timed = tuple[str, float, float]


def canonical(toks: list[Timed]) -> list[Timed]:
    """Spoken digits become digits ("oh" only next to other digits, not in prose);
    'double five' / 'triple two' become 5 5 / 2 2 2.  Times travel with the tokens."""
    words = [t for t, _, _ in toks]
    mapped: list[Timed] = []
    for i, (t, a, b) in enumerate(toks):
        d = DIGIT_WORDS.get(t)
        if d is not None and (t not in ("oh", "o") or _digitish(words, i)):
            mapped.append((d, a, b))
        else:
            mapped.append((t, a, b))
    out: list[Timed] = []
    i = 0
    while i < len(mapped):
        n = {"double": 2, "triple": 3}.get(mapped[i][0])
        if n and i + 1 < len(mapped) and mapped[i + 1][0].isdigit():
            out.extend([(mapped[i + 1][0], mapped[i][1], mapped[i + 1][2])] * n)
            i += 2
            continue
        out.append(mapped[i])
        i += 1
    return out


def _digitish(toks: list[str], i: int) -> bool:
    near = toks[max(0, i - 1):i] + toks[i + 1:i + 2]
    return any(t.isdigit() or t in DIGIT_WORDS and t not in ("oh", "o") for t in near)


def soundex(word: str) -> str:
    """American Soundex (letters only), except that a first consonant is written as its
    digit group, so "Claflin" and "Klafflin" (C/K) share a code; '' without letters."""
    letters = [c for c in word.lower() if c.isalpha()]
    if not letters:
        return ""
    codes = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"),
             "l": "4", **dict.fromkeys("mn", "5"), "r": "6"}
    out, last = codes.get(letters[0], letters[0].upper()), codes.get(letters[0], "")
    for c in letters[1:]:
        code = codes.get(c, "")
        if code and code != last:
            out += code
        if c not in "hw":
            last = code
    return (out + "000")[:4]


def patterns(needle: Needle) -> list[tuple[list[str], bool]]:
    """(canonical tokens, is_part) to search for: the whole item, then its parts."""
    toks = tokens(needle.text)
    if not toks:
        return []
    out: list[tuple[list[str], bool]] = [(toks, False)]
    if len(toks) > 1:
        for t in toks:
            if t.isalpha() and len(t) >= PART_MIN_LETTERS and t not in GENERIC:
                out.append(([t], True))
    digits = [t for t in toks if t.isdigit()]
    if len(digits) > DIGIT_RUN:
        seen = set()
        for i in range(len(digits) - DIGIT_RUN + 1):
            run = tuple(digits[i:i + DIGIT_RUN])
            if run not in seen:
                seen.add(run)
                out.append((list(run), True))
    return out


def _phonetic_lift(score: np.ndarray, same_sound: np.ndarray, spelled_alike: np.ndarray | None = None) -> np.ndarray:
    """Sound-alike windows with loosely similar spelling score at least ``PHONETIC_SCORE``.

    Short names defeat the spelling ratio ("Abi" / "Abby" score 57), so a sound-alike whose
    nickname form is the same (:func:`_nickname_form`) is lifted too.
    """
    alike = score >= PHONETIC_MIN_RATIO
    if spelled_alike is not None:
        alike = alike | spelled_alike
    return np.where(same_sound & alike, np.maximum(score, PHONETIC_SCORE), score)


def _nickname_form(word: str) -> str:
    """How ASR spellings of one short name meet: doubled letters single, a final -y/-ie/-ey/-ee as -i
    ("Abby", "Abbie", "Abi" -> "abi"; "Bobby", "Bobbie" -> "bobi")."""
    w = re.sub(r"(.)\1+", r"\1", word.lower())
    return re.sub(r"(ie|ey|ee|y)$", "i", w)


def hypothesis_tokens(transcript: Transcript) -> list[tuple[str, float, float]]:
    """Canonical tokens of a (re-)transcription with the times of their words."""
    out: list[Timed] = []
    for seg in transcript.segments:
        if seg.words:
            for w in seg.words:
                out.extend((t, w.start, w.end) for t in _raw_tokens(w.word))
        else:
            out.extend((t, seg.start, seg.end) for t in _raw_tokens(seg.text))
    return canonical(out)


def find_leaks(hypothesis: Transcript, items: Sequence[Needle], *, threshold: float = 85.0,
               intervals: Sequence[Interval] = ()) -> list[Leak]:
    """Every place where the hypothesis says one of ``items`` (or a part of one) again.

    ``threshold`` is the rapidfuzz ratio (0..100) from which a window counts;
    a sound-alike, loosely similar spelling scores ``PHONETIC_SCORE``.
    Overlapping hits of the same item are reported once.

    A name said forty times in an hour is one needle forty times over: each distinct (type, text)
    is searched once and its leaks name its first occurrence (whose marker every occurrence shares),
    and the per-window work (spellings, nickname forms) is done once per window size, so an hour's
    check costs distinct names x words, not mentions x words.
    """
    hyp = hypothesis_tokens(hypothesis)
    words = [t for t, _, _ in hyp]
    sounds = np.array([soundex(t) if t.isalpha() else "#" + t for t in words], dtype=object)
    windows: dict[int, _Windows] = {}

    def windows_of(size: int) -> _Windows:
        if size not in windows:
            windows[size] = _Windows.of(words, size)
        return windows[size]

    first: dict[tuple[str, str], int] = {}
    for item, needle in enumerate(items):
        first.setdefault((needle.type, needle.text), item)
    inside = _Inside(intervals)
    leaks: list[Leak] = []
    for (kind, _text), item in first.items():
        hits: list[Leak] = []
        for pat, part in patterns(items[item]):
            joined = "".join(pat)
            if len(joined) < 2:
                continue
            k = len(pat)
            for size in sorted({max(1, k - 1), k, k + 1}):
                win = windows_of(size)
                if not win.spaced:
                    continue
                if joined.isdigit():  # numbers match exactly: one digit off is another number
                    if size != k:
                        continue
                    score = np.where(win.bare_array == joined, 100.0, 0.0)
                else:
                    score = np.maximum(
                        cdist([" ".join(pat)], win.spaced, scorer=fuzz.ratio)[0],
                        cdist([joined], win.bare, scorer=fuzz.ratio)[0],
                    ).astype(np.float64)
                if (size == k and all(p.isalpha() for p in pat)
                        and len(joined) >= (PART_MIN_LETTERS if part else SOUNDALIKE_MIN_LETTERS)):
                    same = win.long_enough.copy()
                    for j, p in enumerate(pat):
                        same &= sounds[j:j + len(win.spaced)] == soundex(p)
                    score = _phonetic_lift(score, same, win.nick == _nickname_form(joined))
                for i in np.flatnonzero(score >= threshold):
                    t0, t1 = hyp[i][1], hyp[i + size - 1][2]
                    hits.append(Leak(kind, t0, t1, float(score[i]), part, inside(t0, t1), item))
        leaks.extend(_dedupe(hits))
    return sorted(leaks, key=lambda x: (x.t0, x.t1))


@dataclass(frozen=True)
class _Windows:
    """The hypothesis's runs of ``size`` tokens, spaced and bare, with what every needle compares."""

    spaced: list[str]
    bare: list[str]
    bare_array: np.ndarray
    nick: np.ndarray  # nickname form of each bare window
    long_enough: np.ndarray  # a two-letter word is no sound-alike of a name ("an" / "Anna")

    @classmethod
    def of(cls, words: list[str], size: int) -> "_Windows":
        spaced = [" ".join(words[i:i + size]) for i in range(len(words) - size + 1)]
        bare = [w.replace(" ", "") for w in spaced]
        return cls(spaced, bare, np.array(bare, dtype=object), np.array([_nickname_form(b) for b in bare], dtype=object),
                   np.array([len(b) >= SOUNDALIKE_MIN_LETTERS for b in bare], dtype=bool))


class _Inside:
    """Whether a time range overlaps any bleeped interval: a binary search over the merged intervals."""

    def __init__(self, intervals: Sequence[Interval]):
        merged: list[list[float]] = []
        for iv in sorted(intervals, key=lambda v: v.t0):
            if merged and iv.t0 <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], iv.t1)
            else:
                merged.append([iv.t0, iv.t1])
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]

    def __call__(self, t0: float, t1: float) -> bool:
        i = bisect.bisect_left(self.starts, t1)  # intervals starting before t1; merged, so their ends rise
        return i > 0 and self.ends[i - 1] > t0


def _dedupe(hits: list[Leak]) -> list[Leak]:
    """Keep the best hit among those overlapping in time."""
    out: list[Leak] = []
    for h in sorted(hits, key=lambda x: (-x.score, x.part, x.t0)):
        if not any(o.t0 < h.t1 and h.t0 < o.t1 for o in out):
            out.append(h)
    return out


def summary(leaks: Sequence[Leak]) -> dict:
    """For the processing log: counts, types and times only."""
    return {
        "leaks": len(leaks),
        "in_bleeps": sum(1 for x in leaks if x.in_bleep),
        "ranges": [x.to_dict() for x in leaks],
    }
