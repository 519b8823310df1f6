"""Markers in the archive convention and the pseudonym key.

Why consistent markers: a reader of a redacted interview must still follow
who did what — "[PERSON 1] told [PERSON 2]" — so every mention of one entity
in a recording gets the same number, even when ASR spells it differently or
the speaker shortens it ("Abigail Claflin" … "Abbie" … "Claflin").  Mentions
are linked when a known-names entry covers both, when one is part of the
other, when they sound alike, or when one is a usual nickname of the other.
With a known-names list, entries keep their file position as their number in
every recording (``stable_known_numbers``), so ``[PERSON 2]`` is the same
person across a study.

With a study register (``--study``, see :mod:`mediaanon.study.register`),
an entity the redactor finds takes its number from the register instead of
a per-recording counter, so it keeps one marker in every recording; the
register is any object with ``number(type, words, original, floor, related)``.

The key (marker → original) stays in memory on the ``Recording``; the bundle
writer decides whether it is written, and never inside the shareable bundle.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from mediaanon.redaction import lexicon as lx
from mediaanon.redaction.names import KnownNames, sound_key
from mediaanon.redaction.options import RedactionOptions
from mediaanon.redaction.spans import Candidate

WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


def norm_words(text: str) -> tuple[str, ...]:
    """Lower-case words without titles, articles and possessive endings."""
    words = []
    for w in WORD_RE.findall(text.lower()):
        w = re.sub(r"['’]s$", "", w)
        if w in lx.TITLES or w == "the" or not w:
            continue
        words.append(w)
    return tuple(words)


def same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) >= 4 and len(b) >= 4 and (fuzz.ratio(a, b) >= 85 or (sound_key(a) == sound_key(b) and a[0] == b[0])):
        return True
    for given, nicks in lx.NICKNAMES.items():
        if (a == given and b in nicks) or (b == given and a in nicks):
            return True
    return False


def related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One mention is (fuzzily) part of the other: ("abbie",) ~ ("abigail", "claflin")."""
    if not a or not b:
        return False
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return all(any(same_word(s, w) for w in long_) for s in short)


@dataclass
class Cluster:
    type: str
    number: int
    texts: list[str] = field(default_factory=list)
    words: list[tuple[str, ...]] = field(default_factory=list)
    entry: int | None = None  # known-names entry index (within its type)


class MarkerBook:
    """Assigns markers to resolved spans of one recording and keeps the key."""

    def __init__(self, options: RedactionOptions, names: KnownNames | None = None, register: Any = None):
        self.options = options
        self.register = register  # study-wide numbers (None: numbers start at 1 in each recording)
        self.labels = options.label_map()
        self.names = names or KnownNames()
        self.clusters: dict[str, list[Cluster]] = {}
        self.unnumbered: dict[str, list[str]] = {}
        self.counters: dict[str, int] = {}
        if options.stable_known_numbers:
            for e in self.names.entries:
                self.counters[e.type] = max(self.counters.get(e.type, 0), e.index)

    def _cluster_for(self, typ: str, text: str) -> Cluster:
        clusters = self.clusters.setdefault(typ, [])
        entry = self.names.entry_for(text) if typ in ("PERSON", "PLACE", "ORGANIZATION") else None
        if entry is not None and entry.type != typ:
            entry = None
        words = norm_words(text)
        if entry is not None:
            for c in clusters:
                if c.entry == entry.index:
                    return c
            number = entry.index if self.options.stable_known_numbers else self._next(typ)
            c = Cluster(typ, number, entry=entry.index, words=[tuple(w for v in entry.variants for w in v)])
            clusters.append(c)
            return c
        for c in clusters:
            if any(words == w for w in c.words):
                return c
        for c in clusters:
            if any(related(words, w) for w in c.words):
                return c
        c = Cluster(typ, self._new_number(typ, words, text))
        clusters.append(c)
        return c

    def _new_number(self, typ: str, words: tuple[str, ...], text: str) -> int:
        if self.register is None:
            return self._next(typ)
        floor = max((e.index for e in self.names.entries if e.type == typ), default=0) \
            if self.options.stable_known_numbers else 0
        return self.register.number(typ, words, text, floor, related)

    def _next(self, typ: str) -> int:
        self.counters[typ] = self.counters.get(typ, 0) + 1
        return self.counters[typ]

    def marker(self, typ: str, original: str) -> str:
        """The marker for one mention; remembers the original for the key."""
        label = self.labels.get(typ, typ)
        if typ in self.options.numbered:
            c = self._cluster_for(typ, original)
            c.texts.append(original)
            c.words.append(norm_words(original))
            return self.options.marker_format.format(type=label, n=c.number)
        self.unnumbered.setdefault(typ, []).append(original)
        return self.options.unnumbered_format.format(type=label, n=len(self.unnumbered[typ]))

    def key(self) -> dict[str, str]:
        """Marker → original (the longest mention; unnumbered types: all mentions, " | "-joined)."""
        out: dict[str, str] = {}
        for typ, clusters in self.clusters.items():
            label = self.labels.get(typ, typ)
            for c in clusters:
                if c.texts:
                    out[self.options.marker_format.format(type=label, n=c.number)] = max(c.texts, key=len)
        for typ, texts in self.unnumbered.items():
            label = self.labels.get(typ, typ)
            if "{n}" in self.options.unnumbered_format:
                for i, t in enumerate(texts, 1):
                    out[self.options.unnumbered_format.format(type=label, n=i)] = t
            else:
                out[self.options.unnumbered_format.format(type=label, n=0)] = " | ".join(dict.fromkeys(texts))
        return out


def assign(text: str, spans: list[Candidate], book: MarkerBook) -> list[tuple[Candidate, str]]:
    """Markers for resolved spans, in text order."""
    return [(c, book.marker(c.type, text[c.start:c.end])) for c in spans]
