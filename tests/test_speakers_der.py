"""DER with pyannote.metrics' conventions, and RTTM."""
from __future__ import annotations

import numpy as np
import pytest

from mediaanon.speakers import der, rttm
from mediaanon.speakers.records import Turn


def test_der_by_hand():
    ref = [Turn(0, 10, "A"), Turn(10, 20, "B"), Turn(18, 20, "A")]  # 2 s overlap: 22 s of reference speech
    perfect = [Turn(0, 10, "x"), Turn(10, 20, "y"), Turn(18, 20, "x")]
    assert der.der(ref, perfect).der == pytest.approx(0.0)
    one = der.der(ref, [Turn(0, 20, "x")])  # x maps onto A: the overlap's B is missed, B alone confused
    assert (one.missed, one.confusion, one.false_alarm) == pytest.approx((2.0, 8.0, 0.0))
    assert one.der == pytest.approx(10 / 22)
    fa = der.der(ref, [Turn(0, 10, "x"), Turn(10, 25, "y")])
    assert fa.false_alarm == pytest.approx(5.0) and fa.missed == pytest.approx(2.0)


def _random_turns(rng, n_spk, length=60.0):
    """Random turns; different speakers overlap, one speaker never overlaps itself (as in RTTM references)."""
    out = []
    for k in range(n_spk):
        t = float(rng.uniform(0, 5))
        while t < length:
            d = float(rng.uniform(0.2, 6))
            out.append(Turn(round(t, 2), round(t + d, 2), f"s{k}"))
            t += d + float(rng.uniform(0.1, 8))
    return out


def test_der_matches_pyannote_metrics():
    metrics = pytest.importorskip("pyannote.metrics.diarization")
    from pyannote.core import Annotation, Segment

    def ann(turns):
        a = Annotation()
        for i, t in enumerate(turns):
            a[Segment(t.start, t.end), i] = t.speaker
        return a

    rng = np.random.default_rng(7)
    for _ in range(25):
        ref, hyp = _random_turns(rng, 3), _random_turns(rng, int(rng.integers(1, 5)))
        theirs = metrics.DiarizationErrorRate(collar=0.0, skip_overlap=False)(ann(ref), ann(hyp), detailed=True)
        ours = der.der(ref, hyp)
        assert ours.der == pytest.approx(theirs["diarization error rate"], abs=1e-6)
        assert ours.confusion == pytest.approx(theirs["confusion"], abs=1e-6)
        assert ours.missed == pytest.approx(theirs["missed detection"], abs=1e-6)


def test_rttm_round_trip(tmp_path):
    turns = [Turn(1.5, 2.25, "S2"), Turn(0.0, 1.0, "S1")]
    path = rttm.write(tmp_path / "speakers.rttm", turns, "my id")
    lines = path.read_text().splitlines()
    assert lines[0] == "SPEAKER my_id 1 0.000 1.000 <NA> <NA> S1 <NA> <NA>"
    assert all(len(line.split()) == 10 for line in lines)
    assert rttm.read(path) == {"my_id": [Turn(0.0, 1.0, "S1"), Turn(1.5, 2.25, "S2")]}


def test_rttm_reads_the_shared_references(media):
    refs = rttm.read(media("audio/pyannote/sample.rttm"))
    assert set(refs) == {"sample"} and len({t.speaker for t in refs["sample"]}) == 2
