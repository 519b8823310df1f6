"""Transcript redaction (mediaanon.redaction): ASR-aware recognizers, known names, markers, offsets.

The spaCy model is loaded once for the module (``load_spacy`` is cached), the
Redactors are module-scoped.  pytest-socket is on: any network attempt by
Presidio, spaCy or tldextract fails the test that makes it.
"""
from __future__ import annotations

import logging
import re
import socket

import pytest

from mediaanon.errors import ConfigError
from mediaanon.redaction import KnownNames, Redactor
from mediaanon.redaction.names import sound_key
from mediaanon.redaction.spans import Candidate, resolve
from mediaanon.redaction.spoken import number_runs, spoken_year, tokenize

NAMES = """
# a study's known names
PERSON: Abigail Claflin | Abbie
PLACE: Millbrook
ORGANIZATION: Brightline Logistics
Kevin Marsh
"""


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture(scope="module")
def named() -> Redactor:
    return Redactor(names=KnownNames.parse(NAMES))


def redacted_types(r: Redactor, text: str) -> dict[str, str]:
    """original substring -> type, for every redacted span."""
    return {text[s.start:s.end]: s.type for s in r.redact(text).spans}


def covered(r: Redactor, text: str, needle: str) -> bool:
    """Whether every character of ``needle`` (first occurrence) lies in a redacted span."""
    start = text.lower().index(needle.lower())
    spans = r.redact(text).spans
    return all(any(s.start <= i < s.end for s in spans) for i in range(start, start + len(needle)))


# (text, PII that must be redacted, its type or None when any type will do)
FOUND = [
    ("so my name is abigail claflin and i work as a nurse", "abigail claflin", "PERSON"),
    ("my husband tom works for tesco in manchester", "tom", "PERSON"),
    ("my husband tom works for tesco in manchester", "tesco", "ORGANIZATION"),
    ("my husband tom works for tesco in manchester", "manchester", "PLACE"),
    ("i told okonkwo about it and he laughed", "okonkwo", None),
    ("my daughter priya started school last week", "priya", "PERSON"),
    ("my supervisor grace is really nice to us", "grace", "PERSON"),
    ("the case worker mrs hendricks came round", "mrs hendricks", "PERSON"),
    ("I talked to Dr. Okafor about the tablets.", "Dr. Okafor", "PERSON"),
    ("there was a lady called pam who ran it", "pam", "PERSON"),
    ("me and jamal used to hang around the estate", "jamal", "PERSON"),
    ("my mobile is oh seven seven double oh nine double one two three four five", "oh seven seven double oh nine double one two three four five", "PHONE"),
    ("her number is five five five, two one eight, four four seven one, but", "five five five, two one eight, four four seven one", "PHONE"),
    ("call him on 07911 123456 after six", "07911 123456", "PHONE"),
    ("ring me on oh seven nine one one 123 double four five six", "oh seven nine one one 123 double four five six", "PHONE"),
    ("my email is john dot okafor at outlook dot com but", "john dot okafor at outlook dot com", "EMAIL"),
    ("email lucy underscore brennan ninety two at gmail dot com please", "lucy underscore brennan ninety two at gmail dot com", "EMAIL"),
    ("write to r.kowalski@btinternet.com today", "r.kowalski@btinternet.com", "EMAIL"),
    ("the site is www dot example dot org slash events", "www dot example dot org slash events", "URL"),
    ("i'm thirty four now and tired", "thirty four", "AGE"),
    ("I'm 34 and I live alone.", "34", "AGE"),
    ("my mum is ninety one years old", "ninety one", "AGE"),
    ("i was born on the third of march nineteen eighty four", "third of march nineteen eighty four", "DATE"),
    ("The appointment was on June 14th, 2019 at nine.", "June 14th, 2019", "DATE"),
    ("Only that my daughter starts school in September.", "September", "DATE"),
    ("we moved here last october and", "october", "DATE"),
    ("my nhs number is four eight five seven seven seven three four five six ok", "four eight five seven seven seven three four five six", "ID"),
    ("my student id is two zero one nine four four one seven", "two zero one nine four four one seven", "ID"),
    ("my car reg is ya17 xkm so", "ya17 xkm", "ID"),
    ("we lived at 42 chestnut avenue for years", "42 chestnut avenue", "ADDRESS"),
    ("we lived at fourteen willow close for years", "fourteen willow close", "ADDRESS"),
    ("my postcode is ls6 2ab and", "ls6 2ab", "ADDRESS"),
    ("we used to play on elm road every day", "elm road", "PLACE"),
    ("i grew up in leeds with my brother", "leeds", "PLACE"),
    ("a little village called ashby just outside town", "ashby", "PLACE"),
    ("my son is studying at the university of sheffield now", "university of sheffield", "ORGANIZATION"),
    ("she just started at lincoln primary school this year", "lincoln primary school", "ORGANIZATION"),
    ("i work as a cleaner for mitie at the airport", "mitie", "ORGANIZATION"),
    ("MY NAME IS ABIGAIL CLAFLIN AND I GREW UP IN LEEDS", "ABIGAIL CLAFLIN", "PERSON"),
]


