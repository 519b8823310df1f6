"""bleep_pii's time mapping and audio edit: pure functions on constructed records,
the stage end-to-end with its leak check is in test_leakcheck."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediaanon.audio import bleep, wavio
from mediaanon.errors import ConfigError
from mediaanon.records import PiiSpan, Segment, Transcript, Word


def seg(i, start, end, words):
    """A segment from (start, end, text) word tuples; text = words joined as Whisper does."""
    ws = tuple(Word(a, b, " " + t) for a, b, t in words)
    return Segment(i, start, end, "".join(w.word for w in ws), ws)


def span_of(transcript: Transcript, needle: str, typ="PERSON", **kw) -> PiiSpan:
    start = transcript.text.index(needle)
    return PiiSpan(typ, start, start + len(needle), 0.9, "test", f"[{typ}]", **kw)


@pytest.fixture
def transcript():
    return Transcript([
        seg(0, 0.0, 4.0, [(0.2, 0.5, "Hi,"), (0.5, 0.7, "I'm"), (0.8, 1.3, "Abigail"), (1.35, 1.9, "Claflin.")]),
        seg(1, 4.0, 9.0, [(4.1, 4.4, "Call"), (4.4, 4.6, "me"), (4.6, 4.6, "on"), (4.9, 5.0, "555"),
                          (5.0, 5.0, "0142"), (6.5, 6.8, "please.")]),
        seg(2, 9.0, 12.0, [(9.1, 9.5, "Thanks")]),
    ], "en")


def test_timed_words_are_padded(transcript):
    spans = [span_of(transcript, "Abigail Claflin", t0=0.8, t1=1.9)]
    ivs = bleep.plan(spans, transcript, 12.0, pad_before=0.1, pad_after=0.2)
    assert len(ivs) == 1
    assert ivs[0].t0 == pytest.approx(0.7) and ivs[0].t1 == pytest.approx(2.1)
    assert not ivs[0].widened


def test_digits_and_zero_length_words_widen_to_timed_neighbours(transcript):
    spans = [span_of(transcript, "555 0142", "PHONE_NUMBER")]
    (iv,) = bleep.plan(spans, transcript, 12.0, pad_before=0.0, pad_after=0.0)
    # "on" has no duration, the digits are untrusted: from the end of "me" to the start of "please."
    assert iv.widened
    assert iv.t0 == pytest.approx(4.6) and iv.t1 == pytest.approx(6.5)


def test_untimed_word_without_neighbours_takes_the_segment():
    t = Transcript([seg(0, 2.0, 5.0, [(2.0, 2.0, "4711")])], "en")
    (iv,) = bleep.plan([span_of(t, "4711", "ID")], t, 10.0, pad_before=0, pad_after=0)
    assert (iv.t0, iv.t1, iv.widened) == (2.0, 5.0, True)


def test_words_that_cannot_be_located_widen_to_the_segment():
    words = (Word(1.0, 1.5, " Jane"), Word(1.5, 2.0, " Doe"))
    t = Transcript([Segment(0, 0.5, 3.0, " Jane Doe-Smith", words)], "en")  # "Doe" found, text differs
    t2 = Transcript([Segment(0, 0.5, 3.0, " Janet Doe", (Word(1.0, 1.5, " Jenny"),))], "en")
    (iv,) = bleep.plan([span_of(t2, "Janet")], t2, 5.0, pad_before=0, pad_after=0)
    assert (iv.t0, iv.t1, iv.widened) == (0.5, 3.0, True)
    (iv,) = bleep.plan([span_of(t, "Jane Doe")], t, 5.0, pad_before=0, pad_after=0)
    assert (iv.t0, iv.t1) == (1.0, 2.0)


def test_segments_without_word_times_are_bleeped_whole():
    t = Transcript([Segment(0, 1.0, 2.5, " I'm Abbie", ()), Segment(1, 3.0, 4.0, " ok", ())], "en")
    (iv,) = bleep.plan([span_of(t, "Abbie")], t, 5.0, pad_before=0, pad_after=0)
    assert (iv.t0, iv.t1, iv.widened) == (1.0, 2.5, True)


def test_span_times_are_never_shrunk(transcript):
    # the redaction stage said 0.6-2.4 (e.g. widened there): the bleep covers at least that
    spans = [span_of(transcript, "Abigail", t0=0.6, t1=2.4, timing="widened")]
    (iv,) = bleep.plan(spans, transcript, 12.0, pad_before=0, pad_after=0)
    assert iv.t0 <= 0.6 and iv.t1 >= 2.4 and iv.widened


def test_nearby_spans_merge_and_clip_to_duration(transcript):
    spans = [span_of(transcript, "Abigail", t0=0.8, t1=1.3), span_of(transcript, "Claflin", t0=1.35, t1=1.9),
             span_of(transcript, "Thanks", t0=9.1, t1=9.5)]
    ivs = bleep.plan(spans, transcript, 9.4, pad_before=0.1, pad_after=0.1, merge_gap=0.1)
    assert [(round(i.t0, 2), round(i.t1, 2)) for i in ivs] == [(0.7, 2.0), (9.0, 9.4)]
    assert ivs[0].spans == (0, 1)
    s = bleep.summary(ivs)
    assert s["intervals"] == 2 and s["seconds"] == pytest.approx(1.7) and s["ranges"][1] == [9.0, 9.4]


def test_span_without_any_time_fails_closed():
    span = PiiSpan("PERSON", 100, 105, 0.9, "test", "[PERSON]")
    with pytest.raises(ValueError):
        bleep.plan([span], None, 10.0)
    with pytest.raises(ValueError):
        bleep.plan([span], Transcript([seg(0, 0, 1, [(0.1, 0.4, "hello")])], "en"), 10.0)


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_apply_replaces_every_channel_at_any_rate(rate, channels):
    rng = np.random.default_rng(0)
    x = (0.3 * rng.standard_normal((rate * 2, channels))).astype(np.float32)
    iv = bleep.Interval(0.5, 1.0, (0,))
    y = bleep.apply(x, rate, [iv], mode="tone", tone_hz=1000, tone_db=-20, ramp_s=0.01)
    assert y.shape == x.shape and y.dtype == np.float32
    a, b = int(0.5 * rate), int(1.0 * rate)
    inside = y[a:b]
    tone = 0.1 * np.sin(2 * np.pi * 1000 * np.arange(a, b) / rate)
    for c in range(channels):
        np.testing.assert_allclose(inside[:, c], tone, atol=1e-5)  # nothing of the original left
    ramp = int(0.01 * rate)
    np.testing.assert_array_equal(y[: a - ramp], x[: a - ramp])  # untouched outside interval + ramp
    np.testing.assert_array_equal(y[b + ramp:], x[b + ramp:])
    assert not np.shares_memory(x, y)


def test_silence_mode_and_ramps_are_click_free():
    rate = 16000
    x = np.full((rate, 1), 0.5, dtype=np.float32)
    y = bleep.apply(x, rate, [bleep.Interval(0.25, 0.5, (0,))], mode="silence", ramp_s=0.01)
    assert np.all(y[4000:8000] == 0)
    assert np.max(np.abs(np.diff(y[:, 0]))) < 0.5 / 100  # a 160-sample ramp, no step
    mono = bleep.apply(x[:, 0], rate, [bleep.Interval(0.25, 0.5, (0,))], mode="silence")
    assert mono.ndim == 1 and np.all(mono[4000:8000] == 0)


def test_options_are_validated():
    from mediaanon.options import build_options
    from mediaanon.stages.bleep_pii import BleepOptions

    assert build_options(BleepOptions, {"mode": "silence", "pad_before": "0.3"}, "bleep_pii").pad_before == 0.3
    with pytest.raises(ConfigError):
        build_options(BleepOptions, {"tone_db": 6}, "bleep_pii")
    with pytest.raises(ConfigError):
        build_options(BleepOptions, {"mode": "beep"}, "bleep_pii")
    with pytest.raises(ConfigError):
        build_options(BleepOptions, {"loudness": 1}, "bleep_pii")


def test_wav_roundtrip_keeps_layout(tmp_path: Path):
    x = np.linspace(-1, 1, 4410 * 6, dtype=np.float32).reshape(4410, 6)
    p = wavio.write(tmp_path / "t.wav", wavio.Track(x, 44100))
    back = wavio.read(p)
    assert back.sample_rate == 44100 and back.samples.shape == (4410, 6)
    np.testing.assert_array_equal(back.samples, x)


def test_block_by_block_edit_equals_whole_file(tmp_path: Path):
    rate = 8000
    rng = np.random.default_rng(1)
    x = (0.2 * rng.standard_normal((rate * 3, 2))).astype(np.float32)
    ivs = [bleep.Interval(0.95, 1.07, (0,)), bleep.Interval(1.99, 2.5, (1,))]  # straddle block edges
    whole = bleep.apply(x, rate, ivs, mode="tone")
    src = wavio.write(tmp_path / "in.wav", wavio.Track(x, rate))
    out = wavio.edit_blocks(src, tmp_path / "out.wav",
                            lambda b, r, first: bleep.apply(b, r, ivs, mode="tone", offset=first), block_s=1.0)
    back = wavio.read(out)
    assert back.samples.shape == x.shape and back.sample_rate == rate
    np.testing.assert_allclose(back.samples, whole, atol=1e-6)
