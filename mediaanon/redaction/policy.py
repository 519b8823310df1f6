"""Archive policies as data: what a deposit rule keeps and removes.

Why data: whether a bare year or a country is personal data is the archive's
question, not the code's (HIPAA Safe Harbor keeps years; FSD asks for ages in
bands; UKDS keeps the year of birth only; ``strict`` removes years and
countries too).  A policy is a YAML file in ``policies/`` (packaged like the
presets) or a user's file: ``options`` fixes fields of
:class:`RedactionOptions` (they override the preset's values: a policy is the
stronger statement), ``ages`` and ``dates`` say how those spans are written
(removed, or generalised to a band or a year), and ``keeps``/``removes`` are
the human summary that ``mediaanon policies`` prints and the README's table
shows.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mediaanon.errors import ConfigError
from mediaanon.options import build_options
from mediaanon.redaction.options import RedactionOptions
from mediaanon.resources import policies_dir

AGE_MODES = ("remove", "over_89", "bands")
DATE_MODES = ("remove", "year")
FIELDS = {"description", "keeps", "removes", "options", "ages", "dates", "generalised_format"}
YEAR_RE = re.compile(r"(?<!\d)(1[89]\d{2}|20\d{2})(?!\d)")
AGE_WORDS = {  # enough to read a spoken age: en, fi, fr tens and units
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "kaksikymmentä": 20, "kolmekymmentä": 30, "neljäkymmentä": 40, "viisikymmentä": 50, "kuusikymmentä": 60,
    "seitsemänkymmentä": 70, "kahdeksankymmentä": 80, "yhdeksänkymmentä": 90,
    "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "quatre-vingt": 80, "quatre-vingts": 80,
    "soixante-dix": 70, "quatre-vingt-dix": 90,
}


class PolicyError(ConfigError, ValueError):
    """A policy that does not exist or does not parse (a usage error: exit 2; a ValueError for option checks)."""


@dataclass(frozen=True)
class Policy:
    name: str
    description: str = ""
    keeps: tuple[str, ...] = ()
    removes: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    ages: str = "remove"
    dates: str = "remove"
    generalised_format: str = "[{type}: {value}]"

    def apply(self, options: RedactionOptions) -> RedactionOptions:
        """``options`` with the fields this policy fixes."""
        return dataclasses.replace(options, **self.options)

    def keep_span(self, typ: str, original: str) -> bool:
        """True when this span is not personal data under the policy (HIPAA: an age up to 89)."""
        if typ == "AGE" and self.ages == "over_89":
            age = age_value(original)
            return age is not None and age <= 89
        return False

    def marker(self, typ: str, original: str, marker: str) -> str:
        """The text written for a span: the plain marker, or a generalised value."""
        value = None
        if typ == "AGE" and self.ages in ("over_89", "bands"):
            age = age_value(original)
            if age is not None:
                value = "90+" if age >= 90 else (f"{age // 10 * 10}-{age // 10 * 10 + 9}" if self.ages == "bands" else None)
        elif typ == "DATE" and self.dates == "year":
            m = YEAR_RE.search(original)
            value = m.group(1) if m else None
        return marker if value is None else self.generalised_format.format(type=typ, value=value)


def age_value(text: str) -> int | None:
    """The age in a span ("47-vuotias", "43 ans", "fifty two", "quarante-cinq ans"), or None."""
    m = re.search(r"\d{1,3}", text)
    if m:
        return int(m.group())
    total = 0
    for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text.lower()):
        if w in AGE_WORDS:
            total += AGE_WORDS[w]
        else:
            for part in w.split("-"):
                total += AGE_WORDS.get(part, 0)
    return total or None


def names() -> list[str]:
    return sorted(p.stem for p in policies_dir().glob("*.yaml"))


def load(name_or_file: str | Path) -> Policy:
    """A packaged policy by name, or a YAML file; unknown keys and values are errors (fail closed)."""
    path = Path(name_or_file)
    if not (path.suffix in (".yaml", ".yml") and path.is_file()):
        path = policies_dir() / f"{name_or_file}.yaml"
        if not path.is_file():
            raise PolicyError(f"unknown policy {str(name_or_file)!r}; known: {', '.join(names())}, or a .yaml file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PolicyError(f"policy {path.name} does not parse ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise PolicyError(f"policy {path.name}: expected a mapping")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise PolicyError(f"policy {path.name}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(FIELDS))}")
    opts = data.get("options") or {}
    known_opts = {f.name for f in dataclasses.fields(RedactionOptions)} - {"policy", "language"}
    bad = sorted(set(opts) - known_opts)
    if bad:
        raise PolicyError(f"policy {path.name}: unknown option(s) {', '.join(bad)}")
    if data.get("ages", "remove") not in AGE_MODES or data.get("dates", "remove") not in DATE_MODES:
        raise PolicyError(f"policy {path.name}: ages must be one of {AGE_MODES}, dates one of {DATE_MODES}")
    try:  # coerce and check the values the way a pipeline's options are ("maybe" is no bool)
        coerced = build_options(RedactionOptions, dict(opts), f"policy {path.name}")
    except ConfigError as exc:
        raise PolicyError(str(exc)) from None
    pol = Policy(name=path.stem, description=str(data.get("description", "")), keeps=tuple(data.get("keeps") or ()),
                 removes=tuple(data.get("removes") or ()), options={k: getattr(coerced, k) for k in opts},
                 ages=data.get("ages", "remove"), dates=data.get("dates", "remove"),
                 generalised_format=data.get("generalised_format", "[{type}: {value}]"))
    return pol
