"""Per-language rules without any NLP model: national IDs, phones, plates, dates, ages, addresses,
Finnish inflection and language detection."""
from __future__ import annotations

import pytest

from mediaanon.redaction.languages import common, detect, fi, fr, get, ids, poor_transcription_warning


@pytest.mark.parametrize("check,value,ok", [
    (ids.fi_hetu, "150381-234J", True), (ids.fi_hetu, "080402A331K", True), (ids.fi_hetu, "150381-234K", False),
    (ids.se_personnummer, "811218-9876", True), (ids.se_personnummer, "811218-9875", False),
    (ids.no_fodselsnummer, "01018012371", True), (ids.no_fodselsnummer, "01018012372", False),
    (ids.dk_cpr, "070261-1008", True), (ids.dk_cpr, "450261-1008", False),
    (ids.fr_nir, "1 81 03 75 123 456 43", True), (ids.fr_nir, "292096911203476", True),
    (ids.fr_nir, "292096911203477", False),
])
def test_national_id_checksums(check, value, ok) -> None:
    assert check(value) is ok


def test_find_ids_scores_a_failed_checksum_lower_but_still_marks_it() -> None:
    text = "hetu 150381-234J, väärin 150381-234K"
    found = {(text[s:e], score) for s, e, score, _ in ids.find_ids(text)}
    assert ("150381-234J", ids.VALID_SCORE) in found
    assert ("150381-234K", ids.SHAPE_SCORE) in found  # a mis-heard digit must not leak the ID


def test_bare_digit_runs_need_their_checksum() -> None:
    """An 11-digit run that is no valid fødselsnummer/personnummer is left to the phone rules."""
    assert not [r for *_, r in ids.find_ids("tilaus 12345678901") if r in ("id_no", "id_sv")]


def spans(cands, text):
    return {(c.type, text[c.start:c.end]) for c in cands}


def test_finnish_phones_plates_and_numeric_dates() -> None:
    text = "Soita 040 123 4567 tai +358 50 987 6543, auto ABC-123, leikkaus 12.4.2019."
    got = spans(common.common(text, "fi", keep_years=True), text)
    assert {("PHONE", "040 123 4567"), ("PHONE", "+358 50 987 6543"), ("ID", "ABC-123"), ("DATE", "12.4.2019")} <= got


def test_french_phones_and_plates() -> None:
    text = "Appelez le 06 12 34 56 78 ou le +33 1 45 67 89 01, la Clio AB-123-CD."
    got = spans(common.common(text, "fr", keep_years=True), text)
    assert {("PHONE", "06 12 34 56 78"), ("PHONE", "+33 1 45 67 89 01"), ("ID", "AB-123-CD")} <= got


def test_bare_years_follow_keep_years() -> None:
    text = "valmistuin vuonna 2009"
    assert not common.years(text, keep_years=True)
    assert spans(common.years(text, keep_years=False), text) == {("DATE", "2009")}


@pytest.mark.parametrize("text,typ,span", [
    ("Me muutettiin maaliskuussa 2018 tänne", "DATE", "maaliskuussa 2018"),
    ("Mä synnyin 15. maaliskuuta 1981 Oulussa", "DATE", "15. maaliskuuta 1981"),
    ("tapaaminen oli kolmas toukokuuta ja", "DATE", "kolmas toukokuuta"),
    ("Mä oon nyt 47-vuotias ja", "AGE", "47-vuotias"),
    ("kun mä täytin viisikymmentä se", "AGE", "viisikymmentä"),
    ("osote on Kalevankatu 8 B 14, Helsinki", "ADDRESS", "Kalevankatu 8 B 14"),
    ("poika käy Hervannan koulua", "ORGANIZATION", "Hervannan koulua"),
])
def test_finnish_rules(text, typ, span) -> None:
    assert (typ, span) in spans(fi.rules(text, keep_months=False), text)


