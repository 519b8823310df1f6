"""Spoken forms of numbers, e-mail addresses and web addresses, as ASR writes them.

Why: Whisper transcribes "five five five, two one eight" or "john dot okafor
at outlook dot com" literally, and regex recognizers for phone numbers and
e-mails never see digits or an ``@``.  These pure functions read such word
sequences back into digits and addresses so that recognizers can judge them
(how many digits, which top-level domain) while offsets stay on the words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|\S", re.UNICODE)

UNITS = {"zero": 0, "nought": 0, "naught": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4,
         "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000}
REPEATS = {"double": 2, "triple": 3, "treble": 3}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
            "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
            "nineteenth": 19, "twentieth": 20, "thirtieth": 30}
ORDINAL_DIGITS_RE = re.compile(r"^\d{1,2}(st|nd|rd|th)$", re.IGNORECASE)
SEPARATORS = {",", "-", "–", ".", "/", ")", "("}
DOT_WORDS = {"dot", "period", "point", "."}
JOIN_WORDS = {"underscore": "_", "dash": "-", "hyphen": "-", "_": "_", "-": "-"}
EMAIL_CUES = {"email", "e-mail", "mail", "emails", "address", "contact", "reach", "write", "message", "inbox"}
MAIL_PROVIDERS = {"gmail", "googlemail", "hotmail", "outlook", "yahoo", "icloud", "aol", "protonmail",
                  "proton", "btinternet", "live", "msn", "mail", "gmx", "yandex"}


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


def tokenize(text: str) -> list[Token]:
    """Words, digit runs and single punctuation marks, with character offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


def is_number_word(word: str) -> bool:
    w = word.lower()
    return w in UNITS or w in TEENS or w in TENS or w in SCALES or w in REPEATS or w.isdecimal()


@dataclass(frozen=True)
class NumberRun:
    """A maximal run of number tokens: ``tokens[first:last+1]``."""

    first: int
    last: int
    start: int
    end: int
    digits: str  # the digits as read, e.g. "5552184471"; "2003" for "two thousand and three"
    groups: int  # how many separately spoken groups ("five five five" = 3, "thirty four" = 1)
    has_scale: bool  # "hundred"/"thousand" was said: a quantity or a year, rarely an identifier
    value: int | None  # the value when the run is one number (one group), else None


def _starts_run(tokens: Sequence[Token], i: int) -> bool:
    w = tokens[i].lower
    if w in ("oh", "o"):
        return i + 1 < len(tokens) and is_number_word(tokens[i + 1].text) and tokens[i + 1].lower not in SCALES
    if w in REPEATS:
        return i + 1 < len(tokens) and tokens[i + 1].lower in UNITS
    return is_number_word(w) and w not in SCALES


def number_runs(tokens: Sequence[Token]) -> list[NumberRun]:
    """Find runs like "oh seven seven double oh nine" or "two thousand and three"."""
    runs: list[NumberRun] = []
    i = 0
    while i < len(tokens):
        if not _starts_run(tokens, i):
            i += 1
            continue
        j = i
        while j + 1 < len(tokens):
            nxt = tokens[j + 1].lower
            if is_number_word(nxt) and (nxt not in ("oh", "o") or _starts_run(tokens, j + 1) or is_number_word(tokens[j].text)):
                j += 1
            elif nxt == "and" and tokens[j].lower in SCALES and j + 2 < len(tokens) and is_number_word(tokens[j + 2].text):
                j += 1
            elif nxt in SEPARATORS and j + 2 < len(tokens) and is_number_word(tokens[j + 2].text) \
                    and tokens[j + 1].start == tokens[j].end:
                j += 1
            else:
                break
        while j > i and not is_number_word(tokens[j].text):
            j -= 1
        runs.append(_read_run(tokens, i, j))
        i = j + 1
    return runs


def _read_run(tokens: Sequence[Token], first: int, last: int) -> NumberRun:
    groups: list[str] = []
    cur: int | None = None  # value of an open compound ("forty", "two hundred")
    open_kind = ""  # "tens" | "scale" | ""
    has_scale = False
    repeat = 1

    def close() -> None:
        nonlocal cur, open_kind
        if cur is not None:
            groups.append(str(cur))
        cur, open_kind = None, ""

    for tok in tokens[first:last + 1]:
        w = tok.lower
        if w in REPEATS:
            close()
            repeat = REPEATS[w]
        elif w.isdecimal():
            close()
            groups.append(w * repeat)
            repeat = 1
        elif w in UNITS:
            if repeat > 1:
                close()
                groups.append(str(UNITS[w]) * repeat)
                repeat = 1
            elif open_kind in ("tens", "scale") and cur is not None and cur % 10 == 0:
                cur += UNITS[w]
                if open_kind == "tens":
                    close()
            else:
                close()
                cur, open_kind = UNITS[w], "unit"
        elif w in TEENS or w in TENS:  # "(two hundred) fifteen" / "(two hundred) fifty"
            value, kind = (TEENS[w], "teen") if w in TEENS else (TENS[w], "tens")
            if open_kind == "scale" and cur is not None and cur % 100 == 0:
                cur += value
            else:
                close()
                cur, open_kind = value, kind
        elif w in SCALES:
            has_scale = True
            base = cur if cur is not None else 1
            if w == "thousand" and cur is not None and cur >= 1000:
                base = cur
            cur = base * SCALES[w] if not (w == "thousand" and base >= 1000) else base * 1000
            open_kind = "scale"
    close()
    digits = "".join(groups)
    value = int(groups[0]) if len(groups) == 1 else None
    return NumberRun(first, last, tokens[first].start, tokens[last].end, digits, len(groups), has_scale, value)


