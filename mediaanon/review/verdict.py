"""One verdict per recording: ``clean`` or ``review`` (``failed`` has its own record).

Why a verdict and not a list of warnings: no automated de-identification is
perfect, so someone checks the result — and that person needs to know which
bundles to open and where to look.  The verdict is ``review`` only for
things a person must look at, each with a time range:

- ``faces``: a residual face that the repair pass could not clear;
- ``spoken_pii``: a removed string still heard after the repair passes;
- ``transcript_confidence``: a segment Whisper itself was unsure of (average
  log-probability below Whisper's own fallback threshold, -1.0), where a
  name may have been misheard and therefore not found;
- ``face_tracking_gap``: a face tracked but not detected for a long stretch
  (the mask was interpolated, not seen) *and* not every frame of it was
  checked by the second detector.  When BlazeFace scanned every output frame
  and found nothing left there, the interpolated mask has been verified; the
  gap still shows on the report's timeline but asks nobody for a review (on
  the real clips in ``../shared/media/video`` three of seventeen clean
  outputs were flagged by gaps alone before this rule: a crowd, a stage,
  a coat of arms);
- ``asr_guard``: a hallucination guard removed ASR output (something was
  said or not said there that the transcript does not show).

Checks that passed — possibly after repair — give ``clean``.  A verifier that
warned on clean output would be ignored (issue 9), so hits on our own masks
never reach this module (:mod:`mediaanon.faces.residuals`).  Reasons carry
check names, numbers and times, never transcript text.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

LOW_LOGPROB = -1.0  # Whisper's logprob_threshold: below it the decoder itself would have retried
LONG_GAP_S = 1.0  # a tracked face without any detection for this long is worth a look
MAX_REASONS = 200  # the log stays readable on a pathological recording


@dataclass(frozen=True)
class Reason:
    check: str
    detail: str
    t0: float | None = None
    t1: float | None = None


@dataclass
class Verdict:
    status: str = "clean"  # clean | review
    reasons: list[Reason] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reasons": [asdict(r) for r in self.reasons[:MAX_REASONS]],
                "reasons_total": len(self.reasons)}


def judge(stage_logs: Iterable[dict[str, Any]], transcript: Any = None) -> Verdict:
    """The verdict from the stages' summaries (as logged) and the raw transcript's confidences."""
    reasons: list[Reason] = []
    for entry in stage_logs:
        summary = entry.get("summary") or {}
        if entry.get("status") != "done":
            continue
        if entry.get("name") == "blur_faces":
            reasons += _faces(summary)
        elif entry.get("name") == "bleep_pii":
            reasons += _leaks(summary.get("leak_check") or {})
        elif entry.get("name") == "transcribe":
            for d in summary.get("dropped_ranges") or []:
                reasons.append(Reason("asr_guard", f"ASR output removed by the {d.get('reason', 'guard')} guard "
                                                   f"({d.get('words', 0)} words)", d.get("start"), d.get("end")))
    if transcript is not None:
        for seg in transcript.segments:
            if seg.text.strip() and seg.avg_logprob < LOW_LOGPROB:
                reasons.append(Reason("transcript_confidence",
                                      f"low ASR confidence (average log-probability {seg.avg_logprob:.2f})",
                                      round(seg.start, 3), round(seg.end, 3)))
    reasons.sort(key=lambda r: (r.t0 is None, r.t0 or 0.0, r.check))
    return Verdict("review" if reasons else "clean", reasons)


def _faces(summary: dict[str, Any]) -> list[Reason]:
    out = []
    ver = summary.get("verify") or {}
    for r in ver.get("unresolved_ranges") or []:
        out.append(Reason("faces", f"face found by the second detector in {r[2]} frame(s) and still there after "
                                   f"{ver.get('repair_passes', 0)} repair pass(es)", r[0], r[1]))
    verified_every_frame = bool(ver) and ver.get("every", 1) == 1 and ver.get("frames_scanned", 0) > 0
    for a, b in summary.get("gap_ranges") or []:
        if b - a >= LONG_GAP_S and not verified_every_frame:
            out.append(Reason("face_tracking_gap", f"face tracked without detection for {b - a:.1f} s "
                                                   "(mask interpolated)", a, b))
    return out


def _leaks(check: dict[str, Any]) -> list[Reason]:
    return [Reason("spoken_pii", f"{x['type']} still heard after {check.get('repair_passes', 0)} repair pass(es) "
                                 f"(match score {x['score']})", x["t0"], x["t1"])
            for x in check.get("unresolved") or []]
