"""The Presidio recognizer and analyzer for a non-English transcript.

One recognizer runs, in this order: the pipeline's NER (mapped to our types,
with the language's country names kept when the policy keeps countries), the
shared rules (phones, plates, national IDs, numeric dates, years), the
language's own rules (spoken dates, ages, addresses), and the known-names
list matched through inflection.  The English-only heuristics of
``people.py`` (re-casing, English given-name lists) are not used: they would
read Finnish or French words as English.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable

from presidio_analyzer import EntityRecognizer, RecognizerResult

from mediaanon.redaction.languages import Language, common, fi, fr
from mediaanon.redaction.names import KnownNames
from mediaanon.redaction.spans import TYPES, Candidate

log = logging.getLogger(__name__)

COUNTRIES = {
    "fi": frozenset("""suomi ruotsi norja tanska saksa ranska venäjä viro espanja italia englanti britannia
        yhdysvallat amerikka kiina japani intia puola unkari kreikka turkki thaimaa kanada islanti""".split()),
    "fr": frozenset("""france allemagne espagne italie belgique suisse angleterre royaume-uni portugal maroc algérie
        tunisie canada chine japon russie pologne irlande sénégal québec europe afrique""".split()),
}
RULES: dict[str, Callable[[str, bool], list[Candidate]]] = {"fi": fi.rules, "fr": fr.rules}
PRESIDIO_PATTERNS = ("EmailRecognizer", "UrlRecognizer", "CreditCardRecognizer", "IbanRecognizer", "IpRecognizer")
WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# words NER tends to tag in speech that are never names on their own
FILLERS = {
    "fi": frozenset("no niin joo tota siis sit sitten ja mä mun me se ne okei kyllä ei eiks ihan".split()),
    "fr": frozenset("euh bah bon ben alors voilà genre quoi ouais oui non enfin bref".split()),
}
TITLES = frozenset("docteur dr madame monsieur mme mlle maître professeur tohtori lääkäri rouva herra neiti".split())


def _results(cands: list[Candidate], entities: list[str] | None) -> list[RecognizerResult]:
    wanted = set(entities) if entities else None
    return [RecognizerResult(c.type, c.start, c.end, c.score,
                             recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: c.recognizer})
            for c in cands if wanted is None or c.type in wanted]


class LanguageRecognizer(EntityRecognizer):
    """NER + rules + inflected known names for one language."""

    def __init__(self, language: Language, nlp: Any, names: KnownNames, ner: bool = True, keep_years: bool = True,
                 keep_countries: bool = True, keep_months: bool = False):
        self.language = language
        self.nlp = nlp
        self.names = names
        self.ner = ner
        self.keep_years = keep_years
        self.keep_countries = keep_countries
        self.keep_months = keep_months
        super().__init__(supported_entities=list(TYPES), name=f"rules_{language.code}",
                         supported_language=language.code)

    def load(self) -> None:  # the pipeline is shared with the analyzer's NLP engine
        pass

    def candidates(self, text: str, doc: Any) -> list[Candidate]:
        code = self.language.code
        found: list[Candidate] = []
        if self.ner:
            found += self.ner_entities(doc)
        found += common.common(text, code, self.keep_years)
        rules = RULES.get(code)
        if rules is not None:
            found += rules(text, self.keep_months)
        found += self.known_names(text, doc)
        return found

    def ner_entities(self, doc: Any) -> list[Candidate]:
        out = []
        countries = COUNTRIES.get(self.language.code, frozenset())
        fillers = FILLERS.get(self.language.code, frozenset())
        for e in doc.ents:
            typ = self.language.ner_labels.get(e.label_)
            if typ is None:
                continue
            words = [t for t in e if not t.is_punct]
            while words and (words[0].lower_ in fillers or words[0].is_stop or words[0].lower_.rstrip(".") in TITLES) \
                    and typ != "ORGANIZATION":
                words = words[1:]
            if not words or not any(t.text[:1].isupper() for t in words):
                continue  # NER on a lower-case common word: not a name in Whisper's cased output
            lemma = " ".join(t.lemma_.lower() or t.lower_ for t in words)
            if typ == "PLACE" and self.keep_countries and (lemma in countries or words[0].lower_ in countries):
                continue
            start, end = words[0].idx, words[-1].idx + len(words[-1].text)
            out.append(Candidate(start, end, typ, 0.85, f"ner_{self.language.code}"))
        return out

    def known_names(self, text: str, doc: Any) -> list[Candidate]:
        """The known names, literally (fuzzy, as in English) and through inflection."""
        if not len(self.names):
            return []
        found = [c for c, _ in self.names.find(text)]
        if self.language.code != "fi":
            return found
        lemmas = {t.idx: t.lemma_.lower() for t in doc if t.lemma_}
        variants = {}
        for e in self.names.entries:
            for v in e.variants:
                variants.setdefault(tuple(w.lower() for w in v), e)
        toks = list(WORD_RE.finditer(text))
        longest = max((len(v) for v in variants), default=0)
        for i in range(len(toks)):
            for n in range(min(longest, len(toks) - i), 0, -1):
                words = [t.group().lower() for t in toks[i:i + n]]
                for v, e in variants.items():
                    if len(v) != n or words[:-1] != list(v[:-1]):
                        continue
                    last = toks[i + n - 1]
                    forms = fi.base_forms(last.group()) | {lemmas.get(last.start(), "")}
                    if v[-1] in forms:
                        found.append(Candidate(toks[i].start(), last.end(), e.type, 0.9, "known_names_inflected"))
        return found

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        doc = nlp_artifacts.tokens if nlp_artifacts is not None and nlp_artifacts.tokens is not None else self.nlp(text)
        return _results(self.candidates(text, doc), entities)


def analyzer(code: str, nlp: Any, recognizers: list[Any]) -> Any:
    """A Presidio ``AnalyzerEngine`` for ``code`` on an already loaded pipeline (no download path)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as pre
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    from mediaanon.redaction.engine import offline_tldextract

    offline_tldextract()
    registry = RecognizerRegistry(supported_languages=[code])
    for name in PRESIDIO_PATTERNS:
        registry.add_recognizer(getattr(pre, name)(supported_language=code))
    for r in recognizers:
        registry.add_recognizer(r)
    engine = SpacyNlpEngine(models=[{"lang_code": code, "model_name": nlp.meta.get("name", "spacy")}],
                            ner_model_configuration=NerModelConfiguration(labels_to_ignore=[]))
    engine.nlp = {code: nlp}
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=[code])