def spoken_year(run: NumberRun) -> int | None:
    """The year a run says ("nineteen eighty four", "two thousand and three", "twenty eighteen", "1962")."""
    if run.value is not None and 1900 <= run.value <= 2099:
        return run.value
    if run.groups == 2 and len(run.digits) == 4 and not run.has_scale:
        year = int(run.digits)
        if 1900 <= year <= 2099:
            return year
    return None


@dataclass(frozen=True)
class SpokenAddress:
    """A spoken e-mail or web address: token range and the address it spells."""

    first: int
    last: int
    address: str


def _domain_after(tokens: Sequence[Token], i: int, is_suffix: Callable[[str], bool]) -> tuple[int, str] | None:
    """Read "outlook dot com" / "yahoo dot co dot uk" starting at token ``i``."""
    labels: list[str] = []
    j = i
    last_ok: tuple[int, str] | None = None
    while j < len(tokens) and re.fullmatch(r"[\w-]+", tokens[j].text):
        labels.append(tokens[j].lower)
        domain = ".".join(labels)
        if len(labels) >= 2 and is_suffix(domain):
            last_ok = (j, domain)
        if j + 2 < len(tokens) and tokens[j + 1].lower in DOT_WORDS:
            j += 2
        else:
            break
    return last_ok


def spoken_emails(tokens: Sequence[Token], is_suffix: Callable[[str], bool], stop: Callable[[str], bool]) -> list[SpokenAddress]:
    """"lucy underscore brennan ninety two at gmail dot com" → lucy_brennan92@gmail.com.

    ``is_suffix(domain)`` says whether ``domain`` ends in a public suffix
    (checked with tldextract's bundled list); ``stop(word)`` whether a word
    can not be part of the local part ("me", "is").
    """
    out: list[SpokenAddress] = []
    for k, tok in enumerate(tokens):
        if tok.lower not in ("at", "@") or k == 0 or k + 1 >= len(tokens):
            continue
        dom = _domain_after(tokens, k + 1, is_suffix)
        if dom is None and tokens[k + 1].lower in MAIL_PROVIDERS:
            dom = (k + 1, tokens[k + 1].lower + ".com")
        if dom is None or tokens[k + 1].lower == "www":
            continue
        first = k - 1
        if stop(tokens[first].lower) or not re.fullmatch(r"[\w]+", tokens[first].text):
            continue
        parts = [tokens[first].lower]
        while first - 1 >= 0 and len(parts) < 8:
            prev = tokens[first - 1].lower
            if prev in DOT_WORDS or prev in JOIN_WORDS:
                if first - 2 >= 0 and re.fullmatch(r"\w+", tokens[first - 2].text) and not stop(tokens[first - 2].lower):
                    parts[:0] = [tokens[first - 2].lower, "." if prev in DOT_WORDS else JOIN_WORDS[prev]]
                    first -= 2
                    continue
                break
            if (is_number_word(prev) or is_number_word(tokens[first].text)) and not stop(prev) \
                    and re.fullmatch(r"\w+", tokens[first - 1].text):
                parts.insert(0, prev)
                first -= 1
                continue
            break
        spelled = any(t.lower in DOT_WORDS - {"."} or t.lower in ("underscore", "dash", "hyphen") for t in tokens[first:dom[0] + 1])
        cued = any(t.lower in EMAIL_CUES for t in tokens[max(0, first - 8):first])
        if spelled or cued:  # "the group's page at www.x.org" is no address
            out.append(SpokenAddress(first, dom[0], "".join(parts) + "@" + dom[1]))
    return out


def spoken_urls(tokens: Sequence[Token], is_suffix: Callable[[str], bool]) -> list[SpokenAddress]:
    """"www dot helpinghands dot org slash events" → www.helpinghands.org/events."""
    out: list[SpokenAddress] = []
    k = 0
    while k < len(tokens):
        if k > 0 and tokens[k - 1].lower in ("at", "@"):
            k += 1
            continue
        said_dot = k + 1 < len(tokens) and tokens[k + 1].lower in ("dot", "period")
        dom = _domain_after(tokens, k, is_suffix) if said_dot or tokens[k].lower == "www" else None
        if dom is None:
            k += 1
            continue
        last, address = dom
        while last + 2 < len(tokens) and tokens[last + 1].lower in ("slash", "/") and re.fullmatch(r"[\w-]+", tokens[last + 2].text):
            address += "/" + tokens[last + 2].lower
            last += 2
        out.append(SpokenAddress(k, last, address))
        k = last + 1
    return out
