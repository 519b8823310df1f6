"""Finnish: dates, ages and street addresses as Whisper writes spoken Finnish; name inflection.

Finnish inflects names by suffix ("Tampereella", "Tampereelle" → Tampere,
"Nokialla" → Nokia, "Helsingissä" → Helsinki), so a known-names list would
miss most mentions if matched literally.  :func:`base_forms` undoes the case
endings and consonant gradation well enough to compare against a short list
of known names (and the voikko lemma, when the pipeline has its lemmatizer,
is tried first).
"""
from __future__ import annotations

import re

from mediaanon.redaction.languages.common import regex, words_of
from mediaanon.redaction.spans import Candidate

MONTH = r"(?:tammi|helmi|maalis|huhti|touko|kesä|heinä|elo|syys|loka|marras|joulu)(?:kuu|kuun|kuuta|kuussa|kuusta|kuuhun|kuulle|kuulta|kuuksi)"
ORDINALS = ("ensimmäinen", "ensimmäisenä", "toinen", "toisena", "kolmas", "kolmantena", "neljäs", "neljäntenä", "viides",
            "viidentenä", "kuudes", "kuudentena", "seitsemäs", "kahdeksas", "yhdeksäs", "kymmenes", "yhdestoista",
            "kahdestoista", "kahdeskymmenes", "kolmaskymmenes")
NUMBER_WORD = (r"(?:yksi|yks|kaksi|kaks|kolme|neljä|viisi|viis|kuusi|seitsemän|seittemän|kahdeksan|kaheksan|yhdeksän|"
               r"yheksän|kymmenen|toista|kymmentä|sata|sataa)+")
DATE = re.compile(
    rf"(?i)(?<!\w)(?:(?:\d{{1,2}}\.?|{words_of(ORDINALS)})\s+)?{MONTH}(?:\s+(?:vuonna\s+)?(?:19|20)\d{{2}})?(?!\w)")
AGE = re.compile(
    rf"(?i)(?<!\w)(?:\d{{1,3}}|{NUMBER_WORD})[ -]?vuotia(?:s|an|ana|aana|aaksi|iden|ita|ina|ille)(?!\w)"
    rf"|(?<!\w)(?:\d{{1,3}}|{NUMBER_WORD})\s+vuotta\s+vanh\w*"
    rf"|(?<=\btäytin\s)(?:\d{{1,3}}|{NUMBER_WORD})(?!\w)|(?<=\btäytti\s)(?:\d{{1,3}}|{NUMBER_WORD})(?!\w)"
    rf"|(?<=\btäyttää\s)(?:\d{{1,3}}|{NUMBER_WORD})(?!\w)")
STREET = r"(?:katu|kadulla|kadulle|kadun|tie|tiellä|tielle|tien|kuja|kujalla|polku|väylä|raitti|ranta|puisto|tori|kaari|rinne|mäki|aukio|portti)"
ADDRESS = re.compile(rf"(?<!\w)[A-ZÅÄÖ][a-zåäö]+{STREET}\s+\d{{1,4}}[A-Za-z]?(?:\s+[A-Z]\s?\d{{1,3}})?(?![\d])")

# "Hervannan koulu(a)", "Turun kaupungilla", "Kaukajärven kirjastossa": a place's genitive + an institution
INSTITUTION = re.compile(
    r"(?<!\w)[A-ZÅÄÖ][a-zåäö-]+n\s+(?:koulu|kirjasto|sairaala|yliopisto|ammattikorkeakoulu|lukio|päiväkoti|kaupun[gk]i|"
    r"kunta|kunna|seurakun|terveyskeskus|kirkko|kirko|yhtiö|osuuskaup|vankila|varuskun)[a-zåäö]*")
RELATION = re.compile(
    r"(?i:\b(?:poika|poikani|tyttö|tytär|tyttäreni|mies|mieheni|vaimo|vaimoni|veli|veljeni|sisko|siskoni|äiti|isä|"
    r"naapuri|kaveri|ystävä|esimies|pomo|lääkäri)\s+)([A-ZÅÄÖ][a-zåäö]+)")
# case endings, longest first; after stripping, a doubled final vowel is single ("Tamperee-" → "Tampere")
ENDINGS = ("seen", "siin", "ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "lle", "ksi", "na", "nä", "ta", "tä",
           "hun", "hin", "hen", "han", "hon", "hön", "un", "in", "en", "an", "on", "yn", "än", "ön", "n", "a", "ä")
GRADATION = (("ng", "nk"), ("hd", "ht"), ("nn", "nt"), ("mm", "mp"), ("ll", "lt"), ("rr", "rt"), ("d", "t"),
             ("v", "p"), ("k", "kk"), ("t", "tt"), ("p", "pp"), ("", "k"))


def rules(text: str, keep_months: bool) -> list[Candidate]:
    out = regex(DATE, text, "DATE", 0.85, "date_fi")
    if keep_months:  # a month with no day or year stays
        out = [c for c in out if re.search(r"\d|" + words_of(ORDINALS), text[c.start:c.end], re.I)]
    out += regex(AGE, text, "AGE", 0.85, "age_fi")
    out += regex(ADDRESS, text, "ADDRESS", 0.85, "address_fi")
    out += regex(INSTITUTION, text, "ORGANIZATION", 0.8, "institution_fi")
    out += regex(RELATION, text, "PERSON", 0.75, "relation_name_fi", group=1)
    return out


def base_forms(word: str) -> set[str]:
    """Possible nominative forms of an inflected Finnish word (lower case); includes the word itself."""
    w = word.lower()
    out = {w}
    for end in ENDINGS:
        if not w.endswith(end) or len(w) - len(end) < 3:
            continue
        stem = w[: -len(end)]
        stems = {stem}
        if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] in "aeiouyäö":
            stems.add(stem[:-1])  # Tamperee(lla), Turkuu(n)
        for s in list(stems):
            if s.endswith("e"):
                stems.add(s[:-1] + "i")  # Lahde(ssa) → Lahdi → (gradation) Lahti
            for weak, strong in GRADATION:  # Helsing(issä) → Helsink(i), Lahd(e) → Laht(e)
                core = s[:-1] if s[-1] in "aeiouyäö" else s
                vowel = s[len(core):]
                if weak and core.endswith(weak):
                    stems.add(core[: len(core) - len(weak)] + strong + vowel)
                    stems.add(core[: len(core) - len(weak)] + strong + "i")
        out |= stems
        out |= {s + "i" for s in stems if s[-1:] not in "aeiouyäö"}
    return out
