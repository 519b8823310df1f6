"""``Redactor``: text in, redacted text + spans + key out.

Built once per run (the spaCy pipeline and the Presidio engine are the costly
parts) and reused for every recording; each ``redact`` call has its own
marker book, so numbering starts afresh per text (known-names entries keep
their numbers).  Nothing here logs text: only counts.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediaanon.options import build_options
from mediaanon.records import PiiSpan
from mediaanon.redaction import engine as eng
from mediaanon.redaction import policy as pol
from mediaanon.redaction.lexicon import Vocabulary
from mediaanon.redaction.markers import MarkerBook, assign
from mediaanon.redaction.names import KnownNames
from mediaanon.redaction.options import RedactionOptions
from mediaanon.redaction.recognizers import AsrRecognizer, KnownNamesRecognizer
from mediaanon.redaction.spans import PRESIDIO_TYPES, Candidate, resolve

log = logging.getLogger(__name__)


@dataclass
class RedactionResult:
    """The redacted text, the spans (offsets into the *input* text) and the key."""

    text: str
    spans: list[PiiSpan]
    key: dict[str, str] = field(default_factory=dict)  # marker -> original; keep out of shared outputs


class Redactor:
    """Find and mark personal data in (ASR) text, fully offline.

    ``options``: a :class:`RedactionOptions` or a dict of its fields.
    ``names``: a :class:`KnownNames`, or a path to a names file; it is merged
    with ``options.names_file`` when both are given.
    """

    def __init__(self, options: RedactionOptions | dict[str, Any] | None = None,
                 names: KnownNames | str | Path | None = None, models_dir: Path | None = None):
        self.options = build_options(RedactionOptions, options, "redaction")
        self.policy = pol.load(self.options.policy) if self.options.policy else None
        if self.policy is not None:
            self.options = self.policy.apply(self.options)
        self.language = "en" if self.options.language == "auto" else self.options.language
        known = KnownNames(threshold=self.options.fuzzy_threshold)
        if self.options.names_file:
            known = known.merged(KnownNames.load(self.options.names_file, self.options.fuzzy_threshold))
        if isinstance(names, KnownNames):
            known = known.merged(names)
        elif names is not None:
            known = known.merged(KnownNames.load(names, self.options.fuzzy_threshold))
        known.threshold = self.options.fuzzy_threshold
        self.names = known
        self.register: Any = None  # a study register (mediaanon.study.register): one marker per entity per study
        if self.language != "en" or self.options.rules_only:
            self._build_language(models_dir)
            return
        self.nlp, self.model = eng.load_spacy(models_dir)
        self.pipeline_log = {"language": "en", "ner": True, **self.model.log_entry()}
        recognizers: list[Any] = []
        if self.options.asr_rules:
            recognizers.append(AsrRecognizer(self.nlp, eng.suffix_checker(), self.options.keep_years,
                                             self.options.keep_countries, self.options.keep_months))
        if len(known):
            recognizers.append(KnownNamesRecognizer(known, Vocabulary.from_nlp(self.nlp)))
        self.analyzer = eng.analyzer(self.nlp, recognizers)
        log.debug("redactor ready: %d recognizers, %d known names", len(self.analyzer.registry.recognizers), len(known))

    def _build_language(self, models_dir: Path | None) -> None:
        """The analyzer for a non-English language (or rules_only): its own pipeline, or fail closed."""
        from mediaanon.redaction.languages import pipeline, recognizer

        loaded = pipeline.load(self.language, self.options.rules_only, models_dir)
        self.language = loaded.language.code
        self.nlp, self.model = loaded.nlp, loaded.model
        self.pipeline_log = loaded.log_entry()
        o = self.options
        rec = recognizer.LanguageRecognizer(loaded.language, self.nlp, self.names, ner=loaded.model is not None,
                                            keep_years=o.keep_years, keep_countries=o.keep_countries,
                                            keep_months=o.keep_months)
        self.analyzer = recognizer.analyzer(self.language, self.nlp, [rec])

    @property
    def recognizer_names(self) -> list[str]:
        return sorted({r.name for r in self.analyzer.registry.recognizers})

    def candidates(self, text: str) -> list[Candidate]:
        """Every finding above the threshold, in our types (before overlap resolution)."""
        if not text.strip():
            return []
        results = self.analyzer.analyze(text=text, language=self.language, score_threshold=self.options.score_threshold)
        out = []
        for r in results:
            typ = PRESIDIO_TYPES.get(r.entity_type)
            if typ is None:
                continue
            meta = r.recognition_metadata or {}
            name = meta.get("recognizer_name", "presidio")
            out.append(Candidate(r.start, r.end, typ, float(r.score), str(name)))
        return out

    def spans(self, text: str) -> list[Candidate]:
        """Resolved, non-overlapping spans (offsets into ``text``) of the enabled types.

        Types are filtered *after* resolution: a span NER calls ORGANIZATION
        that a weaker rule calls PERSON stays an organisation (and is kept
        when organisations are not redacted).
        """
        keep = self.policy.keep_span if self.policy is not None else (lambda typ, original: False)
        return [c for c in resolve(text, self.candidates(text))
                if c.type in self.options.entities and not keep(c.type, text[c.start:c.end])]

    def redact(self, text: str) -> RedactionResult:
        """Redact one text; markers are numbered within this text."""
        resolved = self.spans(text)
        book = MarkerBook(self.options, self.names, self.register)
        marked = assign(text, resolved, book)
        parts: list[str] = []
        pos = 0
        spans: list[PiiSpan] = []
        for c, marker in marked:
            if self.policy is not None:
                marker = self.policy.marker(c.type, text[c.start:c.end], marker)
            parts.append(text[pos:c.start])
            parts.append(marker)
            pos = c.end
            spans.append(PiiSpan(type=c.type, start=c.start, end=c.end, score=round(c.score, 3),
                                 recognizer=c.recognizer, replacement=marker, timing="none"))
        parts.append(text[pos:])
        log.debug("redacted %d spans", len(spans))
        return RedactionResult("".join(parts), spans, book.key())

    def redact_text_json(self, text: str) -> dict[str, Any]:
        """``{"text": redacted, "entities": [{"type", "start", "end", "replacement"}]}`` (input offsets)."""
        result = self.redact(text)
        return {
            "text": result.text,
            "entities": [{"type": s.type, "start": s.start, "end": s.end, "replacement": s.replacement}
                         for s in result.spans],
        }


def redact_text_json(text: str, names: str | Path | None = None, options: dict[str, Any] | None = None,
                     redactor: Redactor | None = None) -> dict[str, Any]:
    """One-shot helper for ``mediaanon redact-text --json`` (builds a Redactor unless given one)."""
    return (redactor or Redactor(options, names=names)).redact_text_json(text)