@pytest.mark.parametrize("text, pii, typ", FOUND)
def test_pii_is_redacted(redactor: Redactor, text: str, pii: str, typ: str | None) -> None:
    assert covered(redactor, text, pii), redactor.redact(text).text
    if typ is not None:
        types = redacted_types(redactor, text)
        assert any(pii.lower() in orig.lower() and t == typ for orig, t in types.items()), types


# (text, words that must stay)
KEPT = [
    ("by the grace of god we got through march", ["grace", "march"]),
    ("i will mark the essays in may", ["will", "mark", "may"]),
    ("the doctor said it was fine and we went to school in town", ["doctor", "said", "school", "town"]),
    ("I've lived in England all my life.", ["England"]),
    ("it cost about five hundred pounds and took two weeks", ["five hundred", "two weeks"]),
    ("we moved here in 2014 and never left", ["2014"]),
    ("September was always the busiest month", ["September"]),
    ("my husband works nights and my son is at school", ["husband", "works", "son", "school"]),
    ("i think the hardest part was the waiting you know", ["hardest", "waiting"]),
]


@pytest.mark.parametrize("text, words", KEPT)
def test_ordinary_words_are_kept(redactor: Redactor, text: str, words: list[str]) -> None:
    out = redactor.redact(text).text
    for w in words:
        assert w in out, out


def test_years_are_redacted_when_asked() -> None:
    r = Redactor({"keep_years": False})
    assert "2014" not in r.redact("we moved here in 2014 and never left").text


def test_lone_months_are_kept_when_asked() -> None:
    r = Redactor({"keep_months": True})
    assert "September" in r.redact("Only that my daughter starts school in September.").text


def test_countries_are_redacted_when_asked() -> None:
    r = Redactor({"keep_countries": False})
    assert "England" not in r.redact("I've lived in England all my life.").text


@pytest.mark.parametrize(
    "text, pii",
    [
        ("i'm abigail clafflin from the ward", "abigail clafflin"),
        ("she said claughlin was the name on the form", "claughlin"),
        ("everyone calls her abby these days", "abby"),
        ("we live in millbrook now", "millbrook"),
        ("we live in mill brook now", "mill brook"),
        ("i worked at brightline logistics for years", "brightline logistics"),
        ("i told kevin about it", "kevin"),
        ("and then marsh came in", "marsh"),
    ],
)
def test_known_names_match_asr_spellings(named: Redactor, text: str, pii: str) -> None:
    spans = named.redact(text).spans
    start = text.index(pii)
    assert any(s.start <= start and s.end >= start + len(pii) and s.recognizer == "known_names" or
               s.start <= start and s.end >= start + len(pii) for s in spans), named.redact(text).text


def test_known_names_do_not_match_ordinary_words(named: Redactor) -> None:
    text = "we had a meeting about the mill and the brook behind it"
    assert named.redact(text).text == text


def test_markers_are_consistent_within_a_recording(named: Redactor) -> None:
    text = "i'm abigail claflin. you can call me abbie. claflin is my married name. kevin marsh is my boss and kevin is nice."
    res = named.redact(text)
    assert res.text.count("[PERSON 1]") == 3
    assert res.text.count("[PERSON 2]") == 2  # Kevin Marsh is the 2nd PERSON entry: its number in every recording
    assert res.key["[PERSON 1]"] == "abigail claflin"


