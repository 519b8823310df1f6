"""Options of transcript redaction (shared by ``Redactor`` and the ``redact_transcript`` stage)."""
from __future__ import annotations

from dataclasses import dataclass

from mediaanon.redaction.spans import TYPES

DEFAULT_LABELS = {t: t for t in TYPES}  # archive convention: [PERSON 1], [PLACE 2], [PHONE] …


@dataclass(frozen=True)
class RedactionOptions:
    """What to find and how to mark it.  Every field can be set from a pipeline YAML or ``--set``."""

    entities: tuple[str, ...] = TYPES  # types to redact; drop one to keep it (e.g. ORGANIZATION)
    score_threshold: float = 0.4  # findings below this confidence are kept in the text (0..1)
    marker_format: str = "[{type} {n}]"  # marker for numbered types; {type} is the label, {n} the entity number
    unnumbered_format: str = "[{type}]"  # marker for the other types
    numbered: tuple[str, ...] = ("PERSON", "PLACE", "ORGANIZATION")  # types that get a per-entity number
    labels: tuple[str, ...] = ()  # "TYPE=Label" overrides, e.g. "PERSON=Name" gives [Name 1]
    names_file: str | None = None  # per-study known names (TYPE: name | alias), added to --names
    fuzzy_threshold: float = 85.0  # 0..100 similarity for known names vs ASR spellings; lower finds more
    asr_rules: bool = True  # casing-free names, spoken numbers/emails, cue phrases (off: Presidio-like)
    keep_years: bool = True  # a bare year ("in 2014") stays; dates with a day or month are redacted
    keep_months: bool = False  # a month alone stays; by default one tied to an event ("in September") is redacted
    keep_countries: bool = True  # country names stay (HIPAA Safe Harbor removes places below state level)
    stable_known_numbers: bool = True  # known-names entries keep their file order as number in every recording
    language: str = "auto"  # en, fi, fr …; auto: the transcript's language in a run (the library's Redactor: en)
    rules_only: bool = False  # no NER pipeline for the language: rules, checksums and known names only (logged)
    policy: str | None = None  # archive policy: hipaa, fsd, ukds, strict (policies/*.yaml) or a YAML file

    def validate(self) -> None:
        bad = sorted(set(self.entities) - set(TYPES))
        if bad:
            raise ValueError(f"entities: unknown {', '.join(bad)}; known: {', '.join(TYPES)}")
        bad = sorted(set(self.numbered) - set(TYPES))
        if bad:
            raise ValueError(f"numbered: unknown {', '.join(bad)}")
        if not 0.0 <= self.score_threshold <= 1.0:
            raise ValueError("score_threshold must be within 0..1")
        if not 0.0 <= self.fuzzy_threshold <= 100.0:
            raise ValueError("fuzzy_threshold must be within 0..100")
        try:
            self.marker_format.format(type="X", n=1)
            self.unnumbered_format.format(type="X", n=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"marker_format/unnumbered_format may use only {{type}} and {{n}} ({exc})") from None
        self.label_map()
        if self.language != "auto":
            from mediaanon.redaction.languages import get

            get(self.language)

    def label_map(self) -> dict[str, str]:
        """Type → label written in markers, defaults overridden by ``labels``."""
        out = dict(DEFAULT_LABELS)
        for item in self.labels:
            key, sep, label = item.partition("=")
            key = key.strip().upper()
            if not sep or key not in out or not label.strip():
                raise ValueError(f"labels: expected TYPE=Label with TYPE in {', '.join(TYPES)}, got {item!r}")
            out[key] = label.strip()
        return out
