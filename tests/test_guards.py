"""Hallucination guards, the VAD time map and device choice, on constructed data (no models)."""
from __future__ import annotations

import pytest

from mediaanon.records import Segment, Word
from mediaanon.transcription.engine import check_audio, clamp, pick_device
from mediaanon.transcription.guards import (
    GuardSettings,
    apply_guards,
    count_reasons,
    find_loop,
    normalise,
    trim_loops,
)
from mediaanon.transcription.vad import SpeechChunk, TimeMap, overlap

S = GuardSettings()


def words_of(text: str, start: float = 0.0, step: float = 0.3) -> tuple[Word, ...]:
    return tuple(Word(round(start + i * step, 3), round(start + (i + 1) * step, 3), " " + t, 0.9) for i, t in enumerate(text.split()))


def seg(text: str, start: float = 0.0, sid: int = 0, **kw) -> Segment:
    ws = words_of(text, start)
    return Segment(id=sid, start=ws[0].start, end=ws[-1].end, text="".join(w.word for w in ws), words=ws, **kw)


def test_find_loop_detects_repeated_phrase():
    tokens = "so we said thank you thank you thank you thank you and left".split()
    assert find_loop(tokens, min_repeats=4, min_words=8) == (3, 2, 4)


def test_find_loop_ignores_natural_repetition():
    assert find_loop("no no no no I did not".split(), 4, 8) is None  # 4 words < 8
    assert find_loop("very very good".split(), 4, 8) is None
    assert find_loop([], 4, 8) is None


def test_trim_loops_keeps_phrase_once_and_records_cut_times():
    s = seg("and then I am going home I am going home I am going home I am going home now")
    trimmed, dropped = trim_loops(s, S)
    assert normalise(trimmed.text) == "and then i am going home now"
    assert trimmed.text == "".join(w.word for w in trimmed.words)
    assert [d["reason"] for d in dropped] == ["repetition_loop"]
    assert dropped[0]["words"] == 12
    # the cut starts at the second "I" (word 6) and ends at the last "home" (word 17)
    assert dropped[0]["start"] == pytest.approx(6 * 0.3) and dropped[0]["end"] == pytest.approx(18 * 0.3)
    assert "text" not in dropped[0]


def test_loop_in_segment_without_words_drops_it_whole():
    s = Segment(id=0, start=1.0, end=9.0, text=" la la la la la la la la la")
    trimmed, dropped = trim_loops(s, S)
    assert trimmed is None and dropped == [{"start": 1.0, "end": 9.0, "reason": "repetition_loop", "words": 9}]


def test_silence_hallucination_is_dropped_but_confident_speech_kept():
    ghost = seg("thanks for watching", 10.0, no_speech_prob=0.9, avg_logprob=-1.4)
    quiet_but_sure = seg("yes", 20.0, no_speech_prob=0.9, avg_logprob=-0.2)
    kept, dropped = apply_guards([ghost, quiet_but_sure], S)
    assert [normalise(k.text) for k in kept] == ["yes"]
    assert dropped == [{"start": 10.0, "end": 10.9, "reason": "no_speech", "words": 3}]


def test_segment_outside_vad_speech_is_dropped():
    inside = seg("hello there", 1.0)
    outside = seg("subscribe to my channel", 30.0)
    kept, dropped = apply_guards([inside, outside], S, speech_regions=[(0.5, 5.0)])
    assert len(kept) == 1 and normalise(kept[0].text) == "hello there"
    assert count_reasons(dropped) == {"outside_speech": 1}
    # without regions the check is off
    kept, dropped = apply_guards([inside, outside], S, speech_regions=None)
    assert len(kept) == 2 and dropped == []


def test_repeated_segments_keep_first_and_ids_are_renumbered():
    segs = [seg("intro words here", 0.0, 0)] + [seg("Thank you.", 5.0 + i, i + 1) for i in range(4)] + [seg("the end", 20.0, 5)]
    kept, dropped = apply_guards(segs, S)
    assert [normalise(k.text) for k in kept] == ["intro words here", "thank you", "the end"]
    assert [k.id for k in kept] == [0, 1, 2]
    assert count_reasons(dropped) == {"repeated_segment": 3}
    assert [d["start"] for d in dropped] == sorted(d["start"] for d in dropped)


def test_two_identical_segments_are_not_a_loop():
    kept, dropped = apply_guards([seg("okay", 0.0), seg("okay", 2.0)], S)
    assert len(kept) == 2 and dropped == []


def test_short_repeated_greetings_are_kept():
    """A phone call starting "Hello?" "Hello?" "Oh, hello." (pyannote sample) is not a loop."""
    kept, dropped = apply_guards([seg("Hello?", 0.0), seg("Hello.", 1.0), seg("hello", 2.0), seg("I did not know", 3.0)], S)
    assert len(kept) == 4 and dropped == []


def test_time_map_restores_original_times():
    # speech at 1.0-2.0 s and 5.0-6.0 s; the decoder saw them back to back (0-1 s, 1-2 s)
    tm = TimeMap([SpeechChunk(16000, 32000), SpeechChunk(80000, 96000)])
    assert tm.original(0.5) == pytest.approx(1.5)
    assert tm.original(1.5) == pytest.approx(5.5)
    assert tm.original(1.0, is_end=True) == pytest.approx(2.0)  # an end on the cut stays in the first chunk
    assert tm.original(1.0) == pytest.approx(5.0)  # a start on the cut belongs to the second
    # a word straddling the cut is mapped as a whole through the chunk of its middle
    s = Segment(0, 0.8, 1.6, " a b", (Word(0.8, 1.3, " a"), Word(1.3, 1.6, " b")))
    mapped = tm.segment(s)
    assert (mapped.words[0].start, mapped.words[0].end) == pytest.approx((4.8, 5.3))
    assert (mapped.start, mapped.end) == pytest.approx((4.8, 5.6))
    assert TimeMap([]).original(3.0) == 3.0


def test_overlap():
    assert overlap(0.0, 10.0, [(1.0, 2.0), (4.0, 5.5)]) == pytest.approx(2.5)
    assert overlap(3.0, 3.5, [(1.0, 2.0)]) == 0.0


def test_clamp_keeps_times_in_audio():
    s = Segment(0, -0.02, 11.3, " x", (Word(-0.02, 0.4, " x"), Word(10.9, 10.8, " y")))
    c = clamp(s, 11.0)
    assert c.start == 0.0 and c.end == 11.0
    assert (c.words[1].start, c.words[1].end) == (10.9, 10.9)


def test_check_audio_rejects_empty_and_nan():
    import numpy as np

    from mediaanon.errors import InputError

    with pytest.raises(InputError, match="no speech audio"):
        check_audio(np.zeros(0, np.float32))
    with pytest.raises(InputError, match="NaN"):
        check_audio(np.array([0.0, np.nan], np.float32))
    with pytest.raises(InputError, match="mono"):
        check_audio(np.zeros((2, 10), np.float32))


def test_pick_device():
    assert pick_device("auto", "auto", cuda_available=False) == ("cpu", "")
    assert pick_device("auto", "auto", cuda_available=True) == ("cuda", "")
    assert pick_device("cpu", "cuda", cuda_available=True) == ("cpu", "")
    assert pick_device("auto", "cpu", cuda_available=True) == ("cpu", "")
    device, note = pick_device("cuda", "auto", cuda_available=False)
    assert device == "cpu" and "cuda requested" in note
    device, note = pick_device("auto", "cuda", cuda_available=False)
    assert device == "cpu" and note