def test_markers_without_names_list(redactor: Redactor) -> None:
    text = "Sarah Jones met Tom at the market. Later Sarah called Tom, and Jones laughed."
    res = redactor.redact(text)
    assert res.text.count("[PERSON 1]") == 3, res.text
    assert res.text.count("[PERSON 2]") == 2, res.text
    assert set(res.key) >= {"[PERSON 1]", "[PERSON 2]"}


def test_marker_format_and_labels() -> None:
    r = Redactor({"marker_format": "<{type}-{n}>", "unnumbered_format": "<{type}>", "labels": ["PERSON=Name", "PHONE=Tel"]})
    out = r.redact("my wife fatima is on oh seven seven double oh nine double one two three four five").text
    assert "<Name-1>" in out and "<Tel>" in out


def test_entities_option_keeps_other_types() -> None:
    r = Redactor({"entities": ["PERSON"]})
    out = r.redact("my husband tom works for tesco in manchester").text
    assert "tesco" in out and "manchester" in out and "tom" not in out


@pytest.mark.parametrize("bad", [{"entities": ["NAMES"]}, {"score_threshold": 2}, {"marker_format": "[{kind}]"},
                                 {"labels": ["PERSON"]}, {"colour": "red"}])
def test_bad_options_are_errors(bad: dict) -> None:
    with pytest.raises(ConfigError):
        Redactor(bad)


def test_bad_names_file_is_an_error(tmp_path) -> None:
    with pytest.raises(ConfigError):
        KnownNames.parse("PET: Rex")
    with pytest.raises(ConfigError):
        KnownNames.load(tmp_path / "missing.txt")


def test_json_offsets_point_into_the_input(redactor: Redactor) -> None:
    text = "Um, my name's Abigail Claflin, my mobile is oh seven seven double oh nine double one two three four five, and I live at 42 Chestnut Avenue in Leeds."
    out = redactor.redact_text_json(text)
    originals = {text[e["start"]:e["end"]] for e in out["entities"]}
    assert {"Abigail Claflin", "oh seven seven double oh nine double one two three four five", "42 Chestnut Avenue", "Leeds"} <= originals
    rebuilt, pos = "", 0
    for e in out["entities"]:
        rebuilt += text[pos:e["start"]] + e["replacement"]
        pos = e["end"]
    assert rebuilt + text[pos:] == out["text"]
    assert {e["type"] for e in out["entities"]} >= {"PERSON", "PHONE", "ADDRESS", "PLACE"}


def test_empty_text(redactor: Redactor) -> None:
    assert redactor.redact("").text == "" and redactor.redact("   ").spans == []


def test_no_network_and_offline_tldextract(redactor: Redactor) -> None:
    import tldextract.tldextract as impl

    with pytest.raises(Exception):  # pytest-socket is active: a fetch would fail loudly
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    assert impl.TLD_EXTRACTOR.suffix_list_urls == ()
    assert redactor.redact("mail me at someone@example.co.uk").spans


def test_originals_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    r = Redactor(names=KnownNames.parse(NAMES))
    text = "my name is abigail claflin, email john dot okafor at outlook dot com, i live in millbrook"
    res = r.redact(text)
    assert res.key
    for original in ("abigail", "claflin", "okafor", "outlook", "millbrook"):
        assert original not in caplog.text.lower()


# -- small pure helpers ---------------------------------------------------------------
@pytest.mark.parametrize(
    "spoken, digits, year",
    [
        ("oh seven seven double oh nine", "077009", None),
        ("nineteen eighty four", "1984", 1984),
        ("two thousand and three", "2003", 2003),
        ("twenty eighteen", "2018", 2018),
        ("thirty four", "34", None),
        ("five hundred and twelve", "512", None),
        ("triple five two one", "55521", None),
    ],
)
def test_number_runs(spoken: str, digits: str, year: int | None) -> None:
    runs = number_runs(tokenize(spoken))
    assert len(runs) == 1 and runs[0].digits == digits and spoken_year(runs[0]) == year


