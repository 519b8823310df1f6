"""Which language a text is in, from its function words (no model, no download).

Why this way: a transcript's language normally comes from Whisper (the
``transcribe`` stage records it).  For ``redact-text`` on plain text we need
a decision that is explainable and never silently English: count each
language's most frequent function words among the text's words and take the
clear winner.  When the text is too short or two languages are close, say so
and ask for ``--language`` rather than guess.
"""
from __future__ import annotations

import re

FUNCTION_WORDS = {
    "en": "the and i to of a in that it is was you for on with my we but so they he she have this are at be".split(),
    "fi": ("ja on ei se että mä mun mulle oli ne niin kun mutta ole oon siis tota sit vaan joo niinku myös sen ihan"
           " meidän meillä mä en oo ollu ku jos tai mitä mikä siinä sitä nyt sitten sano eiks se").split(),
    "fr": ("le la les et de des un une est je j'ai c'est pas que qui dans en du au pour il elle mais avec ça mon ma"
           " mes vous nous j'habite j'étais j'avais à chez depuis quand après alors euh bah voilà").split(),
    "sv": "och det att är en jag som på inte med har för den var till av så men vi om ett han hon".split(),
    "nb": "og det er som på en jeg ikke til av med har for den var så men vi om et han hun ble".split(),
    "da": "og det er at en jeg som på ikke med har for den var til af så men vi om et han hun".split(),
    "de": "und der die das ist ich nicht es zu ein eine mit auf den von sie wir aber auch so war".split(),
}
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
MIN_HITS = 2  # function words needed at all
MARGIN = 1.5  # the winner must have this many times the runner-up's hits


def detect(text: str) -> tuple[str | None, str]:
    """``(code, why)``: the detected language, or ``None`` with the reason it is undecided."""
    words = [w.lower().replace("’", "'") for w in WORD_RE.findall(text)]
    sets = {code: set(ws) for code, ws in FUNCTION_WORDS.items()}
    hits = {code: sum(w in s for w in words) for code, s in sets.items()}
    ranked = sorted(hits.items(), key=lambda kv: kv[1], reverse=True)
    (best, n1), (second, n2) = ranked[0], ranked[1]
    why = f"function words: {best} {n1}, {second} {n2} of {len(words)} words"
    if n1 < MIN_HITS:
        return None, f"too few function words to tell ({why})"
    if n1 < MARGIN * n2:
        return None, f"{best} and {second} are too close ({why})"
    return best, why
