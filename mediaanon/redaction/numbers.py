"""Rules for numbers, dates, ages, addresses, e-mails and web addresses in ASR text.

Spoken and written forms are handled alike: "oh seven seven double oh nine"
and "07709" are both number runs (see :mod:`mediaanon.redaction.spoken`); what
a run *is* — a phone number, an identifier, an age, a year — is decided from
how many digits were spoken and from the words around it ("my nhs number
is …", "I'm … years old", "… of march").
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

from mediaanon.redaction import lexicon as lx
from mediaanon.redaction import spoken as sp
from mediaanon.redaction.context import TextContext
from mediaanon.redaction.spans import Candidate

PHONE_CUES = {"phone", "mobile", "cell", "call", "ring", "text", "landline", "whatsapp", "contact", "reach",
              "number's", "numbers", "extension", "ext", "fax", "dial", "message", "telephone", "tel", "on"}
ID_CUES = {"id", "account", "sort", "card", "reference", "ref", "policy", "nhs", "insurance", "passport",
           "licence", "license", "membership", "member", "customer", "patient", "student", "staff", "employee",
           "case", "claim", "code", "pin", "reg", "registration", "plate", "serial", "national", "nino",
           "ssn", "security", "tax", "utr", "payroll", "badge", "hospital", "order", "tracking", "iban"}
UNIT_NOUNS = {"minutes", "minute", "hours", "hour", "days", "day", "weeks", "week", "months", "month", "miles",
              "mile", "pounds", "pound", "quid", "dollars", "euros", "percent", "per", "times", "people", "kids",
              "children", "of", "grand", "k", "pence", "p", "stone", "kilos", "kg", "feet", "foot", "metres",
              "meters", "inches", "degrees", "o'clock", "am", "pm", "bucks", "hundred", "thousand", "million",
              "quarter", "half", "points", "goals", "things", "year", "am", "a.m", "p.m", "seconds", "bedroom",
              "bed", "pints", "cigarettes", "tablets", "mg"}
AGE_VERBS = {"i'm", "im", "he's", "she's", "they're", "you're", "aged", "age", "turned", "turning", "turns", "turn"}
PERSON_SUBJECTS = {"i", "he", "she", "they", "you", "we"} | lx.RELATIONS
YEAR_CUES = {"in", "since", "until", "till", "from", "born", "of", "year", "by", "around", "circa"}
# Words that tie a lone month to an event ("starts school in September", "since last October"); HIPAA
# Safe Harbor counts every element of a date but the year as identifying, so such a month is redacted.
MONTH_CUES = {"in", "since", "until", "till", "from", "by", "of", "on", "last", "next", "this", "early", "late", "mid",
              "before", "after", "during", "around", "through", "every", "each", "that"}
ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
MONTHS = set(lx.MONTHS) | set(lx.MONTH_ABBREVIATIONS)
POSTCODE_RE = re.compile(r"\b(?:[a-z]{1,2}\d[a-z\d]?\s?\d[abd-hjlnp-uw-z]{2})\b", re.IGNORECASE)
ZIP_RE = re.compile(r"\b\d{5}(?:-\d{4})?\b")
PLATE_RE = re.compile(r"\b[a-z]{2}\d{2}\s?[a-z]{3}\b", re.IGNORECASE)
ALNUM_ID_RE = re.compile(r"\b(?=(?:[a-z]*\d){3})(?=(?:\d*[a-z]){2})[a-z\d]{6,}\b", re.IGNORECASE)
# A dotted token without "@" ("merrier.gonzart.outlook.com"): ASR's way of writing a spoken address.
DOTTED_RE = re.compile(r"(?<![\w@.])[\w+\-]+(?:\.[\w+\-]+)+(?![\w@]|\.\w)")
EMAIL_CUE_RE = re.compile(r"\b(?:e-?mail(?:s|ed)?(?: address)?|mail|emails|inbox)(?:'s| me| us| him| her| them)?"
                          r"(?: is| was| at| on| to|:)*\s*$", re.IGNORECASE)
NUMERIC_DATE_RE = re.compile(r"\b(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)\b")
FLAT_WORDS = {"flat", "apartment", "apt", "unit", "suite"}
PRONOUN_OBJECTS = {"me", "us", "him", "her", "them", "you"}
POSSESSIVES = {"my", "his", "her", "our", "their", "your"}
CALL_VERBS = {"call", "ring", "reach", "text", "phone", "contact", "message", "whatsapp"}
NUMBER_NOUNS = {"number", "mobile", "phone", "landline", "cell", "extension", "telephone"}


def _cues(toks: Sequence[sp.Token], i: int, before: int = 8) -> set[str]:
    return {t.lower for t in toks[max(0, i - before):i]}


def _gap_word_ok(toks: Sequence[sp.Token], first: int, last: int) -> bool:
    """Whether tokens ``first..last`` between two number runs may be a misheard digit or a filler.

    ASR breaks spoken numbers with one short word ("077-0, I'm 0-0, 1-2-3-4",
    where "I'm" was "nine"; "… uh …"): punctuation plus at most one word of
    up to four letters, which is not a cue that starts another number.
    """
    words = [t for t in toks[first:last + 1] if t.text not in sp.SEPARATORS and t.text not in (":", ";")]
    if len(words) > 1 or any(not t.text[:1].isalpha() for t in words):
        return False
    return not words or (len(words[0].text.replace("'", "").replace("’", "")) <= 4
                         and words[0].lower not in PHONE_CUES | ID_CUES | {"or", "and", "to", "than", "of"})


def _merge(a: sp.NumberRun, b: sp.NumberRun) -> sp.NumberRun:
    return sp.NumberRun(a.first, b.last, a.start, b.end, a.digits + b.digits, a.groups + b.groups,
                        a.has_scale or b.has_scale, None)


def phone_runs(toks: Sequence[sp.Token]) -> list[sp.NumberRun]:
    """Number runs, with pieces of one phone number or identifier joined.

    Two runs join across a short gap (see ``_gap_word_ok``) when a phone or
    identifier cue precedes them, neither is a quantity ("two hundred"), the
    left part is not yet a whole phone number (< 10 digits), and together
    they have 7..15 digits, as phone numbers and identifiers do.
    """
    out: list[sp.NumberRun] = []
    for run in sp.number_runs(toks):
        if out:
            prev = out[-1]
            cues = _cues(toks, prev.first)
            nd = len(prev.digits) + len(run.digits)
            if (cues & (PHONE_CUES | ID_CUES | {"number"}) and not prev.has_scale and not run.has_scale
                    and len(prev.digits) < 10 and 7 <= nd <= 15 and _gap_word_ok(toks, prev.last + 1, run.first - 1)):
                out[-1] = _merge(prev, run)
                continue
        out.append(run)
    return out


def _phone_cue_before(toks: Sequence[sp.Token], i: int) -> bool:
    """"call me on", "reach us at", "my number is", "mobile number's" directly before token ``i``."""
    words = [t.lower for t in toks[max(0, i - 4):i] if t.text not in (",", ":", "-")]
    if len(words) >= 3 and words[-1] in ("on", "at") and words[-2] in PRONOUN_OBJECTS and words[-3] in CALL_VERBS:
        return True
    if words and words[-1] in ("is", "was") and len(words) >= 2:
        noun, before = words[-2], words[-3] if len(words) >= 3 else ""
    elif words and words[-1].endswith(("'s", "’s")):
        noun, before = words[-1][:-2], words[-2] if len(words) >= 2 else ""
    else:
        return False
    return noun in NUMBER_NOUNS and (before in POSSESSIVES or before in NUMBER_NOUNS)


def phones_and_ids(toks: Sequence[sp.Token]) -> list[Candidate]:
    """Runs of 7+ spoken/written digits (5+ with a cue, 3+ right after "call me on"): phones and identifiers."""
    out = []
    for run in phone_runs(toks):
        nd = len(run.digits)
        cues = _cues(toks, run.first)
        phone_cue = bool(cues & PHONE_CUES)
        id_cue = bool(cues & ID_CUES)
        digit_by_digit = run.groups >= 3 or any(t.text.isdecimal() and len(t.text) >= 5 for t in toks[run.first:run.last + 1])
        if run.has_scale and run.groups <= 2:
            continue  # "two thousand and three", "five hundred thousand": a year or a quantity
        if nd >= 7 and digit_by_digit:
            typ = "ID" if id_cue else "PHONE" if (phone_cue or nd >= 9) else "ID"
            score = 0.8 if (phone_cue or id_cue or "number" in cues) else 0.55
        elif nd >= 5 and run.groups >= 2 and (id_cue or phone_cue or "number" in cues):
            typ, score = ("ID" if id_cue or not phone_cue else "PHONE"), 0.7
        elif nd >= 3 and not run.has_scale and _phone_cue_before(toks, run.first) \
                and not (run.last + 1 < len(toks) and toks[run.last + 1].lower in UNIT_NOUNS):
            typ, score = ("ID" if _cues(toks, run.first, 4) & ID_CUES else "PHONE"), 0.6  # "call me on 4471"
        else:
            continue
        first, last = run.first, run.last
        if typ == "ID":  # spoken letters of an identifier: "h r four four nine …"
            while first > 0 and len(toks[first - 1].text) == 1 and toks[first - 1].text.isalpha() and toks[first - 1].lower not in ("a", "i"):
                first -= 1
            while last + 1 < len(toks) and len(toks[last + 1].text) == 1 and toks[last + 1].text.isalpha() and toks[last + 1].lower not in ("a", "i"):
                last += 1
        out.append(Candidate(toks[first].start, toks[last].end, typ, score, "spoken_numbers"))
    return out


def ages(toks: Sequence[sp.Token]) -> list[Candidate]:
    """"I'm 34", "thirty four years old", "she's seven", "at the age of twelve"."""
    out = []
    for run in sp.number_runs(toks):
        if run.value is None or not 0 < run.value <= 120 or run.has_scale and run.value < 100:
            continue
        after = [t.lower for t in toks[run.last + 1:run.last + 4]]
        before = [t.lower for t in toks[max(0, run.first - 4):run.first]]
        is_age = after[:2] in (["years", "old"], ["year", "old"], ["yrs", "old"]) or after[:1] == ["year-old"] \
            or after[:4] == ["-", "year", "-", "old"] or before[-3:] == ["the", "age", "of"]
        if not is_age and after[:1] and after[0] in UNIT_NOUNS:
            continue
        if not is_age and before:
            prev = before[-1]
            if prev in AGE_VERBS:
                is_age = True
            elif prev in ("is", "was", "am", "be", "being") and any(w in PERSON_SUBJECTS or lx.is_given_name(w) for w in before[:-1]):
                is_age = not (after[:1] and after[0] in ("and", "or") and len(after) > 1 and after[1] in UNIT_NOUNS)
        if is_age:
            out.append(Candidate(run.start, run.end, "AGE", 0.75, "ages"))
    return out


def _day_at(toks: Sequence[sp.Token], i: int) -> int | None:
    """Last token index of a day of the month starting at ``i`` ("third", "twenty first", "14th")."""
    if i >= len(toks):
        return None
    w = toks[i].lower
    if w in sp.ORDINALS and sp.ORDINALS[w] <= 31:
        return i
    if w in ("twenty", "thirty") and i + 1 < len(toks) and toks[i + 1].lower in sp.ORDINALS and sp.ORDINALS[toks[i + 1].lower] < 10:
        return i + 1
    if w.isdecimal() and 1 <= int(w) <= 31:
        if i + 1 < len(toks) and toks[i + 1].lower in ORDINAL_SUFFIXES and toks[i + 1].start == toks[i].end:
            return i + 1
        return i
    return None


def dates(toks: Sequence[sp.Token], keep_years: bool, keep_months: bool = False) -> list[Candidate]:
    """Dates with a day or month: "the third of march nineteen eighty four", "June 14th, 2019".

    A month alone is redacted when a cue word ties it to an event ("in September", "last October"),
    unless ``keep_months``; "may"/"march" in lower case are verbs as often as months, so alone they
    always stay ("we got through march").
    """
    runs = {r.first: r for r in sp.number_runs(toks)}
    out = []

    def year_after(j: int) -> int:
        if j < len(toks) and toks[j].text == ",":
            j += 1
        run = runs.get(j)
        return run.last if run is not None and sp.spoken_year(run) is not None else -1

    for i, t in enumerate(toks):
        if t.lower not in MONTHS:
            continue
        if t.lower in ("may", "march", "mar", "jan", "sep", "dec") and not t.text[:1].isupper():
            ambiguous = True  # "may"/"march" are also verbs: need a day or a year beside them
        else:
            ambiguous = False
        first, last = i, i
        # day before: "[the] third [of] march"
        j = i - 1
        if j >= 0 and toks[j].lower == "of":
            j -= 1
        for k in range(max(0, j - 2), j + 1):
            if _day_at(toks, k) == j:
                first = k - 1 if k > 0 and toks[k - 1].lower == "the" else k
                break
        # day after: "june 14th", "march the third"
        if first == i:
            k = i + 1 + (1 if i + 1 < len(toks) and toks[i + 1].lower == "the" else 0)
            end = _day_at(toks, k)
            if end is not None and not (toks[k].text.isdecimal() and len(toks[k].text) == 4):
                last = end
        y = year_after(last + 1)
        if y >= 0:
            last = y
        if first == i and last == i and ambiguous:
            continue
        if first == i and last == i:
            cue = i > 0 and toks[i - 1].lower in MONTH_CUES
            if keep_months or not cue:
                continue  # a month alone with no cue ("March was cold") is kept
            out.append(Candidate(t.start, t.end, "DATE", 0.6, "dates"))
            continue
        out.append(Candidate(toks[first].start, toks[last].end, "DATE", 0.8, "dates"))
    if not keep_years:
        for run in runs.values():
            if sp.spoken_year(run) is not None and run.first > 0 and toks[run.first - 1].lower in YEAR_CUES:
                out.append(Candidate(run.start, run.end, "DATE", 0.6, "dates"))
    return out


def numeric_dates(text: str) -> list[Candidate]:
    return [Candidate(m.start(), m.end(), "DATE", 0.6, "dates") for m in NUMERIC_DATE_RE.finditer(text)]


def addresses(ctx: TextContext) -> list[Candidate]:
    """Streets ("elm road" → PLACE), house numbers + street ("14 willow close" → ADDRESS), postcodes, flats."""
    out = []
    toks = ctx.tokens
    for k, t in enumerate(toks):
        suffix = t.lower in lx.STREET_SUFFIXES or (t.lower in lx.STREET_SUFFIXES_CASED and (t.cased or t.view))
        if suffix and k > 0:
            first = k
            while first - 1 >= 0 and k - first < 2:
                m = toks[first - 1]
                if not m.alpha or m.lower in lx.STOP_WORDS or m.lower in lx.GENERIC_STREET_MODIFIERS and not m.cased \
                        or sp.is_number_word(m.lower) or (m.pos not in ("NOUN", "PROPN", "ADJ", "X") and not m.view):
                    break
                first -= 1
            if first == k:
                continue
            number = first
            while number - 1 >= 0 and first - number < 4 and (sp.is_number_word(toks[number - 1].lower)
                                                               or re.fullmatch(r"\d+[a-z]?", toks[number - 1].lower)):
                number -= 1
            if number < first:
                out.append(Candidate(toks[number].start, t.end, "ADDRESS", 0.75, "addresses"))
            else:
                out.append(Candidate(toks[first].start, t.end, "PLACE", 0.55, "addresses"))
        elif t.lower.rstrip(".") in FLAT_WORDS and k + 1 < len(toks) and (toks[k + 1].text.isdecimal() or sp.is_number_word(toks[k + 1].lower)):
            out.append(Candidate(t.start, toks[k + 1].end, "ADDRESS", 0.6, "addresses"))
        elif t.text.isdecimal() and len(t.text) <= 4 and k > 0 and toks[k - 1].cased and toks[k - 1].alpha \
                and not ctx.vocab.known(toks[k - 1].lower, toks[k - 1].lemma) and toks[k - 1].lower not in lx.ABBREVIATIONS:
            first = k - 1  # "Harjukuja 54", "Via Franscini 71": a street name the vocabulary lacks + house number
            while first - 1 >= 0 and k - first < 3 and toks[first - 1].cased and toks[first - 1].alpha:
                first -= 1
            out.append(Candidate(toks[first].start, t.end, "ADDRESS", 0.5, "addresses"))
    text = ctx.text
    for m in POSTCODE_RE.finditer(text):
        out.append(Candidate(m.start(), m.end(), "ADDRESS", 0.7, "addresses"))
    for m in ZIP_RE.finditer(text):
        if re.search(r"\b(zip|zipcode|postal)\b", text[max(0, m.start() - 30):m.start()], re.IGNORECASE):
            out.append(Candidate(m.start(), m.end(), "ADDRESS", 0.7, "addresses"))
    return out


def written_ids(text: str) -> list[Candidate]:
    """Letter-digit identifiers: number plates ("ya17 xkm"), "ab123456c"."""
    out = [Candidate(m.start(), m.end(), "ID", 0.6, "ids") for m in PLATE_RE.finditer(text)]
    out += [Candidate(m.start(), m.end(), "ID", 0.5, "ids") for m in ALNUM_ID_RE.finditer(text)]
    return out


def written_emails(text: str) -> list[Candidate]:
    """E-mail addresses ASR wrote without "@": "email me at merrier.gonzart.outlook.com".

    A dotted token is an address when an e-mail cue ends right before it
    ("email me at", "my e-mail is") or when a mail provider's name
    (outlook, gmail, …) follows at least one other label in it.  The whole
    token is the span: a name in its local part must not stay behind.
    """
    out = []
    for m in DOTTED_RE.finditer(text):
        labels = m.group().lower().split(".")
        if not re.search(r"[^\W\d_]{2,}$", labels[-1]) or sum(c.isalpha() for c in m.group()) < 5 or labels[0] == "www":
            continue  # "3.5", "e.g", web addresses
        cued = bool(EMAIL_CUE_RE.search(text[max(0, m.start() - 40):m.start()]))
        provider = any(label in sp.MAIL_PROVIDERS and label != "mail" for label in labels[1:])
        if cued or provider:
            out.append(Candidate(m.start(), m.end(), "EMAIL", 0.9, "written_email"))
    return out


def web(toks: Sequence[sp.Token], is_suffix: Callable[[str], bool]) -> list[Candidate]:
    """Spoken e-mail and web addresses ("john dot okafor at outlook dot com")."""
    def stop(w: str) -> bool:
        return w in lx.STOP_WORDS and not sp.is_number_word(w) or w in ("email", "e-mail", "address", "mail")

    out = [Candidate(toks[a.first].start, toks[a.last].end, "EMAIL", 0.85, "spoken_email")
           for a in sp.spoken_emails(toks, is_suffix, stop)]
    out += [Candidate(toks[a.first].start, toks[a.last].end, "URL", 0.6, "spoken_url")
            for a in sp.spoken_urls(toks, is_suffix)]
    return out
