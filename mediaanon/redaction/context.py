"""One analysed text as the ASR-aware rules see it: tokens, tags and a re-cased view.

Why a re-cased view: spaCy's NER finds "Abigail Claflin" but not "abigail
claflin".  We cannot truecase properly without a large language model, but we
can capitalise the words that are *likely* proper nouns — those the tagger
still calls proper nouns in lower case, known given names and surnames, words
the English vocabulary does not know, nouns right after "in"/"from"/"work at"
— and run NER again on that copy.  Capitalising keeps every character offset,
so entities found in the view map back to the input one to one.  Entities in
the view are trimmed to words that are capitalised there, so NER cannot drag
ordinary words ("Tom Works") into a name.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from mediaanon.redaction import lexicon as lx

PROPER_TAGS = {"NNP", "NNPS"}
NOUNISH = {"NOUN", "PROPN", "ADJ", "X", "INTJ", "VERB"}  # VERB: only words the vocabulary has no verb for
CLOSED_POS = {"ADV", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART", "NUM"}


@dataclass
class Tok:
    """A token of the analysed text with what the rules need to know about it."""

    i: int
    text: str
    lower: str
    start: int
    end: int
    tag: str
    pos: str
    lemma: str
    cased: bool  # starts with a capital in the input (and the input is not all caps)
    view: bool = False  # capitalised in the re-cased view (or already cased)
    cue: str = ""  # "place"/"work": capitalised only for following "in"/"to" or "work at" (a weak cue)

    @property
    def alpha(self) -> bool:
        return self.text.replace("'", "").replace("’", "").isalpha()


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    label: str  # spaCy label: PERSON, GPE, LOC, FAC, ORG, DATE, ...
    source: str  # "ner" (input as is) or "ner_recased"


class TextContext:
    """Built once per analysed text and shared by every rule."""

    def __init__(self, text: str, doc: Any, nlp: Any, vocab: lx.Vocabulary):
        self.text = text
        self.vocab = vocab
        letters = [c for c in text if c.isalpha()]
        upper = sum(c.isupper() for c in letters)
        self.all_caps = bool(letters) and upper / len(letters) > 0.8
        base = nlp(text.lower()) if self.all_caps else doc
        self.tokens = [
            Tok(t.i, t.text, t.text.lower(), t.idx, t.idx + len(t.text), t.tag_, t.pos_, t.lemma_.lower(),
                cased=(not self.all_caps) and t.text[:1].isupper())
            for t in base
        ]
        self.starts = [t.start for t in self.tokens]
        self.entities: list[Entity] = []
        if not self.all_caps:
            self.entities += [Entity(e.start_char, e.end_char, e.label_, "ner") for e in doc.ents]
        self.view = self._recase()
        if self.view != text:
            vdoc = nlp(self.view)
            for e in vdoc.ents:
                trimmed = self._trim(e.start_char, e.end_char, e.label_)
                if trimmed is not None:
                    self.entities.append(Entity(trimmed[0], trimmed[1], e.label_, "ner_recased"))

    # -- the re-cased view -------------------------------------------------
    def name_like(self, t: Tok) -> bool:
        """Whether a lower-case token may be (part of) a proper name."""
        if not t.alpha or t.lower in lx.STOP_WORDS or len(t.lower) < 2:
            return False
        if t.cased or t.tag in PROPER_TAGS:
            return True
        if t.lower in lx.ABBREVIATIONS:
            return False
        if t.pos in CLOSED_POS or (t.pos in ("VERB", "AUX") and self.vocab.ordinary(t.lower, t.lemma)):
            return lx.is_given_name(t.lower) and t.lower not in lx.NAME_WORDS and t.lower not in self.vocab.others
        if lx.is_given_name(t.lower) or lx.is_surname(t.lower):
            return True
        return not self.vocab.known(t.lower, t.lemma) and t.pos in NOUNISH and len(t.lower) > 2

    def _recase(self) -> str:
        chars = list(self.text.lower() if self.all_caps else self.text)
        toks = self.tokens
        for k, t in enumerate(toks):
            cap = False
            if t.cased:
                t.view = True
                if t.text.isupper() and t.alpha and len(t.text) >= 4 and len(t.text.title()) == len(t.text):
                    chars[t.start:t.end] = list(t.text.title())  # "UPTON SCUDAMORE" -> "Upton Scudamore" for NER
                continue
            if self.name_like(t) and t.lower not in lx.NAME_WORDS and not self.vocab.ordinary(t.lower, t.lemma):
                cap = True
            elif k > 0 and self._after_cue(k) and t.alpha and not self._ends_relation(k) \
                    and t.lower not in lx.NOT_PLACES and t.lower not in lx.STOP_WORDS:
                cap = True
                t.cue = "place" if toks[k - 1].lower in lx.PLACE_PREPOSITIONS else "work"
            elif t.lower in ("st", "saint") and k + 1 < len(toks) and toks[k + 1].alpha:
                cap = True
            if cap and len(t.text[:1].upper()) == 1:
                chars[t.start] = t.text[:1].upper()
                t.view = True
        # suffix words of names ("… Primary School", "… Road") follow a capitalised word
        for k, t in enumerate(toks):
            if not t.view and k > 0 and toks[k - 1].view and (t.lower in lx.ORG_SUFFIXES or t.lower in lx.STREET_SUFFIXES
                                                             or t.lower in lx.STREET_SUFFIXES_CASED):
                chars[t.start] = t.text[:1].upper()
                t.view = True
        return "".join(chars)

    def _ends_relation(self, k: int) -> bool:
        """Token ``k`` ends a relation phrase ("brother in law"): its "in" is no place cue."""
        words = [t.lower for t in self.tokens[max(0, k - 2):k + 1]]
        return " ".join(words) in lx.RELATION_PHRASES

    def _after_cue(self, k: int) -> bool:
        """Token ``k`` follows "in/from/to …" or "work at/for …" directly (no article)."""
        prev = self.tokens[k - 1].lower
        t = self.tokens[k]
        nounish = t.pos in ("PROPN", "NOUN") or (t.pos == "VERB" and not self.vocab.ordinary(t.lower, t.lemma))
        if prev in lx.PLACE_PREPOSITIONS and nounish:
            return True
        if prev in lx.WORK_PREPOSITIONS:
            back = [t.lower for t in self.tokens[max(0, k - 6):k - 1]]
            return any(w in lx.WORK_VERBS for w in back)
        return False

    def _trim(self, start: int, end: int, label: str) -> tuple[int, int] | None:
        """Shrink a view entity to its capitalised tokens; None if none is.

        Words capitalised only for their position ("to Interviews") may make
        a place (or after "work at", an organisation), not a person.
        """
        inside = self.within(start, end)
        caps = [t for t in inside if t.view]
        if not caps:
            return None
        if all(t.cue for t in caps):
            allowed = {"GPE", "LOC", "FAC"} | ({"ORG"} if any(t.cue == "work" for t in caps) else set())
            if label not in allowed:
                return None
        return caps[0].start, caps[-1].end

    # -- helpers for rules ---------------------------------------------------
    def within(self, start: int, end: int) -> list[Tok]:
        """Tokens lying completely inside ``[start, end)``."""
        i = bisect.bisect_left(self.starts, start)
        j = bisect.bisect_left(self.starts, end)
        return [t for t in self.tokens[i:j] if t.end <= end]

    def span_tokens(self, start: int, end: int) -> list[Tok]:
        """Tokens overlapping ``[start, end)``."""
        i = max(0, bisect.bisect_right(self.starts, start) - 1)
        j = bisect.bisect_left(self.starts, end)
        return [t for t in self.tokens[i:j] if t.start < end and t.end > start]
