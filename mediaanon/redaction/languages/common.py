"""Rules shared by the non-English languages: phones, plates, numeric dates, years.

Whisper writes numbers in these languages mostly as digits ("040 123 4567",
"06 12 34 56 78"), so the patterns are over written digits; spoken forms are
the per-language modules' business.  Every rule returns ``Candidate``s with a
recognizer name of its own, which the processing log counts.
"""
from __future__ import annotations

import re
from typing import Iterable

from mediaanon.redaction.languages.ids import find_ids
from mediaanon.redaction.spans import Candidate

PHONES = {
    "fi": (r"(?<![\w+])0\d{1,2}[ -]?\d{3}[ -]?\d{3,4}(?!\w)", r"(?<!\w)\+358[ -]?\d{1,2}[ -]?\d{3}[ -]?\d{3,4}(?!\w)"),
    "fr": (r"(?<![\w+])0[1-9](?:[ .-]?\d{2}){4}(?!\w)", r"(?<!\w)\+33[ .-]?[1-9](?:[ .-]?\d{2}){4}(?!\w)"),
    "sv": (r"(?<![\w+])0\d{1,3}[ -]?\d{2,3}[ -]?\d{2}[ -]?\d{2}(?!\w)",),
    "nb": (r"(?<![\w+\d])\d{3} ?\d{2} ?\d{3}(?!\w)",),
    "da": (r"(?<![\w+\d])\d{2} ?\d{2} ?\d{2} ?\d{2}(?!\w)",),
    "en": (r"(?<![\w+])0\d{2,4}[ -]?\d{3}[ -]?\d{3,4}(?!\w)",),
}
# any country in international form: "+46 70 123 45 67", "+44 7700 900123"
INTERNATIONAL = re.compile(r"(?<!\w)\+\d{1,3}(?:[ .-]?\d{1,4}){2,5}(?!\w)")

PLATES = (
    re.compile(r"(?<![\w-])[A-ZÅÄÖ]{2,3}-\d{1,3}(?![\w-])"),  # Finnish ABC-123
    re.compile(r"(?<![\w-])[A-Z]{2}-\d{3}-[A-Z]{2}(?![\w-])"),  # French SIV AB-123-CD
    re.compile(r"(?<![\w-])[A-Z]{2}\d{2} ?[A-Z]{3}(?![\w-])"),  # British YK19 ABC
    re.compile(r"(?<![\w-])[A-Z]{3} ?\d{2}[A-Z0-9](?![\w-])"),  # Swedish ABC 12D
)

# Whisper writes a spoken number as comma-separated groups ("numéro 6, 12, 34, 56, 78", "numero 040, 123, 4567"):
# after a phone cue, three or more digit groups are a phone number whatever the grouping
PHONE_CUE = re.compile(r"(?i)(?:numéro|numero|numeroon|numeroni|numerosta|puhelin\w*|soita\w*|appelle\w*|joindre|portable"
                       r"|phone|number|mobile)\W{1,12}(?:(?:est|on|c'est|le|au|is)\W+){0,3}"
                       r"((?:\+?\d{1,4}[ ,.-]{1,3}){2,}\d{1,4})(?!\w)")
# a phone number read out digit by digit, as words ("nolla neljä nolla, yksi kaksi kolme", "zéro six douze …")
DIGIT_WORDS = {
    "fi": ("nolla", "yksi", "yks", "kaksi", "kaks", "kolme", "neljä", "viisi", "viis", "kuusi", "seitsemän",
           "seittemän", "kahdeksan", "kaheksan", "yhdeksän", "yheksän"),
    "fr": ("zéro", "zero", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
           "treize", "quatorze", "quinze", "seize", "vingt", "trente", "quarante", "cinquante", "soixante"),
}
MIN_DIGIT_WORDS = 5  # fewer is a count ("kaksi tai kolme"), not a number read out
NUMERIC_DATE = re.compile(r"(?<![\w.])(?:[0-3]?\d)[./](?:[01]?\d)[./](?:\d{4}|\d{2})(?![\w])|(?<![\w.])[0-3]?\d\.[01]?\d\.(?!\d)")
YEAR = re.compile(r"(?<![\w.,-])(?:19|20)\d{2}(?![\w])")


def phones(text: str, language: str) -> list[Candidate]:
    out = []
    for pat in PHONES.get(language, ()):
        out += [Candidate(m.start(), m.end(), "PHONE", 0.85, f"phone_{language}") for m in re.finditer(pat, text)]
    out += [Candidate(m.start(), m.end(), "PHONE", 0.8, "phone_international") for m in INTERNATIONAL.finditer(text)]
    out += regex(PHONE_CUE, text, "PHONE", 0.8, "phone_cued", group=1)
    out += spoken_digits(text, language)
    return out


def spoken_digits(text: str, language: str) -> list[Candidate]:
    """Runs of >= MIN_DIGIT_WORDS digit words (compounds such as "yksikaksi" count per part) as a PHONE."""
    words = DIGIT_WORDS.get(language)
    if not words:
        return []
    alt = words_of(words)
    word = rf"(?:{alt})(?:-?(?:{alt}))*"
    run = re.compile(rf"(?i)(?<!\w){word}(?:[\s,.-]+{word})+(?!\w)")
    out = []
    for m in run.finditer(text):
        n = len(re.findall(rf"(?i){alt}", m.group()))
        if n >= MIN_DIGIT_WORDS:
            out.append(Candidate(m.start(), m.end(), "PHONE", 0.75, f"spoken_digits_{language}"))
    return out


def plates(text: str) -> list[Candidate]:
    """Licence plates in the written shapes of fi/fr/uk/se (upper case, as Whisper writes them)."""
    return [Candidate(m.start(), m.end(), "ID", 0.7, "plate") for p in PLATES for m in p.finditer(text)]


def national_ids(text: str) -> list[Candidate]:
    return [Candidate(s, e, "ID", score, rule) for s, e, score, rule in find_ids(text)]


def numeric_dates(text: str) -> list[Candidate]:
    """``12.4.2019``, ``12/04/2019``, ``15.3.`` — day-first, as written in these languages."""
    return [Candidate(m.start(), m.end(), "DATE", 0.8, "date_numeric") for m in NUMERIC_DATE.finditer(text)]


def years(text: str, keep_years: bool) -> list[Candidate]:
    """A bare year is a date element only when the policy removes years (strict)."""
    if keep_years:
        return []
    return [Candidate(m.start(), m.end(), "DATE", 0.7, "year") for m in YEAR.finditer(text)]


def regex(pattern: re.Pattern[str], text: str, typ: str, score: float, name: str, group: int = 0) -> list[Candidate]:
    return [Candidate(m.start(group), m.end(group), typ, score, name) for m in pattern.finditer(text) if m.group(group)]


def common(text: str, language: str, keep_years: bool) -> list[Candidate]:
    """Every shared rule over ``text``."""
    out: list[Candidate] = []
    for part in (phones(text, language), plates(text), national_ids(text), numeric_dates(text), years(text, keep_years)):
        out += part
    return out


def words_of(items: Iterable[str]) -> str:
    """``a|b|c`` alternation, longest first (so "dix-huit" wins over "dix")."""
    return "|".join(sorted((re.escape(i) for i in items), key=len, reverse=True))
