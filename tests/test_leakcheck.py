"""The leak check: canonical tokens, fuzzy/phonetic matching, and a real re-transcription
of the AMI clip ("I'm Abigail Claflin … you can call me Abbie") before and after bleeping."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from mediaanon.audio import bleep, leakcheck
from mediaanon.audio.leakcheck import Needle, find_leaks, soundex, tokens
from mediaanon.records import PiiSpan, Segment, Transcript, Word
from mediaanon.stage import RunContext

AMI = "audio/lhotse/ami_ES2011a.Headset-0-40s-46s.wav"


def hyp(text: str, t0: float = 0.0, step: float = 0.3) -> Transcript:
    words = tuple(Word(t0 + i * step, t0 + i * step + 0.25, " " + w) for i, w in enumerate(text.split()))
    return Transcript([Segment(0, t0, t0 + step * len(words), " " + text, words)], "en")


def test_tokens_make_spoken_and_written_forms_meet():
    assert tokens("Call 555-0142") == tokens("call five five five oh one four two")
    assert tokens("jane.doe@example.org") == tokens("Jane dot Doe at example dot org")
    assert tokens("double seven 3") == ["7", "7", "3"]
    assert "oh" in tokens("oh well, I said no")  # prose "oh" stays a word


def test_soundex():
    assert soundex("Abbie") == soundex("Abby") == soundex("Abi") == "A100"
    assert soundex("Claflin") == soundex("Klafflin")
    assert soundex("Robert") == soundex("Rupert") == "6163"
    assert soundex("Claflin") != soundex("Abigail")


@pytest.mark.parametrize("said", ["I'm Abigail Claflin", "I'm Abigail Clafflin", "call me Abby", "Abigail here",
                                  "it's five five five oh one four two", "number 0142 please"])
def test_close_asr_spellings_and_parts_are_found(said):
    items = [Needle("PERSON", "Abigail Claflin"), Needle("PERSON", "Abbie"), Needle("PHONE_NUMBER", "555 0142")]
    leaks = find_leaks(hyp(said), items)
    assert leaks, said
    assert all(isinstance(x.t0, float) and x.t1 > x.t0 for x in leaks)


@pytest.mark.parametrize("said", ["I'm [bleep] you can call me", "a clever plan for the cab", "call 555 9876"])
def test_other_speech_is_not_a_leak(said):
    items = [Needle("PERSON", "Abigail Claflin"), Needle("PERSON", "Abbie"), Needle("PHONE_NUMBER", "555 0142")]
    assert find_leaks(hyp(said), items) == []


def test_a_short_word_that_shares_the_soundex_is_not_a_leak():
    """Soundex("an") == Soundex("Anna"); a listener hears no name in "an", while "Ana" and "Abi" count."""
    items = [Needle("PERSON", "Anna Kowalski")]
    assert find_leaks(hyp("is there an ending you would like to add"), items) == []
    assert find_leaks(hyp("my wife Ana found work"), items)
    assert find_leaks(hyp("you can call me Abi"), [Needle("PERSON", "Abbie")])  # Whisper's spelling on AMI


def test_a_short_name_heard_in_another_spelling_is_a_leak():
    """Whisper writes the nickname "Abi" once and "Abby" on the bleeped audio (spelling ratio 57)."""
    assert find_leaks(hyp("you can call me Abby"), [Needle("PERSON", "Abi")])
    assert find_leaks(hyp("you can call me Abbie"), [Needle("PERSON", "Abi")])
    # same Soundex, other name or word: not lifted
    assert not find_leaks(hyp("you can call me Ava"), [Needle("PERSON", "Abi")])
    assert not find_leaks(hyp("an apple a day"), [Needle("PERSON", "Abi")])


def test_leak_records_carry_no_text_and_know_the_bleeps():
    leaks = find_leaks(hyp("hello Abigail Claflin", t0=1.0), [Needle("PERSON", "Abigail Claflin")],
                       intervals=[bleep.Interval(1.2, 2.0, (0,))])
    assert len(leaks) == 1 and leaks[0].in_bleep and not leaks[0].part
    d = leaks[0].to_dict()
    assert "Abigail" not in repr(d) and "abigail" not in repr(d).lower()
    assert "Abigail" not in repr(Needle("PERSON", "Abigail"))
    assert leakcheck.summary(leaks)["leaks"] == 1


def test_a_name_said_many_times_is_searched_once_and_names_its_first_mention():
    """An hour's interview repeats its names; each repeat is a needle but one search (and one leak per place)."""
    once = [Needle("PERSON", "Abigail Claflin", 1.0, 2.0), Needle("PHONE_NUMBER", "555 0142", 3.0, 4.0)]
    many = [Needle(n.type, n.text, n.t0 + 10 * k, n.t1 + 10 * k) for k in range(40) for n in once]
    said = hyp("so Abigail Claflin said call five five five oh one four two and Abby came")
    a, b = find_leaks(said, once), find_leaks(said, many)
    assert [(x.t0, x.t1, x.type, x.score, x.part) for x in a] == [(x.t0, x.t1, x.type, x.score, x.part) for x in b]
    assert {x.item for x in b} <= {0, 1}  # the first mention of each (their markers are the same)


