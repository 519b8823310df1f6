"""National identity numbers with their check digits: fi, sv, no, da, fr.

Why checksums: an interview is full of digit runs (prices, years, phone
numbers).  A run in the shape of an ID whose check digit also holds is an ID
with high confidence; one whose check fails is still marked (ASR may have
mis-heard a digit, and failing open would leak), but with a lower score so a
phone rule or a date rule of the same span wins the type.

Each validator takes the digits/characters without separators and returns
True when the checksum holds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator

FI_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def fi_hetu(value: str) -> bool:
    """Finnish henkilötunnus ``DDMMYYCZZZQ``: Q = FI_CHECK[DDMMYYZZZ mod 31]."""
    v = value.upper()
    if len(v) != 11 or not (v[:6] + v[7:10]).isdigit():
        return False
    return FI_CHECK[int(v[:6] + v[7:10]) % 31] == v[10]


def luhn(digits: str) -> bool:
    """Luhn check over all digits (the last one is the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def se_personnummer(value: str) -> bool:
    """Swedish personnummer ``YYMMDD-NNNC`` (or with century): Luhn over the last 10 digits."""
    d = re.sub(r"\D", "", value)
    return len(d) in (10, 12) and luhn(d[-10:])


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    k = 11 - sum(int(a) * b for a, b in zip(digits, weights)) % 11
    return 0 if k == 11 else (None if k == 10 else k)


def no_fodselsnummer(value: str) -> bool:
    """Norwegian fødselsnummer (11 digits): two mod-11 check digits."""
    d = re.sub(r"\D", "", value)
    if len(d) != 11:
        return False
    k1 = _mod11(d[:9], (3, 7, 6, 1, 8, 9, 4, 5, 2))
    k2 = _mod11(d[:10], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    return k1 is not None and k2 is not None and int(d[9]) == k1 and int(d[10]) == k2


def dk_cpr(value: str) -> bool:
    """Danish CPR ``DDMMYY-SSSS``: a valid day and month (the mod-11 rule was dropped in 2007)."""
    d = re.sub(r"\D", "", value)
    return len(d) == 10 and 1 <= int(d[:2]) <= 31 and 1 <= int(d[2:4]) <= 12


def fr_nir(value: str) -> bool:
    """French NIR (numéro de sécurité sociale, 13 digits + 2-digit key = 97 - n mod 97; Corsica 2A/2B)."""
    v = re.sub(r"\s|\.", "", value).upper()
    if len(v) != 15:
        return False
    body = v[:13].replace("2A", "19").replace("2B", "18")
    if not body.isdigit() or not v[13:].isdigit() or v[0] not in "1278":
        return False
    return 97 - int(body) % 97 == int(v[13:])


@dataclass(frozen=True)
class IdRule:
    """One national ID: where it is used, its written shape, its checksum."""

    country: str
    name: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool]


_B = r"(?<![\w-])"
_E = r"(?![\w-])"
ID_RULES = (
    IdRule("fi", "henkilötunnus", re.compile(_B + r"\d{6}[-+AaBCDEFYXWVU]\d{3}[0-9A-Ya-y]" + _E), fi_hetu),
    IdRule("sv", "personnummer", re.compile(_B + r"(?:\d{2})?\d{6}[-+ ]?\d{4}" + _E), se_personnummer),
    IdRule("no", "fødselsnummer", re.compile(_B + r"\d{6} ?\d{5}" + _E), no_fodselsnummer),
    IdRule("da", "CPR", re.compile(_B + r"\d{6}-\d{4}" + _E), dk_cpr),
    IdRule("fr", "NIR", re.compile(_B + r"[1278] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}" + _E), fr_nir),
)

VALID_SCORE = 0.95  # shape and checksum hold
SHAPE_SCORE = 0.6  # the shape only (a mis-heard digit): still above the default threshold


def find_ids(text: str, countries: tuple[str, ...] | None = None) -> Iterator[tuple[int, int, float, str]]:
    """``(start, end, score, rule)`` for each ID-shaped run; every country's rules by default.

    All countries run regardless of the interview's language: a Swedish
    number in a Finnish interview is still personal data.  A shape-only match
    is reported for the distinctive shapes (henkilötunnus, NIR); for the bare
    digit runs (personnummer, fødselsnummer, CPR) only when the checksum or
    date holds, as they also look like phone numbers.
    """
    for rule in ID_RULES:
        if countries is not None and rule.country not in countries:
            continue
        for m in rule.pattern.finditer(text):
            ok = rule.check(m.group())
            if ok:
                yield m.start(), m.end(), VALID_SCORE, f"id_{rule.country}"
            elif rule.country in ("fi", "fr"):
                yield m.start(), m.end(), SHAPE_SCORE, f"id_{rule.country}_shape"
