"""Language-aware redaction: which NLP pipeline and which rules read a transcript.

Why a registry per language: English NER over Finnish text reads ordinary
Finnish words as names (79 % of the words removed) and still misses the dates
and IDs, so a language without its own pipeline must *fail closed* with the
remedy, never fall back to English.  ``rules_only`` is the explicit way out:
regex, checksum and known-names rules only (no NER), and the processing log
says so.

``LANGUAGES`` lists what we know about each language: the manifest name of
its spaCy pipeline (``None``: none ships on the registry; side-load one with
``mediaanon models add``), the words that detect it, and the published
Whisper word error rates (FLEURS) behind the "this model transcribes that
language poorly" warning.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    pipeline: str | None  # manifest name of the spaCy pipeline; None: side-load (models add)
    extra: str = ""  # pip extra that installs the pipeline
    # Whisper word error rate on FLEURS, per model size, in % (Radford et al. 2022, appendix D.2.4; large-v3 from
    # its model card).  Checked against issue 11: fi base 55, sv small 21, sv large-v3 8; the others are rounded
    # readings of the same table — they only decide whether a warning is shown (POOR_WER), nothing is computed
    fleurs_wer: dict[str, float] = field(default_factory=dict)
    ner_labels: dict[str, str] = field(default_factory=dict)  # spaCy label -> our type


_ONTONOTES = {"PERSON": "PERSON", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE", "ORG": "ORGANIZATION"}
_WIKINER = {"PER": "PERSON", "LOC": "PLACE", "ORG": "ORGANIZATION"}

LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "en_core_web_sm", "", {"tiny": 12.4, "base": 8.9, "small": 6.1, "large-v3": 4.1}, _ONTONOTES),
    "fi": Language("fi", "Finnish", "spacy_fi_experimental_web_md", "fi",
                   {"tiny": 79.5, "base": 55.0, "small": 27.7, "large-v3": 8.0}, _ONTONOTES),
    "fr": Language("fr", "French", "fr_core_news_md", "fr", {"tiny": 40.6, "base": 24.2, "small": 13.0, "large-v3": 5.3},
                   _WIKINER),
    "sv": Language("sv", "Swedish", None, "", {"tiny": 54.5, "base": 38.4, "small": 21.1, "large-v3": 8.0}, _WIKINER),
    "nb": Language("nb", "Norwegian Bokmål", None, "", {"tiny": 65.9, "base": 44.3, "small": 23.5, "large-v3": 7.3}, _WIKINER),
    "da": Language("da", "Danish", None, "", {"tiny": 65.6, "base": 47.0, "small": 26.7, "large-v3": 9.0}, _ONTONOTES),
    "de": Language("de", "German", None, "", {"tiny": 27.8, "base": 17.9, "small": 10.2, "large-v3": 4.5}, _WIKINER),
}
ALIASES = {"no": "nb", "nn": "nb", "eng": "en", "fin": "fi", "fra": "fr", "fre": "fr", "swe": "sv"}
POOR_WER = 20.0  # % word error rate above which a run warns that the transcript (and so the redaction) is unreliable


def get(code: str) -> Language:
    """The language for an ISO code; an unknown code is a usage error with the known ones listed."""
    c = ALIASES.get(code.lower(), code.lower())
    if c not in LANGUAGES:
        raise ValueError(f"language {code!r} is not supported; known: {', '.join(sorted(LANGUAGES))}")
    return LANGUAGES[c]


def model_size(model: str) -> str | None:
    """``whisper-small`` / ``whisper-base-openai`` / ``whisper-tiny.en`` → ``small`` / ``base`` / ``tiny``."""
    for size in ("large-v3", "small", "base", "tiny"):
        if size in model:
            return size
    return None


def poor_transcription_warning(language: str, model: str) -> str | None:
    """A warning when the published FLEURS WER of this model on this language is high, else None."""
    try:
        lang = get(language)
    except ValueError:
        return None
    size = model_size(model)
    wer = lang.fleurs_wer.get(size or "")
    if wer is None or wer < POOR_WER:
        return None
    better = [f"{s} {w:.0f} %" for s, w in lang.fleurs_wer.items() if w < wer]
    return (f"Whisper {size} transcribes {lang.name} poorly (published FLEURS word error rate about {wer:.0f} %;"
            f" {', '.join(better) or 'no size does much better'}): missed or garbled names are missed redactions")