@pytest.mark.parametrize("text,typ,span", [
    ("je travaille depuis le 3 avril 1981", "DATE", "3 avril 1981"),
    ("on s'est mariés en juin 2004", "DATE", "juin 2004"),
    ("bon, j'ai 43 ans maintenant", "AGE", "43 ans"),
    ("quand j'avais dix-huit ans je", "AGE", "dix-huit ans"),
    ("On habite au 12 rue de la République, juste", "ADDRESS", "12 rue de la République"),
    ("il est au collège Jules Ferry", "ORGANIZATION", "collège Jules Ferry"),
])
def test_french_rules(text, typ, span) -> None:
    assert (typ, span) in spans(fr.rules(text, keep_months=False), text)


def test_a_french_duration_is_not_an_age() -> None:
    text = "j'ai bossé pendant dix ans chez eux, depuis 10 ans"
    assert not [c for c in fr.rules(text, False) if c.type == "AGE"]


def test_keep_months_keeps_a_month_alone_but_not_a_date() -> None:
    text = "maaliskuussa oli kylmä, mutta 15. maaliskuuta 1981 satoi"
    got = spans(fi.rules(text, keep_months=True), text)
    assert ("DATE", "15. maaliskuuta 1981") in got and ("DATE", "maaliskuussa") not in got


@pytest.mark.parametrize("inflected,base", [
    ("Tampereella", "tampere"), ("Tampereelle", "tampere"), ("Nokialla", "nokia"), ("Turkuun", "turku"),
    ("Helsingissä", "helsinki"), ("Lahdessa", "lahti"), ("Oulussa", "oulu"), ("Jyväskylässä", "jyväskylä"),
])
def test_finnish_inflection_reaches_the_base_form(inflected, base) -> None:
    assert base in fi.base_forms(inflected)


@pytest.mark.parametrize("text,code", [
    ("No, mä oon siis asunu täällä kymmenen vuotta ja mun mies on töissä, mutta se ei oo kotona", "fi"),
    ("Alors euh, moi c'est Marie et j'habite à Lyon depuis une dizaine d'années avec mon mari", "fr"),
    ("so um my name is abigail and i have been working as a nurse for about twelve years now", "en"),
])
def test_detect(text, code) -> None:
    assert detect.detect(text)[0] == code


def test_detect_refuses_to_guess_on_too_little_text() -> None:
    code, why = detect.detect("Hämeenkatu 12")
    assert code is None and "too few" in why


def test_unknown_language_is_an_error_listing_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known: da, de, en, fi, fr, nb, sv"):
        get("xx")
    assert get("no").code == "nb"


def test_poor_transcription_warning_uses_published_fleurs_wer() -> None:
    assert "55 %" in poor_transcription_warning("fi", "whisper-base")
    assert poor_transcription_warning("en", "whisper-base") is None
    assert poor_transcription_warning("sv", "whisper-small") and "21 %" in poor_transcription_warning("sv", "whisper-small")
    assert poor_transcription_warning("fr", "whisper-small") is None  # 13 %: below the warning line


@pytest.mark.parametrize("text,language,span", [
    ("Mon numéro est numéro 6, 12, 34, 56, 78. Merci", "fr", "6, 12, 34, 56, 78"),
    ("Puhelinnumeroni on 040, 123, 4567.", "fi", "040, 123, 4567"),
    ("numero on nolla neljä nolla, yksikaksi kolme, neljä", "fi", "nolla neljä nolla, yksikaksi kolme, neljä"),
    ("c'est le zéro six, douze, trente-quatre, cinquante-six", "fr", "zéro six, douze, trente-quatre, cinquante-six"),
])
def test_phones_as_whisper_writes_them(text, language, span) -> None:
    assert ("PHONE", span) in spans(common.phones(text, language), text)


@pytest.mark.parametrize("text,language", [("meillä on kaksi tai kolme lasta", "fi"), ("deux ou trois fois", "fr"),
                                           ("I bought 3, 4, 5 apples", "en")])
def test_counts_are_not_phones(text, language) -> None:
    assert not common.phones(text, language)
