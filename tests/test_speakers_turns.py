"""Turns and the transcript: every word gets a speaker, segments split at real changes only."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mediaanon.records import Segment, Transcript, Word
from mediaanon.speakers import turns
from mediaanon.speakers.records import Diarization, Turn
from mediaanon.speakers.select import range_mask, resolve_chosen, speaker_ranges, tag_item


def words(spec):
    """[(text, start, end)] -> Words (times may be nan for untimed words)."""
    return tuple(Word(a, b, t) for t, a, b in spec)


def seg(i, ws, text=None):
    text = "".join(w.word for w in ws) if text is None else text
    timed = [w for w in ws if math.isfinite(w.start)]
    return Segment(i, timed[0].start if timed else 0.0, timed[-1].end if timed else 0.0, text, ws)


D = Diarization([Turn(0.0, 3.0, "S1"), Turn(3.2, 6.0, "S2"), Turn(6.2, 9.0, "S1", uncertain=True)],
                ["S1", "S2"], "embeddings")


def test_segment_spanning_a_turn_is_split_and_text_kept():
    ws = words([(" Where", 0.5, 0.9), (" do", 1.0, 1.2), (" you", 1.3, 1.5), (" work?", 1.6, 2.8),
                (" At", 3.3, 3.5), (" the", 3.6, 3.8), (" hospital.", 3.9, 4.6)])
    t = Transcript([seg(0, ws), seg(1, words([(" Thanks.", 6.5, 7.0)]))], "en")
    out, stats = turns.label_transcript(t, D)
    assert out.text == t.text
    assert [(s.id, s.speaker, s.text) for s in out.segments] == [
        (0, "S1", " Where do you work?"), (1, "S2", " At the hospital."), (2, "S1", " Thanks.")]
    assert out.segments[1].start == 3.3 and out.segments[0].end == 2.8
    assert all(w.speaker for s in out.segments for w in s.words)
    assert stats["segments_split"] == 1


def test_one_stray_word_does_not_split_a_segment():
    # "really" falls into S2's turn by its times, but one short word is not a turn
    ws = words([(" I", 1.0, 1.2), (" was", 1.3, 1.6), (" there", 1.7, 2.9), (" really", 3.2, 3.5),
                (" often", 2.2, 2.5), (" then.", 2.5, 2.9)])
    t = Transcript([seg(0, ws)], "en")
    out, stats = turns.label_transcript(t, D)
    assert len(out.segments) == 1 and out.segments[0].speaker == "S1"
    assert {w.speaker for w in out.segments[0].words} == {"S1"}
    assert not stats.get("segments_split")


def test_words_without_times_take_their_neighbours_speaker():
    nan = float("nan")
    ws = words([(" At", 3.3, 3.5), (" the", nan, nan), (" hospital", 3.9, 4.6), (" today.", nan, nan)])
    t = Transcript([seg(0, ws)], "en")
    out, stats = turns.label_transcript(t, D)
    assert [w.speaker for w in out.segments[0].words] == ["S2"] * 4
    assert stats["untimed_words"] == 2


def test_segment_without_words_gets_the_speaker_of_its_time():
    t = Transcript([Segment(0, 3.5, 5.0, " Fine.")], "en")
    out, _ = turns.label_transcript(t, D)
    assert out.segments[0].speaker == "S2"


def test_split_never_cuts_inside_a_glued_token():
    # "077" + "-0" are one written token: a change between them moves to the next word start
    ws = words([(" call", 1.0, 1.5), (" me", 1.6, 2.0), (" on", 2.1, 2.5), (" 077", 2.6, 2.95),
                ("-0", 3.3, 3.6), (" please", 3.7, 4.2), (" now.", 4.3, 4.8)])
    t = Transcript([seg(0, ws)], "en")
    out, _ = turns.label_transcript(t, D)
    assert out.text == t.text
    assert [s.text for s in out.segments] == [" call me on 077-0", " please now."]


def test_labels_by_first_speech_and_names():
    raw = [Turn(5.0, 6.0, "0"), Turn(1.0, 2.0, "1"), Turn(7.0, 8.0, "2")]
    out, labels = turns.label_by_first_speech(raw)
    assert labels == ["S1", "S2", "S3"]
    assert [(t.start, t.speaker) for t in out] == [(5.0, "S2"), (1.0, "S1"), (7.0, "S3")]
    named = D.renamed(turns.names_map(D.speakers, ["Interviewer", "Participant"]))
    assert named.speakers == ["Interviewer", "Participant"] and named.turns[1].speaker == "Participant"
    assert turns.parse_names(" Interviewer , Participant") == ["Interviewer", "Participant"]
    assert turns.parse_names("Interviewer; Participant") == ["Interviewer", "Participant"]  # manifest cells
    assert turns.parse_names("Dr. A, PhD;Participant") == ["Dr. A, PhD", "Participant"]
    for bad in ("A,,B", "A,A", "<v>", "x" * 41, "A;;B"):
        with pytest.raises(ValueError):
            turns.parse_names(bad)


def test_frames_to_turns_joins_short_pauses_of_one_speaker():
    times = np.array([0.025, 0.075, 0.125, 0.375, 0.425, 1.525])
    labels = np.array([0, 0, 0, 0, 1, 1])
    out = turns.frames_to_turns(times, labels, np.zeros(6, bool), 0.05)
    assert [(t.start, t.end, t.speaker) for t in out] == [(0.0, 0.4, "0"), (0.4, 0.45, "1"), (1.5, 1.55, "1")]


def test_a_turn_is_uncertain_only_when_much_of_it_is():
    times = np.arange(40) * 0.05 + 0.025  # 2 s of one speaker, then 1 s of another
    times = np.concatenate([times, 2.5 + np.arange(20) * 0.05 + 0.025])
    labels = np.array([0] * 40 + [1] * 20)
    unsure = np.zeros(60, bool)
    unsure[38:40] = True  # two close frames at the end of a 2 s turn: still a sure turn
    unsure[45:55] = True  # half of the second turn scored close (overlap, laughter): uncertain
    out = turns.frames_to_turns(times, labels, unsure, 0.05)
    assert [(t.speaker, t.uncertain) for t in out] == [("0", False), ("1", True)]


def test_talk_stats():
    stats = turns.talk_stats(D)
    assert stats == {"S1": {"talk_seconds": 5.8, "turns": 2, "uncertain_seconds": 2.8},
                     "S2": {"talk_seconds": 2.8, "turns": 1, "uncertain_seconds": 0.0}}


def test_chosen_speaker_ranges_and_mask():
    assert speaker_ranges(D, ["S2"]) == [(3.2, 6.0)]
    with pytest.raises(ValueError, match="S3"):
        resolve_chosen(D, ["S3"])
    rate = 100
    mask = range_mask(1000, rate, 0, [(3.2, 6.0)], fade=0.03)
    assert mask[:317].max() == 0.0 and mask[325:595].min() == 1.0 and mask[605:].max() == 0.0
    block = range_mask(100, rate, 300, [(3.2, 6.0)], fade=0.03)  # a block starting at 3 s
    assert np.allclose(block, mask[300:400])


def test_tag_item_labels_segment_and_word_dicts():
    ws = (Word(6.5, 6.7, " Thank", speaker="S1"), Word(6.8, 7.0, " you.", speaker="S1"))
    s = Segment(0, 6.5, 7.0, " Thank you.", ws, speaker="S1")
    item = {"id": 0, "start": 6.5, "end": 7.0, "text": " Thank you.",
            "words": [{"start": 6.5, "end": 6.7, "word": " Thank"}, {"start": 6.8, "end": 7.0, "word": " you."}]}
    out = tag_item(item, s, D)
    assert out["speaker"] == "S1" and out["speaker_uncertain"] is True
    assert [w["speaker"] for w in out["words"]] == ["S1", "S1"]
    assert "speaker" not in tag_item({"id": 1, "text": "x"}, Segment(1, 0, 1, "x"), None)


def test_tag_segments_matches_dicts_to_segments_by_id():
    """Both writers of the redacted segments (redaction, leak repair) tag them the same way."""
    from mediaanon.speakers.select import tag_segments

    ws = (Word(6.5, 6.7, " Thank", speaker="S1"), Word(6.8, 7.0, " you.", speaker="S1"))
    tr = Transcript([Segment(0, 0.0, 1.0, " Hello.", speaker="S2"), Segment(3, 6.5, 7.0, " Thank you.", ws,
                                                                             speaker="S1")], "en")
    items = [{"id": 3, "start": 6.5, "end": 7.0, "text": " Thank you.", "words": [{"start": 6.5, "end": 6.7,
                                                                                   "word": " Thank"}]}]
    out = tag_segments(items, tr, D)
    assert out[0]["speaker"] == "S1" and out[0]["speaker_uncertain"] is True and out[0]["words"][0]["speaker"] == "S1"
