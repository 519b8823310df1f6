"""Speaker labels in every transcript format."""
from __future__ import annotations

from mediaanon import writers

SEGS = [
    {"id": 0, "start": 0.0, "end": 2.0, "text": " Where do you work?", "speaker": "Interviewer"},
    {"id": 1, "start": 2.5, "end": 4.0, "text": " At [ORGANIZATION 1].", "speaker": "Participant"},
    {"id": 2, "start": 4.0, "end": 5.0, "text": " Since 2019 & <before>.", "speaker": "Participant"},
]


def test_txt_has_one_paragraph_per_turn():
    assert writers.to_txt(SEGS) == ("Interviewer: Where do you work?\n"
                                    "Participant: At [ORGANIZATION 1]. Since 2019 & <before>.\n")


def test_vtt_uses_voice_spans_and_escapes():
    vtt = writers.to_vtt(SEGS)
    assert "00:00:00.000 --> 00:00:02.000\n<v Interviewer>Where do you work?\n" in vtt
    assert "<v Participant>Since 2019 &amp; &lt;before&gt;.\n" in vtt


def test_srt_tags_the_speaker():
    assert "2\n00:00:02,500 --> 00:00:04,000\nParticipant: At [ORGANIZATION 1].\n" in writers.to_srt(SEGS)


def test_unlabelled_segments_are_unchanged():
    plain = [{k: v for k, v in s.items() if k != "speaker"} for s in SEGS]
    assert writers.to_txt(plain).splitlines()[0] == "Where do you work?"
    assert "<v" not in writers.to_vtt(plain)
