"""Rules for names of people, places and organisations in ASR text.

Each rule reads a :class:`~mediaanon.redaction.context.TextContext` and
returns :class:`~mediaanon.redaction.spans.Candidate` spans; the recognizer
in ``recognizers.py`` runs them all.  They complement spaCy's NER, which needs
capital letters: a cue phrase ("my husband tom", "mrs patel", "a village
called ashby", "I work for mitie"), a known given name, or an organisation /
street word ("… primary school", "elm road") marks a name even in lower case.
"""
from __future__ import annotations

from mediaanon.redaction import lexicon as lx
from mediaanon.redaction.context import PROPER_TAGS, TextContext, Tok
from mediaanon.redaction.spans import Candidate

NER_TYPES = {"PERSON": "PERSON", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE", "ORG": "ORGANIZATION"}
NOT_NAME_POS = {"VERB", "AUX", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART", "NUM", "ADV", "PUNCT", "SYM"}
MONTH_OR_DAY = set(lx.MONTHS) | set(lx.MONTH_ABBREVIATIONS) | set(lx.WEEKDAYS)


def ambiguous_name(ctx: TextContext, t: Tok) -> bool:
    """A given name that is also an everyday word here ("grace", "will", "peter out")."""
    if t.lower in lx.NAME_WORDS or t.lower in lx.RELATIONS or t.lower in lx.STOP_WORDS:
        return True
    return t.lower in ctx.vocab.others and t.pos not in ("PROPN", "NOUN")


def namey(ctx: TextContext, t: Tok, cue: bool = False) -> bool:
    """Whether token ``t`` can be part of a person's name (``cue``: a cue phrase precedes)."""
    if not t.alpha or t.lower in lx.STOP_WORDS or t.lower in lx.RELATIONS or t.lower in MONTH_OR_DAY:
        return False
    closed = t.pos in NOT_NAME_POS
    name = lx.is_given_name(t.lower) or lx.is_surname(t.lower)
    if t.cased:
        return not closed or name
    if name or t.lower in lx.NAME_WORDS:
        if ambiguous_name(ctx, t):
            return cue and not closed  # "my son mark", not "my son will"
        return True
    if closed:
        return False
    if not ctx.vocab.known(t.lower, t.lemma):
        return len(t.lower) > 2
    if t.tag in PROPER_TAGS and not ctx.vocab.ordinary(t.lower, t.lemma):
        return True
    return cue and t.lower not in lx.NAME_WORDS and not ctx.vocab.ordinary(t.lower, t.lemma) and t.pos == "PROPN"


def extend_name(ctx: TextContext, k: int, limit: int = 2) -> int:
    """Index of the last token of a name starting at ``k`` ("siobhan" → "siobhan mcgrath")."""
    toks = ctx.tokens
    last = k
    while last + 1 < len(toks) and last - k < limit:
        t = toks[last + 1]
        if t.start > toks[last].end + 1 and not ctx.text[toks[last].end:t.start].isspace():
            break
        if t.text in ("-",) and last + 2 < len(toks):
            last += 1
            continue
        if lx.is_surname(t.lower) or namey(ctx, t):
            if t.lower in lx.ORG_SUFFIXES or t.lower in lx.STREET_SUFFIXES:
                break
            last += 1
        else:
            break
    return last


def ner_entities(ctx: TextContext, keep_countries: bool) -> list[Candidate]:
    """spaCy NER on the input and on the re-cased view, with types corrected by cues."""
    out = []
    for e in ctx.entities:
        typ = NER_TYPES.get(e.label)
        if typ is None:
            continue
        toks = ctx.span_tokens(e.start, e.end)
        words = [t.lower for t in toks if t.alpha]
        if not words or all(w in lx.STOP_WORDS or w in lx.RELATIONS or w in lx.TITLES or w in MONTH_OR_DAY for w in words):
            continue
        if typ != "ORGANIZATION" and keep_countries and (
                " ".join(words) in lx.COUNTRIES or all(w in lx.COUNTRIES or w in lx.STOP_WORDS for w in words)):
            continue
        if not any(t.cased for t in toks) and all(w in lx.GENERIC_ORG_MODIFIERS or w in lx.ORG_HEADS or w in lx.ORG_SUFFIXES
                                                  or w in lx.STOP_WORDS for w in words):
            continue  # "the food bank", "the job centre" in lower case: a kind of place, not a name
        if typ == "PERSON" and words[-1] in lx.ORG_SUFFIXES:
            typ = "ORGANIZATION"
        elif typ != "PERSON" and lx.is_given_name(words[0]) and not ambiguous_name(ctx, toks[0]) \
                and words[-1] not in lx.ORG_SUFFIXES and words[-1] not in lx.STREET_SUFFIXES:
            typ = "PERSON"
        score = 0.85 if e.source == "ner" else 0.7
        out.append(Candidate(e.start, e.end, typ, score, e.source))
    return out


def given_names(ctx: TextContext) -> list[Candidate]:
    """Known given names in any casing, plus a following surname ("abigail claflin")."""
    out = []
    toks = ctx.tokens
    k = 0
    while k < len(toks):
        t = toks[k]
        sentence_start = k == 0 or toks[k - 1].text in (".", "!", "?")
        if lx.is_given_name(t.lower) and t.alpha and namey(ctx, t) and not (sentence_start and ambiguous_name(ctx, t)):
            last = extend_name(ctx, k)
            out.append(Candidate(t.start, toks[last].end, "PERSON", 0.6, "given_names"))
            k = last + 1
            continue
        k += 1
    return out


def _relation_end(ctx: TextContext, k: int) -> int | None:
    """If a relation ("my husband", "my brother in law", "my boss,") ends at token ``k``, return k."""
    toks = ctx.tokens
    t = toks[k]
    phrase_end = None
    for phrase in lx.RELATION_PHRASES:
        words = phrase.split()
        if k - len(words) + 1 >= 0 and [x.lower for x in toks[k - len(words) + 1:k + 1]] == words:
            phrase_end = k - len(words) + 1
    first = phrase_end if phrase_end is not None else (k if t.lower in lx.RELATIONS else None)
    if first is None:
        return None
    back = [x.lower for x in toks[max(0, first - 3):first]]
    if any(w in ("my", "his", "her", "our", "their", "your", "me", "mine") for w in back):
        return k
    return None


def name_cues(ctx: TextContext) -> list[Candidate]:
    """Names after "my name is", "call me", a relation, a title or "a lady called"."""
    out = []
    toks = ctx.tokens
    n = len(toks)
    for k in range(n - 1):
        low = toks[k].lower
        nxt = k + 1
        if nxt < n and toks[nxt].text == "," and nxt + 1 < n:
            nxt += 1
        kind, start_tok, score = None, None, 0.0
        if low in ("is", "'s") and k >= 1 and toks[k - 1].lower == "name":
            kind, start_tok, score = "PERSON", nxt, 0.8
        elif low == "me" and k >= 1 and toks[k - 1].lower in ("call", "calls", "called"):
            kind, start_tok, score = "PERSON", nxt, 0.75
        elif low in ("called", "named", "nicknamed", "christened") and toks[k].pos != "AUX":
            kind = _called_kind(ctx, k)
            start_tok, score = nxt, (0.6 if kind == "PERSON" else 0.75)
        elif low.rstrip(".") in lx.TITLES and toks[k].pos != "VERB" and not (low == "miss" and k > 0 and toks[k - 1].pos == "PRON"):
            if nxt < n and toks[nxt].text == "." and nxt + 1 < n:
                nxt += 1
            if namey(ctx, toks[nxt], cue=True) or lx.is_surname(toks[nxt].lower):
                last = extend_name(ctx, nxt, limit=1)
                out.append(Candidate(toks[k].start, toks[last].end, "PERSON", 0.7, "name_cues"))
            continue
        elif _relation_end(ctx, k) is not None:
            kind, start_tok, score = "PERSON", nxt, 0.7
        if kind is None or start_tok is None or start_tok >= n:
            continue
        t = toks[start_tok]
        if kind == "PERSON":
            ok = namey(ctx, t, cue=True) and (lx.is_given_name(t.lower) or lx.is_surname(t.lower) or t.cased
                                              or not ctx.vocab.known(t.lower, t.lemma) or t.tag in PROPER_TAGS or score >= 0.75
                                              or t.lower in lx.NAME_WORDS)
            if ok:
                last = extend_name(ctx, start_tok)
                out.append(Candidate(t.start, toks[last].end, kind, score, "name_cues"))
        else:
            last = start_tok
            if not (t.alpha and t.lower not in lx.STOP_WORDS and (namey(ctx, t, cue=True) or t.pos in ("PROPN", "NOUN"))):
                continue
            while last + 1 < n and last - start_tok < 3 and toks[last + 1].alpha and toks[last + 1].lower not in lx.STOP_WORDS \
                    and (toks[last + 1].lower in lx.ORG_SUFFIXES or toks[last + 1].lower in lx.STREET_SUFFIXES
                         or namey(ctx, toks[last + 1], cue=True)):
                last += 1
            out.append(Candidate(t.start, toks[last].end, kind, score, "name_cues"))
    return out


def _called_kind(ctx: TextContext, k: int) -> str:
    """"a village called …" is a place, "a home called …" an organisation, else a person."""
    for t in reversed(ctx.tokens[max(0, k - 5):k]):
        if t.lower in lx.PLACE_NOUNS:
            return "PLACE"
        if t.lower in lx.ORG_NOUNS:
            return "ORGANIZATION"
    return "PERSON"


def _org_name_token(ctx: TextContext, t: Tok) -> bool:
    if not t.alpha or t.lower in lx.STOP_WORDS or t.lower in lx.GENERIC_STREET_MODIFIERS and not t.view:
        return False
    return t.view or t.lower in ("st", "saint") or namey(ctx, t, cue=True) or lx.is_surname(t.lower) \
        or (t.tag in PROPER_TAGS and t.lower not in lx.ORG_NOUNS)


def _generic(t: Tok) -> bool:
    """A lower-case word that names a kind of organisation, not one ("local", "catholic", "atm")."""
    return not t.cased and (t.lower in lx.GENERIC_ORG_MODIFIERS or t.lower in lx.ABBREVIATIONS)


def organisations(ctx: TextContext) -> list[Candidate]:
    """"lincoln primary school", "university of sheffield", "I work for mitie"."""
    out = []
    toks = ctx.tokens
    n = len(toks)
    for k, t in enumerate(toks):
        if t.lower in lx.ORG_SUFFIXES and t.alpha:
            first = k
            while first - 1 >= 0 and k - first < 4 and (
                    _org_name_token(ctx, toks[first - 1]) or toks[first - 1].lower in lx.ORG_SUFFIXES
                    or toks[first - 1].text in ("'s", "’s", "'", "&")):
                first -= 1
            while first < k and (not _org_name_token(ctx, toks[first]) or _generic(toks[first])):
                first += 1  # "the river bank", "the catholic primary school" are kinds, not names
            if first < k and any(_org_name_token(ctx, x) and not _generic(x) and x.lower not in lx.ORG_SUFFIXES
                                 for x in toks[first:k]):
                last = k
                while last + 1 < n and toks[last + 1].lower in lx.ORG_SUFFIXES:
                    last += 1
                out.append(Candidate(toks[first].start, toks[last].end, "ORGANIZATION", 0.72, "organisations"))
            if k + 2 < n and toks[k + 1].lower == "of" and (_org_name_token(ctx, toks[k + 2]) or toks[k + 2].view):
                last = extend_name(ctx, k + 2, limit=2)
                out.append(Candidate(t.start, toks[last].end, "ORGANIZATION", 0.6, "organisations"))
        elif t.lower in lx.WORK_PREPOSITIONS and t.lower != "with" and k + 1 < n:
            back = [x.lower for x in toks[max(0, k - 5):k]]
            obj = toks[k + 1]
            if any(w in lx.WORK_VERBS for w in back) and obj.alpha and obj.pos in ("PROPN", "NOUN", "X") \
                    and obj.lower not in lx.NOT_PLACES and obj.lower not in lx.STOP_WORDS and not obj.lower.endswith("ing"):
                last = k + 1
                while last + 1 < n and (toks[last + 1].lower in lx.ORG_SUFFIXES or (_org_name_token(ctx, toks[last + 1])
                                                                                  and toks[last + 1].pos in ("PROPN", "NOUN"))):
                    last += 1
                out.append(Candidate(obj.start, toks[last].end, "ORGANIZATION", 0.72, "organisations"))
    return out


# Words after which a name built from common words may follow ("at the …", "works for …").
ORG_CUES = lx.PLACE_PREPOSITIONS | lx.WORK_PREPOSITIONS | lx.WORK_VERBS | {
    "the", "by", "join", "joined", "joining", "attend", "attended", "attends", "attending"}


def _head_end(ctx: TextContext, k: int) -> int | None:
    """Last token of an organisation head noun at token ``k`` ("church"; "co - op" as spaCy splits it)."""
    toks = ctx.tokens
    t = toks[k]
    if t.lower == "co" and k + 2 < len(toks) and toks[k + 1].text == "-" and toks[k + 2].lower == "op" \
            and toks[k + 1].start == t.end and toks[k + 2].start == toks[k + 1].end:
        return k + 2
    if t.alpha and t.lower in lx.ORG_HEADS and t.pos in ("NOUN", "PROPN", "X"):
        return k
    return None


def _common_modifier(t: Tok) -> bool:
    """A word that may be part of a name made of common words ("salvation", "red lion", "holy trinity")."""
    return (t.alpha and t.lower not in lx.STOP_WORDS and t.lower not in lx.GENERIC_ORG_MODIFIERS
            and t.lower not in lx.ABBREVIATIONS and t.lower not in lx.RELATIONS and t.lower not in MONTH_OR_DAY
            and t.lower not in lx.ORG_HEADS and t.pos in ("NOUN", "PROPN", "ADJ", "X")
            and t.tag not in ("JJS", "JJR", "VBG", "CD") and not t.lower.endswith("ing"))


def common_word_orgs(ctx: TextContext) -> list[Candidate]:
    """Organisations named with everyday words: "at the salvation army", "holy trinity church".

    A head noun (church, school, pub, bank, army, co-op …) with up to three
    words before it that are neither stop words nor generic ("local", "food",
    "job", "catholic": see ``GENERIC_ORG_MODIFIERS``), at least one of them a
    noun, all after a cue ("at", "for", "the", "works for") — so "the food
    bank", "a big company" and "my old school" stay.  "the co-op" needs no
    modifier.
    """
    out = []
    toks = ctx.tokens
    n = len(toks)
    for k in range(n):
        end = _head_end(ctx, k)
        if end is None or (end + 1 < n and (toks[end + 1].lower in lx.STREET_SUFFIXES
                                            or toks[end + 1].lower in lx.STREET_SUFFIXES_CASED)):
            continue  # "church street" is a street
        first, words = k, 0
        while first - 1 >= 0 and words < 3:
            prev = toks[first - 1]
            if prev.text in ("'s", "’s") and first - 2 >= 0 and _common_modifier(toks[first - 2]):
                first -= 1  # "st mary's church"
                continue
            if not _common_modifier(prev):
                break
            first, words = first - 1, words + 1
        cue = toks[first - 1].lower if first > 0 else ""
        if words == 0:
            if cue == "the" and ctx.text[toks[k].start:toks[end].end].lower() in lx.STANDALONE_ORG_HEADS:
                out.append(Candidate(toks[k].start, toks[end].end, "ORGANIZATION", 0.6, "org_heads"))
            continue
        if cue in ORG_CUES and any(t.pos in ("NOUN", "PROPN", "X") for t in toks[first:k] if t.alpha):
            out.append(Candidate(toks[first].start, toks[end].end, "ORGANIZATION", 0.6, "org_heads"))
    return out


def unknown_words(ctx: TextContext) -> list[Candidate]:
    """Words the English vocabulary does not know, capitalised in the view, that NER left alone.

    In interview speech such a word is most often a name ASR spelled as best
    it could ("i told okonkwo", "Eklund said"); after "in/from/to" it is
    taken as a place.
    A low score: other findings win when they overlap.
    """
    out = []
    toks = ctx.tokens
    for k, t in enumerate(toks):
        if not t.view or len(t.lower) < 4 or ctx.vocab.known(t.lower, t.lemma) or t.lower in lx.ABBREVIATIONS:
            continue
        if t.cased and (k == 0 or toks[k - 1].text in (".", "!", "?", '"', "“") or t.text.isupper()):
            continue  # a capital at a sentence start says nothing
        if t.pos not in ("NOUN", "PROPN", "X", "ADJ", "VERB", "INTJ") or lx.is_given_name(t.lower):
            continue
        prev = toks[k - 1].lower if k > 0 else ""
        typ = "PLACE" if prev in lx.PLACE_PREPOSITIONS else "PERSON"
        out.append(Candidate(t.start, t.end, typ, 0.45, "unknown_words"))
    return out


def initials(ctx: TextContext, found: list[Candidate]) -> list[Candidate]:
    """Stretch cased PERSON findings over middle initials and adjoining capitalised words.

    NER often stops at an initial: "Szabina J Gelencsér" → "Szabina".  Only
    for text with capitals (Whisper's usual output), never across a sentence end.
    """
    out = []
    toks = ctx.tokens
    for c in found:
        if c.type != "PERSON":
            continue
        inside = [t.i for t in ctx.within(c.start, c.end)]
        if not inside or not toks[inside[0]].cased:
            continue
        first, last = inside[0], inside[-1]
        while last + 1 < len(toks):
            t = toks[last + 1]
            initial = len(t.text) == 1 and t.text.isupper() and t.text != "I"
            if initial and last + 2 < len(toks) and toks[last + 2].text == ".":
                last += 2
            elif initial or (t.cased and t.alpha and t.lower not in lx.STOP_WORDS and toks[last].text != "."):
                last += 1
            else:
                break
        if last != inside[-1] and toks[last].cased and toks[last].alpha:
            out.append(Candidate(c.start, toks[last].end, "PERSON", c.score, c.recognizer))
    return out
