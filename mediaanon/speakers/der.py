"""Diarization error rate with pyannote.metrics' conventions, without its dependency tree.

pyannote.metrics pulls pandas, matplotlib, sympy and pyannote.database; the
library needs none of that, so the metric is computed here exactly as
``pyannote.metrics.diarization.DiarizationErrorRate(collar=0, skip_overlap=False)``
does (``tests/test_speakers_der.py`` compares the two where pyannote.metrics is
installed):

- the timeline is cut at every reference and hypothesis boundary; in each
  piece with ``r`` reference and ``h`` hypothesis speakers, ``min(r, h)``
  speakers are compared, ``max(0, r - h)`` is missed speech and
  ``max(0, h - r)`` false alarm (overlapped speech is scored);
- hypothesis labels are mapped one-to-one onto reference labels to maximise
  the total co-occurrence (Hungarian algorithm); a compared speaker that is
  not mapped onto its reference speaker is confusion;
- DER = (missed + false alarm + confusion) / total reference speech, where
  overlapped reference speech counts once per speaker;
- no collar, and the optional UEM defaults to the union of reference and
  hypothesis extents.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediaanon.speakers.records import Turn


@dataclass(frozen=True)
class DerResult:
    der: float
    total: float
    missed: float
    false_alarm: float
    confusion: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(getattr(self, k), 4) for k in ("der", "total", "missed", "false_alarm", "confusion")}


def _pieces(turns: list[Turn]) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for t in turns:
        if t.end > t.start:
            out.setdefault(t.speaker, []).append((t.start, t.end))
    for k, spans in out.items():  # a speaker's own overlapping turns count once (pyannote supports them as a timeline)
        spans.sort()
        merged: list[list[float]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out[k] = [(a, b) for a, b in merged]
    return out


def _active(spans: dict[str, list[tuple[float, float]]], a: float, b: float) -> set[str]:
    mid = (a + b) / 2
    return {s for s, lst in spans.items() if any(x <= mid < y for x, y in lst)}


def der(reference: list[Turn], hypothesis: list[Turn],
        uem: tuple[float, float] | None = None) -> DerResult:
    """DER of ``hypothesis`` against ``reference`` (no collar, overlap scored, optimal mapping)."""
    from scipy.optimize import linear_sum_assignment

    ref, hyp = _pieces(reference), _pieces(hypothesis)
    if uem is not None:
        lo, hi = uem
        ref = {s: [(max(a, lo), min(b, hi)) for a, b in v if min(b, hi) > max(a, lo)] for s, v in ref.items()}
        hyp = {s: [(max(a, lo), min(b, hi)) for a, b in v if min(b, hi) > max(a, lo)] for s, v in hyp.items()}
    bounds = sorted({x for v in list(ref.values()) + list(hyp.values()) for span in v for x in span})
    rs, hs = sorted(ref), sorted(hyp)
    co = np.zeros((len(rs), len(hs)))
    pieces = []
    for a, b in zip(bounds, bounds[1:]):
        if b <= a:
            continue
        r_on, h_on = _active(ref, a, b), _active(hyp, a, b)
        if not r_on and not h_on:
            continue
        pieces.append((b - a, r_on, h_on))
        for r in r_on:
            for h in h_on:
                co[rs.index(r), hs.index(h)] += b - a
    mapping: dict[str, str] = {}
    if co.size:
        rows, cols = linear_sum_assignment(-co)
        mapping = {hs[c]: rs[r] for r, c in zip(rows, cols) if co[r, c] > 0}
    total = missed = fa = conf = 0.0
    for d, r_on, h_on in pieces:
        nr, nh = len(r_on), len(h_on)
        correct = sum(1 for h in h_on if mapping.get(h) in r_on)
        total += d * nr
        missed += d * max(0, nr - nh)
        fa += d * max(0, nh - nr)
        conf += d * (min(nr, nh) - correct)
    value = (missed + fa + conf) / total if total > 0 else (0.0 if fa == 0 else 1.0)
    return DerResult(value, total, missed, fa, conf)
