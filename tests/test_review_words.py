"""Word times in transcript.json: redacted words appear only as their markers."""
from __future__ import annotations

from mediaanon.records import PiiSpan, Segment, Transcript, Word
from mediaanon.redaction import wordtimes


def _transcript() -> Transcript:
    w1 = (Word(0.0, 0.4, " My"), Word(0.4, 0.7, " name"), Word(0.7, 0.9, " is"), Word(0.9, 1.3, " Abigail"),
          Word(1.3, 1.8, " Claflin.", speaker="S1"))
    w2 = (Word(2.0, 2.3, " Call"), Word(2.3, 2.6, " me"), Word(2.6, 3.5, " tomorrow."))
    return Transcript([Segment(0, 0.0, 1.8, " My name is Abigail Claflin.", w1, speaker="S1"),
                       Segment(1, 2.0, 3.5, " Call me tomorrow.", w2)], "en")


def test_redacted_words_are_their_marker_only():
    t = _transcript()
    start = t.text.index("Abigail")
    span = PiiSpan("PERSON", start, start + len("Abigail Claflin"), 1.0, "test", "[PERSON 1]", 0.9, 1.8)
    segs = wordtimes.redacted_segments(t, [span])
    assert segs[0]["text"] == "My name is [PERSON 1]."
    assert segs[0]["speaker"] == "S1"
    words = [w["word"] for w in segs[0]["words"]]
    assert words == ["My", "name", "is", "[PERSON 1]"]
    marker = segs[0]["words"][-1]
    assert (marker["start"], marker["end"]) == (0.9, 1.8)
    assert marker["speaker"] == "S1"
    assert [w["word"] for w in segs[1]["words"]] == ["Call", "me", "tomorrow."]
    assert "Abigail" not in repr(segs) and "Claflin" not in repr(segs)


def test_span_across_segments_keeps_marker_in_first_segment_only():
    t = _transcript()
    start = t.text.index("Claflin")
    end = t.text.index("Call") + len("Call")
    span = PiiSpan("PERSON", start, end, 1.0, "test", "[PERSON 2]", 1.3, 2.3)
    segs = wordtimes.redacted_segments(t, [span])
    assert [w["word"] for w in segs[0]["words"]][-1] == "[PERSON 2]"
    assert [w["word"] for w in segs[1]["words"]] == ["me", "tomorrow."]
    assert segs[1]["text"] == "me tomorrow."
