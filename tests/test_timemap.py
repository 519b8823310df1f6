"""Character span → audio time mapping (mediaanon.redaction.timemap); no models needed."""
from __future__ import annotations

import pytest

from mediaanon.records import Segment, Transcript, Word
from mediaanon.redaction.timemap import TimeMap


def seg(i: int, start: float, end: float, words: list[tuple[float, float, str]], text: str | None = None) -> Segment:
    ws = tuple(Word(a, b, w) for a, b, w in words)
    return Segment(id=i, start=start, end=end, text=text if text is not None else "".join(w.word for w in ws), words=ws)


def tmap(*segments: Segment) -> TimeMap:
    return TimeMap(Transcript(segments=list(segments), language="en"))


@pytest.fixture
def two_segments() -> TimeMap:
    return tmap(
        seg(0, 0.0, 3.0, [(0.0, 0.4, " I'm"), (0.5, 1.2, " Abigail"), (1.3, 2.1, " Claflin.")]),
        seg(1, 3.5, 6.0, [(3.5, 3.8, " You"), (3.9, 4.1, " can"), (4.2, 4.5, " call"), (4.6, 4.8, " me"), (4.9, 5.6, " Abbie.")]),
    )


def test_text_is_transcript_text(two_segments: TimeMap) -> None:
    assert two_segments.text == "I'm Abigail Claflin. You can call me Abbie."
    t = Transcript(segments=two_segments.segments, language="en")
    assert two_segments.text == t.text


@pytest.mark.parametrize(
    "needle, expected",
    [
        ("Abigail Claflin", (0.5, 2.1, "words")),
        ("Abigail", (0.5, 1.2, "words")),
        ("Abbie", (4.9, 5.6, "words")),
        ("bigai", (0.5, 1.2, "words")),  # part of a word: the whole word's time
        ("Claflin. You", (1.3, 3.8, "words")),  # across the segment boundary
    ],
)
def test_span_times_from_words(two_segments: TimeMap, needle: str, expected: tuple) -> None:
    start = two_segments.text.index(needle)
    r = two_segments.time(start, start + len(needle))
    assert (r.t0, r.t1, r.timing) == expected


def test_zero_length_word_widens_to_neighbours() -> None:
    m = tmap(seg(0, 0.0, 4.0, [(0.0, 0.5, " my"), (0.6, 1.0, " wife"), (1.2, 1.2, " Fatima"), (1.9, 2.4, " works")]))
    start = m.text.index("Fatima")
    r = m.time(start, start + 6)
    assert r.timing == "widened"
    assert (r.t0, r.t1) == (1.0, 1.9)  # from the previous word's end to the next word's start


def test_untimed_word_at_segment_edge_widens_to_segment_edge() -> None:
    m = tmap(seg(0, 10.0, 12.0, [(10.0, 10.4, " call"), (10.5, 10.7, " me"), (float("nan"), float("nan"), " Abbie")]))
    start = m.text.index("Abbie")
    r = m.time(start, start + 5)
    assert r.timing == "widened" and (r.t0, r.t1) == (10.7, 12.0)


def test_non_monotonic_word_is_not_trusted() -> None:
    m = tmap(seg(0, 0.0, 5.0, [(1.0, 1.5, " she"), (2.0, 2.5, " met"), (0.2, 0.4, " Tom"), (3.0, 3.5, " there")]))
    start = m.text.index("Tom")
    r = m.time(start, start + 3)
    assert r.timing == "widened" and (r.t0, r.t1) == (2.5, 3.0)


def test_word_outside_its_segment_is_not_trusted() -> None:
    m = tmap(seg(0, 0.0, 2.0, [(0.0, 0.5, " hi"), (9.0, 9.5, " Priya"), (1.5, 1.9, " there")]))
    start = m.text.index("Priya")
    assert m.time(start, start + 5).timing == "widened"


def test_no_usable_word_times_fall_back_to_segment() -> None:
    m = tmap(seg(0, 2.0, 4.0, [(0.0, 0.0, " Kevin"), (0.0, 0.0, " Marsh")]),
             seg(1, 4.5, 5.0, [], text=" no words here"))
    r = m.time(0, len("Kevin Marsh"))
    assert (r.t0, r.t1, r.timing) == (2.0, 4.0, "segment")
    start = m.text.index("words")
    assert m.time(start, start + 5) == type(r)(4.5, 5.0, "segment")


def test_words_not_found_in_segment_text_are_skipped() -> None:
    # the segment text was edited (e.g. by a guard) and no longer contains "uh"
    m = tmap(seg(0, 0.0, 3.0, [(0.0, 0.3, " uh"), (0.4, 1.0, " Sarah"), (1.1, 1.5, " said")], text=" Sarah said"))
    assert m.text == "Sarah said"
    r = m.time(0, 5)
    assert (r.t0, r.t1, r.timing) == (0.4, 1.0, "words")
    assert m.unlocated == {0}  # bleep_pii trusts no word-level decision in such a segment


def test_segments_with_text_but_no_words_are_unlocated() -> None:
    m = tmap(seg(0, 0.0, 1.0, [(0.0, 0.5, " Hello")]), seg(1, 1.0, 2.0, [], text=" call Tom"))
    assert m.unlocated == {1}


def test_empty_segments_do_not_shift_offsets() -> None:
    m = tmap(seg(0, 0.0, 1.0, [(0.0, 0.5, " Hello")]), seg(1, 1.0, 2.0, [], text="  "),
             seg(2, 2.0, 3.0, [(2.0, 2.6, " Tom")]))
    assert m.text == "Hello Tom"
    assert m.time(6, 9) == type(m.time(6, 9))(2.0, 2.6, "words")
    assert m.segments_of(6, 9) == [2]


def test_out_of_range_span_raises(two_segments: TimeMap) -> None:
    with pytest.raises(ValueError):
        two_segments.time(500, 510)


def test_pieces_split_at_segment_boundaries(two_segments: TimeMap) -> None:
    start = two_segments.text.index("Claflin")
    end = two_segments.text.index("You") + 3
    pieces = two_segments.pieces(start, end)
    assert [(p.segment, p.start, p.end) for p in pieces] == [(0, 12, 20), (1, 0, 3)]


def test_redact_segments_puts_marker_in_first_segment(two_segments: TimeMap) -> None:
    text = two_segments.text
    a = text.index("Abigail Claflin.")
    b = text.index("Abbie")
    spans = [(a, a + len("Abigail Claflin. You"), "[PERSON 1]"), (b, b + 5, "[PERSON 1]")]
    out = two_segments.redact_segments(spans)
    assert out == ["I'm [PERSON 1]", "can call me [PERSON 1]."]
    joined = " ".join(o for o in out if o)
    assert "Claflin" not in joined and "Abbie" not in joined and "Abigail" not in joined
