"""Candidate spans from many recognizers → one clean, non-overlapping list.

Why our own resolution rather than Presidio's anonymizer: its conflict
handling keeps one of two overlapping results and may leave the other's
uncovered characters in the text.  For de-identification the *union* of
overlapping findings must go (fail closed); the longest finding decides the
type (ties: the higher score), and neighbouring pieces of one entity
("abigail" + "claflin", "five five five" + "two one eight") become one span.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable

# Our types, in the archive convention (see markers.py for how they are written).
TYPES = ("PERSON", "PLACE", "ORGANIZATION", "PHONE", "EMAIL", "DATE", "AGE", "ID", "ADDRESS", "URL")

# Presidio entity names → ours.  Entities not listed are ignored.
PRESIDIO_TYPES = {
    "PERSON": "PERSON", "LOCATION": "PLACE", "PLACE": "PLACE", "ORGANIZATION": "ORGANIZATION",
    "PHONE_NUMBER": "PHONE", "PHONE": "PHONE", "EMAIL_ADDRESS": "EMAIL", "EMAIL": "EMAIL",
    "DATE_TIME": "DATE", "DATE": "DATE", "AGE": "AGE", "ID": "ID", "ADDRESS": "ADDRESS", "URL": "URL",
    "CREDIT_CARD": "ID", "IBAN_CODE": "ID", "IP_ADDRESS": "ID", "US_SSN": "ID", "UK_NINO": "ID",
    "UK_NHS": "ID", "US_PASSPORT": "ID", "US_DRIVER_LICENSE": "ID", "US_BANK_NUMBER": "ID",
}

# Gaps that may join two pieces of one entity; names only across spaces/hyphens
# ("Tom, Sarah" are two people), numbers and addresses across punctuation too.
TIGHT_GAP = re.compile(r"[\s\-]*")
LOOSE_GAP = re.compile(r"[\s,.\-/]*")
LOOSE_TYPES = {"PHONE", "ID", "ADDRESS", "DATE", "EMAIL", "URL"}
EDGE_JUNK = " \t\n,;:!?\"()[]{}“”‘’"

# Closed-class words that are never the first or last word of a name, number or
# address ("My name [PERSON 1]" must keep its "is"; "at the [ORGANIZATION 1]"
# keeps its "the").  Words that are also given names ("will", "may") are not here.
FUNCTION_WORDS = frozenset(
    """the a an is are was were am be been being has have had do does did i me my mine you your
    yours he him his she her hers it its we us our ours they them their theirs this that these
    those who whom whose which what at in on of to for from with by into onto about as than and
    or but nor so if because then there here not no um uh er erm""".split()
)
EDGE_WORD_START = re.compile(r"([^\W\d_]+(?:['’][^\W\d_]+)?)[\s,;:]+")
EDGE_WORD_END = re.compile(r"[\s,;:]+([^\W\d_]+(?:['’][^\W\d_]+)?)$")


@dataclass(frozen=True)
class Candidate:
    """One finding: offsets into the analysed text, our type, score, and which rule found it."""

    start: int
    end: int
    type: str
    score: float
    recognizer: str

    @property
    def length(self) -> int:
        return self.end - self.start


def _strip_junk(text: str, s: int, e: int, typ: str) -> tuple[int, int]:
    while s < e and text[s] in EDGE_JUNK:
        s += 1
    while e > s and (text[e - 1] in EDGE_JUNK or (text[e - 1] in ".'" and typ not in ("URL", "EMAIL")
                                                   and not text[s:e].lower().endswith(("dr.", "mr.", "mrs.", "ms.", "st.")))):
        e -= 1
    return s, e


def _strip_function_words(text: str, s: int, e: int, typ: str) -> tuple[int, int]:
    """Drop whole function words ("is", "the", "on") from both edges while a word is left."""
    while True:
        m = EDGE_WORD_START.match(text, s, e)
        if m and m.group(1).lower() in FUNCTION_WORDS and m.end() < e:
            s, e = _strip_junk(text, m.end(), e, typ)
            continue
        m = EDGE_WORD_END.search(text[s:e])
        if m and m.group(1).lower() in FUNCTION_WORDS and m.start() > 0:
            s, e = _strip_junk(text, s, s + m.start(), typ)
            continue
        return s, e


def tidy(text: str, c: Candidate) -> Candidate | None:
    """Strip spaces/punctuation and function words from a candidate's edges (keep a final "." of "Dr.")."""
    s, e = _strip_junk(text, c.start, c.end, c.type)
    s, e = _strip_function_words(text, s, e, c.type)
    if text[s:e].lower() in FUNCTION_WORDS:
        return None  # a lone "is"/"the" is never personal data
    if c.type == "PERSON" and text[s:e].lower().endswith(("'s", "’s")) and e - s > 3:
        e -= 2  # "Kevin's car" -> "[PERSON 1]'s car"
    if e <= s:
        return None
    return replace(c, start=s, end=e) if (s, e) != (c.start, c.end) else c


def resolve(text: str, candidates: Iterable[Candidate]) -> list[Candidate]:
    """Union overlapping candidates, pick a type per union, merge adjacent pieces."""
    cands = sorted((t for c in candidates if (t := tidy(text, c)) is not None), key=lambda c: (c.start, -c.end))
    groups: list[list[Candidate]] = []
    end = -1
    for c in cands:
        if groups and c.start < end:
            groups[-1].append(c)
            end = max(end, c.end)
        else:
            groups.append([c])
            end = c.end
    merged: list[Candidate] = []
    for g in groups:
        best = max(g, key=lambda c: (c.length, c.score))
        stronger = [c for c in g if c.score >= best.score + 0.25]
        if stronger:
            best = max(stronger, key=lambda c: (c.score, c.length))
        merged.append(Candidate(min(c.start for c in g), max(c.end for c in g), best.type,
                                max(c.score for c in g), best.recognizer))
    out: list[Candidate] = []
    for c in merged:
        if out and out[-1].type == c.type:
            gap = text[out[-1].end:c.start]
            pattern = LOOSE_GAP if c.type in LOOSE_TYPES else TIGHT_GAP
            if pattern.fullmatch(gap):
                prev = out.pop()
                c = Candidate(prev.start, c.end, c.type, max(prev.score, c.score), prev.recognizer)
        out.append(c)
    return out