def test_in_bleep_agrees_with_a_plain_overlap_test():
    import random

    rng = random.Random(7)
    ivs = [bleep.Interval(a, a + rng.uniform(0.05, 2.0), (0,)) for a in (rng.uniform(0, 60) for _ in range(60))]
    inside = leakcheck._Inside(ivs)
    for _ in range(2000):
        t0 = rng.uniform(-1, 62)
        t1 = t0 + rng.uniform(0.01, 1.5)
        assert inside(t0, t1) == any(iv.t0 < t1 and t0 < iv.t1 for iv in ivs)
    assert not leakcheck._Inside([])(0.0, 1.0)


def test_needles_come_from_the_transcript_text():
    t = hyp("my name is Jane Doe")
    start = t.text.index("Jane Doe")
    spans = [PiiSpan("PERSON", start, start + 8, 0.9, "test", "[PERSON 1]", 1.0, 1.5)]
    (n,) = leakcheck.needles(t, spans)
    assert n.text == "Jane Doe" and n.type == "PERSON"


# ---------------------------------------------------------------- real re-transcription
@pytest.fixture(scope="module")
def engine():
    from mediaanon.transcription import load_engine

    return load_engine({"model": "whisper-tiny.en"}, None)


@pytest.fixture(scope="module")
def ami(media, engine):
    import soundfile as sf

    x, sr = sf.read(str(media(AMI)), dtype="float32")
    assert sr == 16000
    transcript = engine.transcribe(x)
    text = transcript.text
    spans = []
    for name in ("Abigail", "Abi", "Abbie", "Abby"):  # first name and nickname, as the ASR spells them
        pos = text.find(name)
        while pos >= 0:
            end = pos + len(name)
            if not text[end:end + 1].isalpha():
                if name == "Abigail" and text[end:end + 1] == " ":  # surname follows the first name
                    end = text.find(" ", end + 1) if text.find(" ", end + 1) > 0 else len(text)
                    end = end - 1 if text[end - 1] in ".," else end
                spans.append(PiiSpan("PERSON", pos, end, 0.9, "test", "[PERSON]"))
            pos = text.find(name, pos + 1)
    assert len(spans) >= 2, "tiny.en should hear the name and the nickname"
    return x, transcript, spans


def test_unbleeped_name_is_a_leak(ami, engine):
    x, transcript, spans = ami
    leaks = find_leaks(engine.transcribe(x), leakcheck.needles(transcript, spans))
    assert len(leaks) >= 2


def test_bleeped_name_is_not_heard_again(ami, engine):
    x, transcript, spans = ami
    intervals = bleep.plan(spans, transcript, len(x) / 16000, pad_before=0.15, pad_after=0.2)
    y = bleep.apply(x, 16000, intervals, mode="tone")
    again = engine.transcribe(y)
    assert find_leaks(again, leakcheck.needles(transcript, spans), intervals=intervals) == []
    # the rest of the sentence survives
    assert "call" in again.text.lower()


def test_stage_end_to_end_logs_no_names(ami, media, tmp_path, caplog):
    from mediaanon.hooks import no_hook
    from mediaanon.media.probe import probe
    from mediaanon.recording import Recording
    from mediaanon.stages.bleep_pii import BleepPii

    x, transcript, spans = ami
    src = media(AMI)
    rec = Recording("ami", src, probe(src), tmp_path)
    rec.transcript, rec.pii = transcript, spans
    mix = rec.speech().copy()
    stage = BleepPii({"strict": True}, RunContext())
    with caplog.at_level(logging.DEBUG):
        summary = stage(rec, no_hook)
    assert summary["leak_check"]["leaks"] == 0 and summary["intervals"] >= 2
    # the cached 16-kHz mix is freed before the re-transcription (the run's memory peak) and comes back on demand
    assert rec._speech is None and np.array_equal(rec.speech(), mix)
    assert rec.audio_tracks[0].parent == tmp_path and rec.audio_tracks[0].name.startswith("audio_bleeped")
    import soundfile as sf

    info = sf.info(str(rec.audio_tracks[0]))
    assert info.samplerate == 16000 and info.channels == 1 and info.frames == len(x)
    for name in ("Abigail", "Abi", "Klaf", "Claf"):
        assert name not in repr(summary) and name not in caplog.text
    stage.close()

    # strict: word times that are off (a misaligned ASR) put the bleeps in the wrong place;
    # the leak check hears the names and fails the recording, without naming them
    from dataclasses import replace

    from mediaanon.errors import PrivacyCheckError

    shift = lambda t: max(0.0, t - 1.5)  # noqa: E731
    wrong = Transcript([replace(s, start=shift(s.start), end=shift(s.end),
                                words=tuple(replace(w, start=shift(w.start), end=shift(w.end)) for w in s.words))
                        for s in transcript.segments], "en")
    (tmp_path / "b").mkdir()
    rec2 = Recording("ami2", src, probe(src), tmp_path / "b")
    rec2.transcript, rec2.pii = wrong, spans
    stage = BleepPii({"strict": True, "pad_before": 0.0, "pad_after": 0.0, "repair": False},
                     RunContext())
    with pytest.raises(PrivacyCheckError) as err:
        stage(rec2, no_hook)
    assert "Abi" not in str(err.value) and "PERSON" in str(err.value)
    stage.close()
