"""A study's list of known names, matched against ASR spellings.

Why: the people and places a study's participants mention are often known in
advance (participants, relatives, the village, the employer).  ASR spells an
unusual name differently each time ("Claflin", "Clafflin", "Claughlin"), so an
exact list match is not enough.  Each text window is compared with rapidfuzz
and with a crude sound key (consonant skeleton), and for people the given name
or surname alone — or a usual nickname ("Abbie" for "Abigail") — also counts.

File format, one entry per line (``#`` starts a comment)::

    PERSON: Abigail Claflin | Abbie
    PLACE: Millbrook
    ORGANIZATION: Acme Corp
    Jane Doe                      # no TYPE: a person

The names are data from the study: they are never logged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from rapidfuzz import fuzz

from mediaanon.errors import ConfigError
from mediaanon.redaction import lexicon as lx
from mediaanon.redaction.spans import Candidate

TYPE_ALIASES = {"PERSON": "PERSON", "NAME": "PERSON", "PEOPLE": "PERSON", "PLACE": "PLACE", "LOCATION": "PLACE",
                "LOC": "PLACE", "GPE": "PLACE", "ORGANIZATION": "ORGANIZATION", "ORGANISATION": "ORGANIZATION",
                "ORG": "ORGANIZATION"}
WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@lru_cache(maxsize=65536)
def sound_key(word: str) -> str:
    """A consonant skeleton that makes common ASR re-spellings collide (Claflin ~ Claughlin)."""
    w = "".join(c for c in word.lower() if c.isalpha())
    if not w:
        return ""
    for a, b in (("ph", "f"), ("ck", "k"), ("q", "k"), ("x", "ks"), ("z", "s"), ("bh", "v"), ("mh", "v"), ("sh", "s")):
        w = w.replace(a, b)
    w = re.sub(r"gh$", "", w)
    w = w.replace("gh", "f")
    w = re.sub(r"c(?=[eiy])", "s", w).replace("c", "k")
    w = re.sub(r"(ie|ey|y)$", "i", w)
    w = re.sub(r"(.)\1+", r"\1", w)
    head, tail = w[0], re.sub(r"[aeiouyw]", "", w[1:])
    return re.sub(r"(.)\1+", r"\1", head + tail)


@dataclass
class Entry:
    """One known entity: its type, spellings (the first is canonical) and single-word parts."""

    index: int  # position among entries of the same type (stable marker numbers)
    type: str
    variants: list[tuple[str, ...]]
    parts: set[str] = field(default_factory=set)

    @property
    def canonical(self) -> str:
        return " ".join(self.variants[0])


def _words(text: str) -> tuple[str, ...]:
    return tuple(m.group().lower() for m in WORD_RE.finditer(text))


class KnownNames:
    """Parsed names list plus the matcher."""

    def __init__(self, entries: Iterable[Entry] = (), threshold: float = 85.0):
        self.entries = list(entries)
        self.threshold = threshold

    def __len__(self) -> int:
        return len(self.entries)

    # -- loading -----------------------------------------------------------
    @classmethod
    def parse(cls, text: str, threshold: float = 85.0, where: str = "names") -> "KnownNames":
        entries: list[Entry] = []
        counts: dict[str, int] = {}
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            typ = "PERSON"
            head, sep, rest = line.partition(":")
            if sep and head.strip().upper() in TYPE_ALIASES:
                typ, line = TYPE_ALIASES[head.strip().upper()], rest
            elif sep and re.fullmatch(r"[A-Za-z_]+", head.strip()):
                raise ConfigError(f"{where} line {lineno}: unknown type {head.strip()!r}; use PERSON, PLACE or ORGANIZATION")
            variants = [v for v in (_words(p) for p in line.split("|")) if v]
            if not variants:
                continue
            entry = Entry(counts.get(typ, 0) + 1, typ, variants)
            counts[typ] = entry.index
            if typ == "PERSON":
                for v in variants:
                    entry.parts.update(w for w in v if len(w) >= 3 and w not in lx.TITLES)
                for given, nicks in lx.NICKNAMES.items():
                    if given in entry.parts:
                        entry.parts.update(nicks)
                    elif entry.parts & set(nicks):
                        entry.parts.add(given)
            entries.append(entry)
        return cls(entries, threshold)

    @classmethod
    def load(cls, path: str | Path, threshold: float = 85.0) -> "KnownNames":
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"names file cannot be read: {exc.strerror or exc}") from None
        return cls.parse(text, threshold, where=f"names file {p.name}")

    def merged(self, other: "KnownNames") -> "KnownNames":
        """Both lists, renumbered; an entry listed twice (same file given twice) counts once."""
        out = KnownNames.parse("", self.threshold)
        counts: dict[str, int] = {}
        seen: set[tuple[str, tuple[tuple[str, ...], ...]]] = set()
        for e in [*self.entries, *other.entries]:
            ident = (e.type, tuple(e.variants))
            if ident in seen:
                continue
            seen.add(ident)
            counts[e.type] = counts.get(e.type, 0) + 1
            out.entries.append(Entry(counts[e.type], e.type, e.variants, set(e.parts)))
        return out

    # -- matching ------------------------------------------------------------
    def _similar(self, said: str, known: str) -> float:
        if said == known or {said, known} == {"st", "saint"}:  # ASR writes "Saint Mary's" as "St. Mary's"
            return 100.0
        score = fuzz.ratio(said, known)
        if score < self.threshold and len(said) >= 4 and len(known) >= 4 and said[0] == known[0]:
            a = sound_key(said)
            if a and a == sound_key(known):
                score = max(score, 92.0 if len(a) >= 3 else 88.0)
        return score

    def match_words(self, words: tuple[str, ...], ordinary: Callable[[str], bool] = lambda w: False) -> tuple[Entry, float] | None:
        """The entry these words name, if any, with a similarity 0..100."""
        best: tuple[Entry, float] | None = None
        joined = "".join(words)
        for e in self.entries:
            for v in e.variants:
                if abs(len(v) - len(words)) > 1:
                    continue
                if len(joined) < 4 and joined != "".join(v):
                    continue
                if len(v) != len(words) and (abs(len(joined) - len("".join(v))) > 1 or any(w in lx.STOP_WORDS for w in words)):
                    continue  # only a split/merged word ("mill brook"), not an extra word
                s = self._similar(joined, "".join(v)) if len(v) != len(words) else \
                    min(self._similar(a, b) for a, b in zip(words, v))
                if len(words) == 1 and ordinary(words[0]) and s < 100:
                    continue
                if s >= self.threshold and (best is None or s > best[1]):
                    best = (e, s)
            if len(words) == 1 and e.type == "PERSON" and (best is None or best[1] < 100):
                w = words[0]
                if len(w) >= 3 and not ordinary(w):
                    s = max((self._similar(w, p) for p in e.parts if len(p) >= 3), default=0.0)
                    if s >= self.threshold and (best is None or s > best[1]):
                        best = (e, s)
        return best

    def find(self, text: str, ordinary: Callable[[str], bool] = lambda w: False, capitalised: Callable[[int], bool] = lambda i: False) -> list[tuple[Candidate, Entry]]:
        """Every place in ``text`` where a known entity is mentioned.

        ``ordinary(word)`` says a word is common English ("rose", "mark"):
        such a word only matches exactly and when ``capitalised(offset)``.
        """
        if not self.entries:
            return []
        toks = list(WORD_RE.finditer(text))
        longest = max(len(v) for e in self.entries for v in e.variants) + 1
        out: list[tuple[Candidate, Entry]] = []
        taken_until = -1
        for i in range(len(toks)):
            if toks[i].start() < taken_until:
                continue
            for n in range(min(longest, len(toks) - i), 0, -1):
                words = tuple(t.group().lower() for t in toks[i:i + n])
                if n == 1 and words[0] in lx.STOP_WORDS:
                    continue
                hit = self.match_words(words, lambda w: ordinary(w) and not capitalised(toks[i].start()))
                if hit:
                    entry, score = hit
                    start, end = toks[i].start(), toks[i + n - 1].end()
                    out.append((Candidate(start, end, entry.type, 0.95 if score >= 100 else 0.85, "known_names"), entry))
                    taken_until = end
                    break
        return out

    def entry_for(self, text: str) -> Entry | None:
        """The entry a redacted span refers to (used to give it the entry's marker)."""
        words = tuple(w for w in _words(text) if w not in lx.TITLES and w != "the")
        if not words or not self.entries:
            return None
        hit = self.match_words(words)
        if hit:
            return hit[0]
        for n in range(len(words), 0, -1):  # "Abigail Claflin's cousin" style: any sub-window
            for i in range(0, len(words) - n + 1):
                hit = self.match_words(words[i:i + n])
                if hit:
                    return hit[0]
        return None
