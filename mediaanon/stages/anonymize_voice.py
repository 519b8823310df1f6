"""``anonymize_voice``: make the speakers harder to recognise by their voice.

Signal processing only (see :mod:`mediaanon.audio.voice`): a WORLD
resynthesis that moves the pitch level to a target, stretches the formants
and replaces the voice's long-term spectral colour, followed by a McAdams
pole warp.  It changes *how* the voice sounds, not what is said — spoken
names still need ``bleep_pii`` — and it is run after ``transcribe`` (the
``transcribe`` stage refuses to run after it), because ASR degrades on
transformed speech.

Random draws.  By default α, the pitch target and the formant ratio are
drawn per recording from ranges, which is what makes the transform hard to
undo: a fixed, published setting can be inverted or simply applied to the
attacker's enrollment speech.  The draw is deterministic from
HMAC-SHA256(study key, seed + recording id), so a study can reproduce its
outputs.  The drawn values are *not* written to the processing log (only
that a draw happened, and from which range): whoever knows them can apply
the inverse warp.  With a seed but no study key the values can be recomputed
by anyone holding the log (it records the seed) and the bundle id; the
summary says so.  With neither, the draw is fresh randomness.

Every audio track is transformed with the same values; duration, sample
rate and channel layout are kept.  A track is read, transformed and written
in chunks of about a minute cut in pauses (``wavio.edit_chunks``), so an
hours-long interview needs no more memory than a short one; pitch level and
spectral colour are measured per chunk, which also follows a change of
speaker.  The summary includes speaker similarity
(Resemblyzer cosine) before and after, per track.

``method: revoice`` replaces the voices instead of transforming them: the
redacted transcript is spoken by a synthetic voice in the original timing
(:mod:`mediaanon.audio.revoice`).  It needs ``redact_transcript`` earlier in
the pipeline (checked at load time, :meth:`AnonymizeVoice.requires_for`) and
speaks English only: another language fails the recording unless
``revoice_fallback`` names a DSP method to use instead.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mediaanon.audio import voice, wavio
from mediaanon.audio.revoice import phrases
from mediaanon.audio.revoice.engine import Revoicer, RevoiceSettings, english
from mediaanon.audio.similarity import MAX_SECONDS, RATE, SpeakerEncoder, cosine
from mediaanon.errors import StageError
from mediaanon.hooks import Progress
from mediaanon.speakers import select as speakers_select
from mediaanon.stage import ModelUse, RunContext, Stage

if TYPE_CHECKING:
    from mediaanon.hooks import Hook
    from mediaanon.recording import Recording

log = logging.getLogger(__name__)

# Tracks are transformed in chunks of about this many seconds, cut in pauses: memory stays near two
# chunks (~50 MB of 48 kHz stereo) however long the interview; WORLD works in 20 s blocks inside them anyway.
CHUNK_SECONDS = 60.0
DRAW_VERSION = b"mediaanon.anonymize_voice/1"  # part of the HMAC message: changing it changes every draw


@dataclass(frozen=True)
class VoiceOptions:
    method: Literal["mcadams+world", "mcadams", "world", "revoice"] = "mcadams+world"  # which transforms run (WORLD first); both protect most; revoice: a synthetic voice speaks the redacted transcript
    alpha: float | None = None  # McAdams coefficient, fixed for every recording; None draws it from alpha_range
    alpha_range: tuple[float, float] = (0.75, 0.9)  # McAdams α drawn per recording; lower is stronger and less intelligible (VPC 2022/24 used 0.5-0.9: +12 WER points here)
    pitch: Literal["target", "shift"] = "target"  # target: the median pitch moves to a drawn level (hides the speaker's own); shift: by semitones
    pitch_target_hz: float | None = None  # fixed target median F0 in Hz; None draws it (log-uniform) from pitch_target_range
    pitch_target_range: tuple[float, float] = (100.0, 240.0)  # Hz: spans typical male to female levels
    pitch_semitones: float | None = None  # pitch: shift - fixed shift; None draws it from pitch_range
    pitch_range: tuple[float, float] = (-5.0, 5.0)  # semitones drawn in shift mode
    formant_ratio: float | None = None  # fixed formant stretch (> 1 moves formants up); None draws it from formant_range
    formant_range: tuple[float, float] = (0.88, 1.14)  # drawn per recording; wider ranges protect more and sound stranger
    flatten_envelope: bool = True  # replace the voice's long-term spectral colour by a generic speech spectrum (WORLD)
    seed: int | None = None  # with the study key and the recording id, makes the draws reproducible
    similarity: bool = True  # log Resemblyzer speaker similarity before/after (per track)
    speakers: tuple[str, ...] = ()  # transform only these speakers (labels "S2" or --speaker-names roles; needs diarize_speakers); empty = everyone
    revoice_markers: Literal["spoken", "silent"] = "spoken"  # revoice: a marker is read as "person one" … or left as a pause
    revoice_background: Literal["noise", "silence"] = "noise"  # revoice: between utterances, low comfort noise or digital silence
    revoice_noise_db: float = -60.0  # revoice: comfort noise level, dBFS RMS
    revoice_phrases: bool = True  # revoice: cut segments at the speaker's pauses (word times) so each phrase starts on time
    revoice_fallback: Literal["refuse", "mcadams+world", "mcadams", "world"] = "refuse"  # revoice: what a non-English recording gets

    def validate(self) -> None:
        if self.method == "revoice" and self.speakers:
            raise ValueError("speakers: choosing speakers applies to the DSP methods; revoice replaces every voice")
        if not -90.0 <= self.revoice_noise_db <= -30.0:
            raise ValueError("revoice_noise_db must be within -90..-30 dBFS")
        for name in ("alpha_range", "pitch_target_range", "pitch_range", "formant_range"):
            lo, hi = getattr(self, name)
            if lo > hi:
                raise ValueError(f"{name}: low end above high end")
        if not (0.3 <= self.alpha_range[0] and self.alpha_range[1] <= 1.5) or (self.alpha is not None and not 0.3 <= self.alpha <= 1.5):
            raise ValueError("alpha must be within 0.3..1.5")
        if not (50.0 <= self.pitch_target_range[0] and self.pitch_target_range[1] <= 400.0) or (
                self.pitch_target_hz is not None and not 50.0 <= self.pitch_target_hz <= 400.0):
            raise ValueError("pitch targets must be within 50..400 Hz")
        if max(abs(v) for v in self.pitch_range) > 12 or (self.pitch_semitones is not None and abs(self.pitch_semitones) > 12):
            raise ValueError("pitch shifts must be within -12..12 semitones")
        if not (0.7 <= self.formant_range[0] and self.formant_range[1] <= 1.4) or (
                self.formant_ratio is not None and not 0.7 <= self.formant_ratio <= 1.4):
            raise ValueError("formant ratios must be within 0.7..1.4")


@dataclass(frozen=True)
class Draw:
    """The concrete transform for one recording, and what may be logged about it."""

    settings: voice.VoiceSettings
    log: dict[str, Any]  # ranges and fixed values only; drawn values are left out


def draw_rng(seed: int | None, study_key: bytes | None, recording_id: str) -> tuple[np.random.Generator, str]:
    """The per-recording generator and how it was seeded (keyed | seed | unseeded)."""
    if seed is None and study_key is None:
        return np.random.default_rng(secrets.randbits(128)), "unseeded"
    msg = DRAW_VERSION + b"|" + str(seed).encode() + b"|" + recording_id.encode("utf-8")
    digest = hmac.new(study_key or b"", msg, hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big")), "keyed" if study_key else "seed"


def draw(o: VoiceOptions, study_key: bytes | None, recording_id: str) -> Draw:
    """Fix every value for one recording; the same inputs always give the same draw."""
    rng, how = draw_rng(o.seed, study_key, recording_id)
    info: dict[str, Any] = {"method": o.method, "seeding": how}
    drawn: list[str] = []

    def pick(name: str, fixed: float | None, rng_range: tuple[float, float], log_scale: bool = False) -> float:
        u = rng.uniform(0.0, 1.0)  # always consumed, so one option does not shift another's draw
        if fixed is not None:
            info[name] = fixed
            return fixed
        lo, hi = rng_range
        info[name] = {"drawn_from": [lo, hi]}
        drawn.append(name)
        if log_scale:
            return float(math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))))
        return float(lo + u * (hi - lo))

    alpha = pick("alpha", o.alpha, o.alpha_range)
    target = pick("pitch_target_hz", o.pitch_target_hz, o.pitch_target_range, log_scale=True)
    shift = pick("pitch_semitones", o.pitch_semitones, o.pitch_range)
    ratio = pick("formant_ratio", o.formant_ratio, o.formant_range)
    use_mcadams = "mcadams" in o.method
    use_world = "world" in o.method
    for name in [n for n in ("alpha",) if not use_mcadams] + (
            [] if use_world else ["pitch_target_hz", "pitch_semitones", "formant_ratio"]):
        info.pop(name, None)
    info.pop("pitch_semitones" if o.pitch == "target" else "pitch_target_hz", None)
    world = voice.WorldParams(
        pitch_semitones=shift if o.pitch == "shift" else 0.0,
        pitch_target_hz=target if o.pitch == "target" else None,
        formant_ratio=ratio,
        flatten_envelope=o.flatten_envelope,
    ) if use_world else voice.WorldParams()
    if use_world:
        info["pitch"] = o.pitch
        info["flatten_envelope"] = o.flatten_envelope
    if how == "seed" and any(n in info and isinstance(info[n], dict) for n in drawn):
        info["recomputable_from_log"] = True  # seed (in the options) + bundle id suffice; use a study key
    return Draw(voice.VoiceSettings(world=world, alpha=alpha if use_mcadams else None), info)


class AnonymizeVoice(Stage):
    name = "anonymize_voice"
    Options = VoiceOptions
    requires = frozenset({"audio"})
    assigns = frozenset({"audio_edited", "voice_transformed"})
    media_kinds = frozenset({"audio", "video"})
    description = "Transform every voice (WORLD pitch/formant/colour + McAdams), values drawn per recording"

    @classmethod
    def requires_for(cls, options: Any) -> frozenset[str]:
        """Re-voicing speaks the redacted transcript, so it needs one (refused at load time otherwise)."""
        method = options.get("method") if isinstance(options, dict) else getattr(options, "method", None)
        return cls.requires | {"transcript", "pii"} if str(method) == "revoice" else cls.requires

    def __init__(self, options: Any, context: RunContext):
        super().__init__(options, context)
        self.revoicer: Revoicer | None = None
        if self.options.method == "revoice":
            self.revoicer = Revoicer(context.models_dir, context.device)
            m = self.revoicer.voice.model
            self.models_used.append(ModelUse(m.spec.name, m.sha256, str(m.path), self.revoicer.voice.device))
        self.encoder: SpeakerEncoder | None = None
        if self.options.similarity:
            self.encoder = SpeakerEncoder(context.models_dir, "cuda" if context.device == "cuda" else "cpu",
                                          context.threads)
            m = self.encoder.model
            self.models_used.append(ModelUse(m.spec.name, m.sha256, str(m.path), self.encoder.device))

    def __call__(self, recording: "Recording", hook: "Hook") -> dict[str, Any]:
        tracks = recording.original_audio_tracks()
        if not tracks:
            raise StageError(f"{recording.id}: anonymize_voice found no audio track")
        opts = self.options
        if self.revoicer is not None:
            language = recording.transcript.language if recording.transcript else None
            if english(language) or self.options.revoice_fallback == "refuse":
                return self._revoice(recording, hook, tracks, language)
            log.info("%s: not English (%s): DSP method %s instead of revoice", recording.id, language,
                     self.options.revoice_fallback)
            opts = replace(self.options, method=self.options.revoice_fallback)
        d = draw(opts, self.context.study_key, recording.id)
        ranges = self._chosen_ranges(recording)  # None: every speaker
        out_paths, similarity = [], []
        started = time.perf_counter()
        seconds = 0.0
        for i, path in enumerate(tracks):
            hook(Progress(recording.id, self.name, i, len(tracks), "tracks"))

            def edit(block: np.ndarray, rate: int, _first: int, i: int = i) -> np.ndarray:
                edited = voice.transform(block, rate, d.settings)
                if edited.shape != block.shape:  # the transforms promise this; check rather than trust
                    raise StageError(f"{recording.id}: voice transform changed the audio layout of track {i}")
                if ranges is not None:  # only the chosen speakers' turns, cross-faded at their edges
                    w = speakers_select.range_mask(len(block), rate, _first, ranges)[:, None]
                    edited = block * (1.0 - w) + edited * w
                return edited

            frames, rate, _channels = wavio.info(path)
            out = wavio.edit_chunks(path, recording.scratch / f"audio_voice_{i}.wav", edit, CHUNK_SECONDS)
            out_paths.append(out)
            seconds += frames / rate
            if self.encoder is not None:
                similarity.append(self._similarity(path, out))
        recording.audio_tracks = out_paths
        recording.facts |= {"audio_edited", "voice_transformed"}
        hook(Progress(recording.id, self.name, len(tracks), len(tracks), "tracks"))
        summary: dict[str, Any] = {
            **d.log,
            **({"instead_of": "revoice"} if opts is not self.options else {}),  # non-English: revoice_fallback
            "tracks": len(out_paths),
            "audio_seconds": round(seconds, 3),
            "realtime_factor": round((time.perf_counter() - started) / seconds, 3) if seconds else None,
        }
        if ranges is not None:
            summary["speakers_transformed"] = list(self.options.speakers)
            summary["seconds_transformed"] = round(sum(b - a for a, b in ranges), 2)
        if self.encoder is not None:
            summary["speaker_similarity"] = similarity
        log.info("%s: voice transformed (%s) in %d track(s)", recording.id, d.settings.describe(), len(out_paths))
        return summary

    def _chosen_ranges(self, recording: "Recording") -> list[tuple[float, float]] | None:
        """Time ranges of ``options.speakers`` (None when every voice is transformed)."""
        if not self.options.speakers:
            return None
        if recording.speakers is None:
            raise StageError(f"{recording.id}: anonymize_voice.speakers needs diarize_speakers earlier in the pipeline")
        try:
            chosen = speakers_select.resolve_chosen(recording.speakers, list(self.options.speakers))
        except ValueError as exc:
            raise StageError(f"{recording.id}: anonymize_voice.speakers: {exc}") from None
        return speakers_select.speaker_ranges(recording.speakers, chosen)

    def _revoice(self, recording: "Recording", hook: "Hook", tracks: list[Path], language: str | None) -> dict[str, Any]:
        """The redacted transcript spoken by the synthetic voice on every track (see mediaanon.audio.revoice)."""
        assert self.revoicer is not None
        o = self.options
        settings = RevoiceSettings(o.revoice_markers, o.revoice_background, o.revoice_noise_db)

        def progress(done: int, total: int) -> None:
            hook(Progress(recording.id, self.name, done, total, "segments"))

        segments, cut = recording.redacted_segments, 0
        if o.revoice_phrases:
            segments, cut = phrases.split(recording.transcript, recording.pii, recording.redacted_segments)
        out, summary = self.revoicer.revoice(recording.id, language, segments, tracks, recording.scratch,
                                             settings, progress)
        summary["segments_cut_in_phrases"] = cut
        if self.encoder is not None:
            summary["speaker_similarity"] = [self._similarity(a, b) for a, b in zip(tracks, out)]
        recording.audio_tracks = out
        recording.facts |= {"audio_edited", "voice_transformed"}
        return {"method": "revoice", **summary}

    def _similarity(self, original: Path, edited: Path) -> dict[str, Any]:
        """Resemblyzer cosines for one track (``None`` where there is too little speech).

        ``same_speech``: original vs transformed over the same excerpts.
        ``before``: the first half of the original vs its second half — how
        much the voice resembles itself on other words; ``after``: the first
        half of the original vs the transformed second half — what an
        attacker who enrolled on original speech would see.  Only evenly
        spaced excerpts (at most ``MAX_SECONDS`` per side) are
        read, so memory does not grow with the recording.
        """
        assert self.encoder is not None
        frames, rate, _ = wavio.info(original)

        def spans(lo: int, hi: int) -> list[tuple[int, int]]:
            return [(lo + a, lo + b) for a, b in wavio.excerpts(hi - lo, rate, MAX_SECONDS)]

        def embed(path: Path, where: list[tuple[int, int]]) -> np.ndarray | None:
            return self.encoder.embed(wavio.read_mono(path, where, RATE))  # type: ignore[union-attr]

        whole = spans(0, frames)
        a, b = embed(original, whole), embed(edited, whole)
        out: dict[str, Any] = {"same_speech": _round(cosine(a, b)) if a is not None and b is not None else None}
        half = frames // 2
        if half >= 2 * rate:
            first = embed(original, spans(0, half))
            second = embed(original, spans(half, frames))
            second_t = embed(edited, spans(half, frames))
            if first is not None and second is not None and second_t is not None:
                out["before"] = _round(cosine(first, second))
                out["after"] = _round(cosine(first, second_t))
        return out

    def close(self) -> None:
        self.encoder = None
        self.revoicer = None


def _round(v: float | None) -> float | None:
    return None if v is None else round(float(v), 3)
