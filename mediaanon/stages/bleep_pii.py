"""``bleep_pii``: replace every spoken PII span with a tone or silence, then listen again.

The intervals come from the same :class:`~mediaanon.records.PiiSpan`
decisions that redacted the transcript and subtitles (one timeline), mapped
fail-closed by :mod:`mediaanon.audio.bleep`: words whose timing cannot be
trusted widen the interval to their timed neighbours or the whole segment.
Every audio track of the input is edited (a second language track or a
per-speaker channel must not keep the name); new float WAVs are written to
scratch, the input is never touched.

The leak check re-transcribes each processed track and searches it for the
removed strings (fuzzy, see :mod:`mediaanon.audio.leakcheck`).  What it
finds is bleeped too, redacted in the transcript where its words can be
located, and checked again (:mod:`mediaanon.audio.leakrepair`); it is
logged as types and time ranges — never text — and ``strict`` fails the
recording on anything still heard after the repairs.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mediaanon.audio import bleep, leakcheck, leakrepair, wavio
from mediaanon.errors import PrivacyCheckError, StageError
from mediaanon.hooks import Progress
from mediaanon.stage import RunContext, Stage

if TYPE_CHECKING:
    from mediaanon.hooks import Hook
    from mediaanon.recording import Recording

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BleepOptions:
    mode: Literal["tone", "silence"] = "tone"  # a tone tells the listener something was removed; silence is less obtrusive
    tone_hz: float = 1000.0  # frequency of the tone (the broadcast "bleep")
    tone_db: float = -20.0  # tone level in dBFS (0 is full scale)
    pad_before: float = 0.15  # seconds bleeped before each span: ASR word starts are often late
    pad_after: float = 0.2  # seconds bleeped after each span: word ends are often early, final consonants trail
    merge_gap: float = 0.25  # bleeps closer than this many seconds become one (no audible fragment in between)
    ramp: float = 0.01  # seconds of raised-cosine crossfade outside each bleep (no clicks)
    leak_check: bool = True  # re-transcribe the processed audio and search it for the removed strings
    leak_threshold: float = 85.0  # fuzzy match score (0-100) from which a re-transcribed passage counts as a leak
    leak_engine: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"  # recogniser for the leak check
    leak_model: str = "whisper-tiny.en"  # its model (manifest name); a different model than the transcript's hears differently
    strict: bool = False  # fail the recording (PrivacyCheckError) when the leak check still hears a removed string after repair
    repair: bool = True  # bleep (and redact in the transcript) what the leak check hears outside the bleeps, then check again
    repair_passes: int = 2  # at most this many repair + re-check rounds; what is still heard makes the verdict "review"

    def validate(self) -> None:
        if not 20.0 <= self.tone_hz <= 20000.0:
            raise ValueError("tone_hz must be within 20..20000")
        if not -60.0 <= self.tone_db <= 0.0:
            raise ValueError("tone_db must be within -60..0 dBFS")
        if min(self.pad_before, self.pad_after, self.merge_gap) < 0 or max(self.pad_before, self.pad_after) > 5:
            raise ValueError("pad_before/pad_after must be within 0..5 s and merge_gap >= 0")
        if not 0.0 < self.ramp <= 0.1:
            raise ValueError("ramp must be within 0..0.1 s")
        if not 1 <= self.repair_passes <= 5:
            raise ValueError("repair_passes must be within 1..5 (repair: false switches repair off)")
        if not 50.0 <= self.leak_threshold <= 100.0:
            raise ValueError("leak_threshold must be within 50..100")


class BleepPii(Stage):
    name = "bleep_pii"
    Options = BleepOptions
    requires = frozenset({"pii", "audio"})
    assigns = frozenset({"audio_edited"})
    media_kinds = frozenset({"audio", "video"})
    description = "Replace spoken PII with a tone or silence in every audio track, then re-transcribe to check for leaks"

    def __init__(self, options: Any, context: RunContext):
        super().__init__(options, context)
        self.engine = None
        if self.options.leak_check:
            from mediaanon.transcription import load_engine

            self.engine = load_engine({"engine": self.options.leak_engine, "model": self.options.leak_model}, context)
            self.models_used = list(self.engine.models_used)

    def __call__(self, recording: "Recording", hook: "Hook") -> dict[str, Any]:
        o = self.options
        transcript = recording.transcript
        spans = list(recording.pii)
        tracks = recording.original_audio_tracks()
        if not tracks:
            raise StageError(f"{recording.id}: bleep_pii found no audio track")
        duration = max(f / r for f, r, _ in map(wavio.info, tracks)) if spans else 0.0
        try:
            intervals = bleep.plan(spans, transcript, duration, pad_before=o.pad_before, pad_after=o.pad_after,
                                   merge_gap=o.merge_gap)
        except ValueError as exc:
            raise StageError(f"{recording.id}: cannot place a PII span in the audio ({exc})") from None
        if spans and not intervals:
            raise StageError(f"{recording.id}: {len(spans)} PII span(s) but nothing to bleep")
        out_paths = []
        for i, path in enumerate(tracks):
            hook(Progress(recording.id, self.name, i, len(tracks), "tracks"))
            def edit(block, rate, first):
                return bleep.apply(block, rate, intervals, mode=o.mode, tone_hz=o.tone_hz, tone_db=o.tone_db,
                                   ramp_s=o.ramp, offset=first)

            out_paths.append(wavio.edit_blocks(path, recording.scratch / f"audio_bleeped_{i}.wav", edit))
        recording.audio_tracks = out_paths
        recording.facts.add("audio_edited")
        summary: dict[str, Any] = {"mode": o.mode, "spans": len(spans), "tracks": len(out_paths), **bleep.summary(intervals)}
        if o.leak_check:
            summary["leak_check"] = self._leak_check(recording, out_paths, intervals, spans)
            out_paths = recording.audio_tracks
        hook(Progress(recording.id, self.name, len(tracks), len(tracks), "tracks"))
        log.info("%s: %d interval(s) bleeped in %d track(s)", recording.id, len(intervals), len(out_paths))
        return summary

    def _leak_check(self, recording: "Recording", paths: list, intervals: list, spans: list) -> dict[str, Any]:
        if recording.transcript is None:
            raise StageError(f"{recording.id}: the leak check needs the transcript (run transcribe first) or leak_check: false")
        items = leakcheck.needles(recording.transcript, spans)
        if not items:
            return {**leakcheck.summary([]), "checked": False}
        assert self.engine is not None
        o = self.options

        def edit(block, rate, first, extra):
            return bleep.apply(block, rate, extra, mode=o.mode, tone_hz=o.tone_hz, tone_db=o.tone_db,
                               ramp_s=o.ramp, offset=first)

        del items  # leakrepair takes the strings from the transcript itself and keeps them to itself
        recording.drop_speech()  # it reads the bleeped tracks, not the original mix: 230 MB an hour less at the peak
        recording.audio_tracks, result = leakrepair.check_and_repair(
            recording, paths, intervals, spans, self.engine.transcribe, edit, threshold=o.leak_threshold,
            pad=(o.pad_before, o.pad_after), passes=o.repair_passes if o.repair else 0)
        result.update({"checked": True, "engine": self.engine.describe()})
        left = result["unresolved"]
        if result["repairs"]:
            log.info("%s: leak check heard %d removed item(s) outside the bleeps; repaired in %d pass(es)",
                     recording.id, result["leaks"], result["repair_passes"])
        if left:
            log.warning("%s: leak check still hears %d removed item(s) after %d repair pass(es)", recording.id,
                        len(left), result["repair_passes"])
            if o.strict:
                ranges = ", ".join(f"{x['t0']:.2f}-{x['t1']:.2f}s {x['type']}" for x in left[:10])
                raise PrivacyCheckError(f"{recording.id}: bleeped audio still contains {len(left)} PII item(s) at {ranges}")
        return result

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None
