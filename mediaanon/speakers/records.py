"""Typed results of diarization: turns and the whole answer for one recording.

No embedding is a field of any record here, on purpose: embeddings are
biometric data and must not reach the bundle or the processing log, so the
records that travel (to the writers, the log, the voice stage) cannot carry
them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Turn:
    """One stretch of one speaker's speech, seconds on the input's timeline."""

    start: float
    end: float
    speaker: str  # "S1", "S2" … (or a role name from --speaker-names)
    uncertain: bool = False  # the two best speakers scored too close to call (or overlapped speech)

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass
class Diarization:
    """Who spoke when in one recording."""

    turns: list[Turn]
    speakers: list[str]  # labels in order of first speech
    method: str  # "embeddings" | "stereo" | "single" (one speaker found/given)
    overlaps: list[tuple[float, float]] = field(default_factory=list)  # stretches where two speakers talk
    details: dict[str, Any] = field(default_factory=dict)  # counts and scores for the log (no embeddings)

    def renamed(self, names: dict[str, str]) -> "Diarization":
        """The same diarization with labels replaced (``S1`` -> ``Interviewer`` …)."""
        from dataclasses import replace

        turns = [replace(t, speaker=names.get(t.speaker, t.speaker)) for t in self.turns]
        return Diarization(turns, [names.get(s, s) for s in self.speakers], self.method, list(self.overlaps),
                           dict(self.details))

    def speaker_at(self, t0: float, t1: float) -> tuple[str | None, bool]:
        """The speaker who talks most within ``[t0, t1]`` and whether that is uncertain.

        A zero-length or untimed span takes the nearest turn (within 1 s).
        """
        best: dict[str, float] = {}
        unsure: dict[str, bool] = {}
        for t in self.turns:
            ov = min(t.end, t1) - max(t.start, t0)
            if ov > 0:
                best[t.speaker] = best.get(t.speaker, 0.0) + ov
                unsure[t.speaker] = unsure.get(t.speaker, False) or t.uncertain
        if best:
            spk = max(best, key=lambda s: best[s])
            return spk, unsure[spk]
        mid = (t0 + t1) / 2
        near = min(self.turns, key=lambda t: max(t.start - mid, mid - t.end, 0.0), default=None)
        if near is None or max(near.start - mid, mid - near.end, 0.0) > 1.0:
            return None, True
        return near.speaker, True
