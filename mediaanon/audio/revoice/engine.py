"""One recording re-voiced: redacted segments → synthetic speech → every audio track.

Fail closed.  Only English transcripts are spoken (the voice and espeak-ng's
``en-us`` rules would turn another language into nonsense that still sounds
like speech); a recording in another language raises :class:`StageError`
and the runner fails it, with the remedy in the message.  A segment whose
phonemes cannot be made also fails the recording rather than leaving a hole
that a reader would take for silence in the interview.
"""
from __future__ import annotations

import logging
import statistics
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mediaanon.audio import wavio
from mediaanon.audio.revoice.fit import Fitter
from mediaanon.audio.revoice.phonemes import Phonemizer, to_ids
from mediaanon.audio.revoice.piper import PiperVoice
from mediaanon.audio.revoice.render import Background, UtteranceStore, render_track
from mediaanon.audio.revoice.text import spoken_text, speaker_variants
from mediaanon.errors import StageError

log = logging.getLogger(__name__)

MIN_GAP_S = 0.05  # an utterance that overruns its slot stops this long before the next one starts


@dataclass(frozen=True)
class RevoiceSettings:
    markers: str = "spoken"  # spoken: "person one"; silent: a pause
    background: str = "noise"  # noise | silence between (and under) utterances
    noise_db: float = -60.0  # comfort noise level, dBFS RMS


def english(language: str | None) -> bool:
    return bool(language) and str(language).lower().split("-")[0].split("_")[0] in ("en", "english")


class Revoicer:
    """Holds the voice (loaded once per run) and re-voices recordings."""

    def __init__(self, models_dir: Path | None, device: str = "auto"):
        self.voice = PiperVoice(models_dir, device)
        self.phonemizer = Phonemizer(self.voice.config.espeak_voice)

    def synthesize(self, segments: list[dict[str, Any]], duration_s: float, store: UtteranceStore,
                   settings: RevoiceSettings, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """Synthesise and fit every segment into ``store``; returns counts for the log (no text)."""
        fitter = Fitter(self.voice.sample_rate)
        variants = speaker_variants(segments)
        ordered = sorted(segments, key=lambda s: float(s["start"]))
        scales, stretched, truncated, markers, spoken, missing = [], 0, 0, 0, 0, set()
        for i, seg in enumerate(ordered):
            if progress:
                progress(i, len(ordered))
            start, end = float(seg["start"]), float(seg["end"])
            nxt = float(ordered[i + 1]["start"]) if i + 1 < len(ordered) else duration_s
            text, n_markers = spoken_text(str(seg.get("text", "")), settings.markers)
            markers += n_markers
            phonemes = self.phonemizer.phonemes(text)
            if not phonemes:
                continue
            ids, miss = to_ids(phonemes, self.voice.config.id_map)
            missing |= miss
            slot = max(0.0, end - start)
            ls = fitter.length_scale(len(ids), slot)
            audio = self.voice.synthesize(ids, ls)
            room = max(slot, nxt - start - MIN_GAP_S) if nxt > start else slot
            room = min(room, max(0.0, duration_s - start))
            fitted = fitter.fit(audio, len(ids), ls, slot, room, variants.get(seg.get("speaker"), variants[None]))
            store.add(start, fitted.audio)
            spoken += 1
            scales.append(ls)
            stretched += fitted.stretch != 1.0
            truncated += fitted.truncated
        if missing:
            log.debug("revoice: %d phoneme symbol(s) without an id in the voice were skipped", len(missing))
        return {
            "utterances": len(ordered),
            "spoken_utterances": spoken,
            "markers": markers,
            "markers_as": settings.markers,
            "speakers": len(variants) - 1,
            "length_scale_median": round(statistics.median(scales), 3) if scales else None,
            "time_stretched": int(stretched),
            "truncated": int(truncated),
            "unknown_phonemes": len(missing),
        }

    def revoice(self, recording_id: str, language: str | None, segments: list[dict[str, Any]],
                tracks: list[Path], scratch: Path, settings: RevoiceSettings,
                progress: Callable[[int, int], None] | None = None) -> tuple[list[Path], dict[str, Any]]:
        """New float WAVs for ``tracks`` speaking ``segments``; the originals are only measured, never copied."""
        if not english(language):
            raise StageError(f"{recording_id}: anonymize_voice method=revoice speaks English only, but the "
                             f"transcript language is {language!r}; use a DSP method (method=mcadams+world) "
                             "or share the redacted transcript without audio")
        started = time.perf_counter()
        infos = [wavio.info(p) for p in tracks]
        duration = max(f / r for f, r, _ in infos)
        store = UtteranceStore(scratch / "revoice_utterances.f32", self.voice.sample_rate)
        summary = self.synthesize(segments, duration, store, settings, progress)
        seed = zlib.crc32(recording_id.encode("utf-8"))  # comfort noise only: carries nothing to protect
        out = []
        for i, (path, (frames, rate, channels)) in enumerate(zip(tracks, infos)):
            bg = Background(settings.background, settings.noise_db, seed + i)
            out.append(render_track(store, scratch / f"audio_revoice_{i}.wav", frames, rate, channels, bg))
        store.path.unlink(missing_ok=True)
        elapsed = time.perf_counter() - started
        summary |= {
            "voice": self.voice.model.spec.name,
            "device": self.voice.device,
            "background": settings.background,
            "tracks": len(out),
            "audio_seconds": round(duration, 3),
            "realtime_factor": round(elapsed / duration, 3) if duration else None,
        }
        log.info("%s: re-voiced %d utterance(s) in %d track(s)", recording_id, summary["spoken_utterances"], len(out))
        return out, summary