def test_sound_key_collides_asr_spellings() -> None:
    assert sound_key("Claflin") == sound_key("Claughlin") == sound_key("Clafflin")
    assert sound_key("Abbie") == sound_key("Abby")
    assert sound_key("Claflin") != sound_key("Clifford")


def test_resolve_unions_overlaps_and_merges_pieces() -> None:
    text = "abigail claflin rang five five five, two one eight"
    cands = [Candidate(0, 7, "PERSON", 0.6, "a"), Candidate(8, 15, "PERSON", 0.6, "b"),
             Candidate(21, 35, "PHONE", 0.5, "c"), Candidate(37, 50, "PHONE", 0.5, "c"),
             Candidate(21, 30, "ID", 0.4, "d")]
    out = resolve(text, cands)
    assert [(c.start, c.end, c.type) for c in out] == [(0, 15, "PERSON"), (21, 50, "PHONE")]
    two = resolve("Tom, Sarah", [Candidate(0, 3, "PERSON", 0.6, "a"), Candidate(5, 10, "PERSON", 0.6, "a")])
    assert len(two) == 2  # a list of two people stays two people


def test_names_lists_merge_without_duplicates() -> None:
    a = KnownNames.parse("PERSON: Abigail Claflin | Abbie\nPLACE: Millbrook")
    b = KnownNames.parse("PERSON: Abigail Claflin | Abbie\nPERSON: Kevin Marsh")
    merged = a.merged(b)
    assert [(e.type, e.index, e.canonical) for e in merged.entries] == [
        ("PERSON", 1, "abigail claflin"), ("PLACE", 1, "millbrook"), ("PERSON", 2, "kevin marsh")]


# -- regressions from the sample interview (samples/interview.flac, faster-whisper tiny.en) ------
SAMPLE_NAMES = "PERSON: Maria Gonzalez\nPERSON: David Gonzalez\nORGANIZATION: Saint Mary's Hospital\nPLACE: Leeds\n"
SAMPLE_ASR = ("Sure. My name is Maria Gonzalez. I work as a nurse at St. Mary's Hospital in Leeds, and I live with my "
              "husband, David. And how can we reach you for the follow-up interview? You can call me on 077-0, I'm 0-0, "
              "1-2-3-4. or email me at merrier.gonzart.outlook.com Thank you for everything for today.")


@pytest.fixture(scope="module")
def sample() -> Redactor:
    return Redactor(names=KnownNames.parse(SAMPLE_NAMES))


def test_sample_interview_leaves_no_pii(sample: Redactor) -> None:
    out = sample.redact(SAMPLE_ASR).text
    assert out == ("Sure. My name is [PERSON 1]. I work as a nurse at [ORGANIZATION 1] in [PLACE 1], and I live with my "
                   "husband, [PERSON 2]. And how can we reach you for the follow-up interview? You can call me on "
                   "[PHONE]. or email me at [EMAIL] Thank you for everything for today.")
    assert not any(c.isdigit() for c in re.sub(r"\[[A-Z]+(?: \d+)?\]", "", out))


@pytest.mark.parametrize(
    "text, phone",
    [
        ("You can call me on 077-0, I'm 0-0, 1-2-3-4.", "077-0, I'm 0-0, 1-2-3-4"),  # "nine" heard as "I'm"
        ("ring me on oh seven seven oh nine, uh, double oh one two three four", "oh seven seven oh nine, uh, double oh one two three four"),
        ("call me on 077-0 after lunch", "077-0"),  # a lone group right after "call me on"
        ("my mobile number is 4471, the rest I forget", "4471"),
    ],
)
def test_phone_pieces_are_joined(redactor: Redactor, text: str, phone: str) -> None:
    spans = redactor.redact(text).spans
    assert [(text[s.start:s.end], s.type) for s in spans] == [(phone, "PHONE")], redactor.redact(text).text


@pytest.mark.parametrize("text", ["we have 2 dogs and 3 cats and 4 fish", "the number is 300 and rising",
                                  "I'm 34 and my son is 7, we live at number 12 now",
                                  "call me on monday after 3 and I'm free till 5"])
