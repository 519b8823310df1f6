"""Presidio recognizers that wrap our ASR-aware rules and the known-names list.

Presidio's ``EntityRecognizer`` contract (``analyze(text, entities,
nlp_artifacts) -> [RecognizerResult]``) lets the rules run inside the same
``AnalyzerEngine`` as Presidio's own regex/checksum recognizers, reusing the
spaCy parse the engine already made.  Each result names the rule that found
it (``recognizer_name``), which the processing log counts.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from presidio_analyzer import EntityRecognizer, RecognizerResult

from mediaanon.redaction import numbers, people
from mediaanon.redaction import spoken as sp
from mediaanon.redaction.context import TextContext
from mediaanon.redaction.lexicon import Vocabulary
from mediaanon.redaction.names import KnownNames
from mediaanon.redaction.spans import TYPES, Candidate

log = logging.getLogger(__name__)


def _results(cands: list[Candidate], entities: list[str] | None) -> list[RecognizerResult]:
    wanted = set(entities) if entities else None
    return [
        RecognizerResult(c.type, c.start, c.end, c.score,
                         recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: c.recognizer})
        for c in cands if wanted is None or c.type in wanted
    ]


class AsrRecognizer(EntityRecognizer):
    """Casing-free names, spoken numbers/e-mails, ages, dates and addresses (all our rules)."""

    def __init__(self, nlp: Any, is_suffix: Callable[[str], bool], keep_years: bool = True, keep_countries: bool = True,
                 keep_months: bool = False):
        self.nlp = nlp
        self.vocab = Vocabulary.from_nlp(nlp)
        self.is_suffix = is_suffix
        self.keep_years = keep_years
        self.keep_countries = keep_countries
        self.keep_months = keep_months
        super().__init__(supported_entities=list(TYPES), name="asr_rules", supported_language="en")

    def load(self) -> None:  # the spaCy pipeline is shared with the analyzer's NLP engine
        pass

    def candidates(self, text: str, doc: Any) -> list[Candidate]:
        ctx = TextContext(text, doc, self.nlp, self.vocab)
        toks = sp.tokenize(text)
        found: list[Candidate] = []
        found += people.ner_entities(ctx, self.keep_countries)
        found += people.given_names(ctx)
        found += people.name_cues(ctx)
        found += people.organisations(ctx)
        found += people.common_word_orgs(ctx)
        found += people.unknown_words(ctx)
        found += people.initials(ctx, found)
        found += numbers.addresses(ctx)
        found += numbers.phones_and_ids(toks)
        found += numbers.ages(toks)
        found += numbers.dates(toks, self.keep_years, self.keep_months)
        found += numbers.numeric_dates(text)
        found += numbers.written_ids(text)
        found += numbers.web(toks, self.is_suffix)
        found += numbers.written_emails(text)
        return found

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        doc = nlp_artifacts.tokens if nlp_artifacts is not None and nlp_artifacts.tokens is not None else self.nlp(text)
        return _results(self.candidates(text, doc), entities)


class KnownNamesRecognizer(EntityRecognizer):
    """The study's known names, matched case-insensitively and fuzzily (see names.py)."""

    def __init__(self, names: KnownNames, vocab: Vocabulary):
        self.names = names
        self.vocab = vocab
        super().__init__(supported_entities=["PERSON", "PLACE", "ORGANIZATION"], name="known_names", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        def ordinary(word: str) -> bool:
            return self.vocab.ordinary(word)

        def capitalised(offset: int) -> bool:
            return text[offset:offset + 1].isupper()

        found = [c for c, _ in self.names.find(text, ordinary, capitalised)]
        return _results(found, entities)
