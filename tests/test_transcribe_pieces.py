"""Long speech is decoded in pieces (memory flat in length): the cuts, and the words across them."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from rapidfuzz import fuzz

from mediaanon.records import Segment, Word
from mediaanon.transcription import load_engine, pieces
from mediaanon.transcription.engine import Decoded

RATE = 16000


def test_pieces_tile_the_audio_and_cut_where_it_is_quiet():
    rng = np.random.default_rng(3)
    audio = rng.normal(0, 0.3, RATE * 50).astype(np.float32)
    for quiet in (8.4, 19.1, 33.3):  # a pause of 0.3 s inside each cut's search range
        audio[int(quiet * RATE):int((quiet + 0.3) * RATE)] *= 0.001
    bounds = pieces.piece_bounds(audio, RATE, piece_s=12.0, seek_s=5.0)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(audio)
    assert all(b == c for (_, b), (c, _) in zip(bounds, bounds[1:]))
    assert all(0 < b - a <= 12 * RATE for a, b in bounds)
    cuts = [b / RATE for _, b in bounds[:-1]]
    assert cuts[0] == pytest.approx(8.55, abs=0.1)  # inside the first pause, not at 12 s
    assert pieces.piece_bounds(audio[: RATE * 10], RATE, piece_s=12.0) == [(0, RATE * 10)]


def test_pieces_shift_times_renumber_and_keep_the_first_language():
    seen = []

    def decode(piece, hook, language):
        seen.append(language)
        n = len(piece) / RATE
        w = Word(0.5, 1.0, " hi")
        return Decoded([Segment(0, 0.5, n - 0.1, " hi", (w,))], language or "fi", 0.9)

    audio = np.ones(RATE * 25, np.float32)
    got = pieces.decode_in_pieces(decode, audio, RATE, None, piece_s=10.0)
    assert seen[0] is None and set(seen[1:]) == {"fi"} and len(seen) == 3
    assert [s.id for s in got.segments] == [0, 1, 2]
    starts = [s.words[0].start for s in got.segments]
    assert starts == sorted(starts) and starts[0] == 0.5 and starts[-1] > 20
    assert got.language == "fi"


@pytest.mark.slow
def test_pieced_transcript_matches_the_whole_one(media, monkeypatch):
    """Real speech cut into ~12 s pieces: the same words, times inside the audio and in order."""
    audio, rate = sf.read(str(media("audio/pyannote/sample.wav")), dtype="float32")
    assert rate == RATE
    engine = load_engine({"vad": False})
    whole = engine.transcribe(audio)
    monkeypatch.setattr(pieces, "PIECE_S", 12.0)
    monkeypatch.setattr(pieces.decode_in_pieces, "__defaults__", None)
    monkeypatch.setattr(pieces.decode_in_pieces, "__kwdefaults__", {"piece_s": 12.0})
    cut = engine.transcribe(audio)
    assert len(cut.segments) > len(whole.segments) // 2
    assert fuzz.ratio(whole.text.lower(), cut.text.lower()) >= 85
    times = [w.start for s in cut.segments for w in s.words]
    assert times == sorted(times) and times[-1] <= len(audio) / RATE