def test_short_numbers_stay(redactor: Redactor, text: str) -> None:
    assert not [s for s in redactor.redact(text).spans if s.type in ("PHONE", "ID")], redactor.redact(text).text


def test_spans_never_start_or_end_on_function_words() -> None:
    text = "My name is Maria Gonzalez and I work at the salvation army on Fridays."

    def cand(sub: str, typ: str = "PERSON") -> Candidate:
        start = text.index(sub)
        return Candidate(start, start + len(sub), typ, 0.9, "test")

    cands = [cand("is Maria Gonzalez and"), cand("at the salvation army on", "ORGANIZATION")]
    assert [text[c.start:c.end] for c in resolve(text, cands)] == ["Maria Gonzalez", "salvation army"]
    assert resolve(text, [cand("is")]) == []  # a lone function word is never personal data
    assert [text[c.start:c.end] for c in resolve(text, [cand("name is")])] == ["name"]


def test_names_that_look_like_function_words_stay_whole(redactor: Redactor) -> None:
    """Only closed-class words are trimmed: given names such as "Will" or "May" are not among them."""
    for text, name in (("I spoke to Mr. Ward about it.", "Mr. Ward"), ("My brother Will Turner came too.", "Will Turner"),
                       ("My aunt May Collins was there.", "May Collins")):
        assert covered(redactor, text, name), redactor.redact(text).text


@pytest.mark.parametrize(
    "text, address",
    [
        ("or email me at merrier.gonzart.outlook.com Thank you", "merrier.gonzart.outlook.com"),
        ("my e-mail is j.smith.example.org thanks.", "j.smith.example.org"),
        ("it's bob.jones.gmail.com.", "bob.jones.gmail.com"),
    ],
)
def test_dotted_asr_emails(sample: Redactor, text: str, address: str) -> None:
    spans = sample.redact(text).spans
    assert [(text[s.start:s.end], s.type) for s in spans] == [(address, "EMAIL")], sample.redact(text).text


@pytest.mark.parametrize("text", ["version 3.5.1 is out, e.g. on the site", "see www.example.org for details",
                                  "I use outlook.com for everything"])
def test_dotted_tokens_that_are_no_emails(redactor: Redactor, text: str) -> None:
    assert not [s for s in redactor.redact(text).spans if s.type == "EMAIL"], redactor.redact(text).text


@pytest.mark.parametrize(
    "text, org",
    [
        ("i've been volunteering with the salvation army every saturday", "salvation army"),
        ("my partner works for the co-op in town", "co-op"),
        ("we had the reception at the red lion pub in harrogate", "red lion pub"),
        ("we got married at holy trinity church in june", "holy trinity church"),
    ],
)
def test_common_word_organisations(redactor: Redactor, text: str, org: str) -> None:
    types = redacted_types(redactor, text)
    assert types.get(org) == "ORGANIZATION", types


@pytest.mark.parametrize(
    "text, words",
    [
        ("i go to the food bank and the job centre every week", ["food bank", "job centre"]),
        ("i don't trust the council and the local school is bad", ["council", "local school"]),
        ("he went to a big company and then to the same company", ["big company", "same company"]),
        ("she is at the catholic primary school near the nearest hospital", ["catholic primary school", "nearest hospital"]),
        ("we walked along the river bank to the church", ["river bank", "church"]),
        ("i worked for years at the factory", ["years", "factory"]),
    ],
)
def test_generic_organisation_words_are_kept(redactor: Redactor, text: str, words: list[str]) -> None:
    out = redactor.redact(text).text
    for w in words:
        assert w in out, out


def test_uber_and_brother_in_law(redactor: Redactor) -> None:
    text = "my brother in law olusegun drives for uber in croydon and he works nights mostly"
    types = redacted_types(redactor, text)
    assert types.get("uber") == "ORGANIZATION" and "olusegun" in types and "croydon" in types, types
    assert "brother in law" in redactor.redact(text).text


def test_known_names_saint_is_st(sample: Redactor) -> None:
    text = "I work at St. Mary's Hospital now."
    spans = sample.redact(text).spans
    assert [(text[s.start:s.end], s.type, s.recognizer) for s in spans] == [("St. Mary's Hospital", "ORGANIZATION", "known_names")]
