"""Speech regions: Silero VAD joined with the ASR word times.

Why both: Silero misses quiet or distant speech that Whisper still
transcribed (the issue's prototype lost a third of ``tests_dev00`` that way),
and Whisper drops speech it could not decode (or its guards removed).  Their
union is what the speakers are looked for in.  A short VAD pause (the
default 150 ms) is kept as a boundary: in a dialogue the pause between
question and answer is often the only place a turn can be cut.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from mediaanon.records import SpeechProbs, Transcript
from mediaanon.transcription.vad import SAMPLE_RATE, detect_speech

Region = tuple[float, float]


VAD_THRESHOLD = 0.2  # lower than transcription's 0.5: speech nobody is credited with is lost (dev sets: 0.2-0.5 tried)
VAD_PAD_MS = 100  # generous: the energy refinement below takes the padding back where it is silence
VAD_MIN_SILENCE_MS = 100
ENERGY_FLOOR_DB = 40.0  # 10 ms frames this far below their region's loudest frame are not speech
ENERGY_BRIDGE_S = 0.25  # quieter stretches shorter than this stay inside (gaps between words, stops)
ENERGY_MIN_S = 0.1  # pieces shorter than this after refinement are clicks, not speech
NOISE_PERCENTILE = 2.0  # the recording's noise floor: this percentile of its (not digitally silent) 10 ms levels
NOISE_MARGIN_DB = 6.0  # speech is at least this far above the noise floor (4x its power)
DIGITAL_SILENCE_DB = -100.0  # levels below this are zeros or dither, not the room: left out of the noise floor


def vad_regions(audio: np.ndarray, threshold: float | None = None, min_silence_ms: int = VAD_MIN_SILENCE_MS,
                pad_ms: int | None = None, probs: SpeechProbs | None = None) -> list[Region]:
    """Silero VAD speech regions of 16 kHz mono ``audio`` in seconds.

    The threshold is lower than the transcription default (0.5): a missed
    stretch of speech cannot be attributed to anyone, a breath that is kept
    costs a few frames.  Both values were chosen on the benchmark's dev sets.
    ``probs`` are the probabilities the transcription engine already computed
    on this audio; without them (no transcription, VAD off) Silero runs here.
    """
    if audio.size == 0:
        return []
    threshold = VAD_THRESHOLD if threshold is None else threshold
    pad_ms = VAD_PAD_MS if pad_ms is None else pad_ms
    chunks = detect_speech(np.asarray(audio, np.float32), threshold, min_silence_ms, pad_ms, probs)
    return [(c.start / SAMPLE_RATE, c.end / SAMPLE_RATE) for c in chunks]


def word_regions(transcript: Transcript | None, max_gap: float = 0.15) -> list[Region]:
    """Timed words joined into regions (gaps below ``max_gap`` bridged); untimed words ignored."""
    if transcript is None:
        return []
    spans = [(w.start, w.end) for s in transcript.segments for w in s.words
             if np.isfinite(w.start) and np.isfinite(w.end) and w.end > w.start]
    return merge(spans, max_gap)


def merge(spans: Iterable[Region], max_gap: float = 0.0) -> list[Region]:
    """Sorted union of ``spans``; neighbours closer than ``max_gap`` are joined."""
    out: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in spans if b > a):
        if out and a <= out[-1][1] + max_gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def speech_regions(audio: np.ndarray, transcript: Transcript | None, min_len: float = 0.2,
                   min_extra: float = 0.5, noise_margin: float | None = NOISE_MARGIN_DB) -> list[Region]:
    """VAD regions, plus word stretches VAD missed, cut to their audible parts; shorter than ``min_len`` dropped."""
    return _kept(refine_by_energy(audio, candidate_regions(audio, transcript, min_extra), noise_margin=noise_margin),
                 min_len)


def diarization_regions(audio: np.ndarray, transcript: Transcript | None, min_len: float = 0.2,
                        min_extra: float = 0.5) -> tuple[list[Region], list[Region]]:
    """Where speech is (noise gate on) and where voices are embedded (gate off): one VAD pass, one level pass.

    The noise gate cuts the pauses a quiet voice leaves at the room's noise
    floor, which is right for *where* someone speaks, but the pieces it
    leaves are short, and a short piece gives a noisy d-vector: with windows
    cut from the gated regions the speaker count got worse on the tuning
    dialogues (one voice split in two on a one-speaker one, 26 -> 25 of 40).
    So the windows come from the regions without the gate, exactly as before
    it (the pauses stay inside them), and only the frames that are labelled
    are the gated speech: the gate changes where speech is, never who spoke.
    DER, tuning dialogues of 1/2/3/4 speakers: 14.3/16.9/13.1/15.4 % ->
    13.6/13.6/12.3/14.6 %; the 40 held-out ones: 9.2/14.1/10.4/15.4 % ->
    8.6/13.8/10.1/14.8 %, the count unchanged in both.
    """
    level = levels(audio)
    cands = candidate_regions(audio, transcript, min_extra)
    return (_kept(audible(level, cands), min_len), _kept(audible(level, cands, noise_margin=None), min_len))


def candidate_regions(audio: np.ndarray, transcript: Transcript | None, min_extra: float = 0.5) -> list[Region]:
    """VAD regions plus the word stretches VAD missed, before the energy refinement.

    VAD boundaries are kept where they exist (they follow the pauses); a word
    region adds only its parts not covered by VAD, and only stretches of at
    least ``min_extra`` seconds: Whisper's word ends overshoot by a few hundred
    milliseconds, and adding those slivers turned pauses into false-alarm
    speech on the dev dialogues (DER +4 points), while speech that VAD really
    missed comes in longer stretches.
    """
    duration = audio.size / SAMPLE_RATE
    vad = vad_regions(audio, probs=None if transcript is None else transcript.speech_probs)
    extra = []
    for a, b in word_regions(transcript):
        for piece in subtract((a, min(b, duration)), vad):
            extra.append(piece)
    return merge(vad + [p for p in extra if p[1] - p[0] >= min_extra])


def _kept(regions: list[Region], min_len: float) -> list[Region]:
    return [(round(a, 3), round(b, 3)) for a, b in regions if b - a >= min_len]


LEVEL_BLOCK = 6000  # 10-ms frames per block of the level computation (one minute)


def refine_by_energy(audio: np.ndarray, regions: list[Region], floor_db: float = ENERGY_FLOOR_DB,
                     bridge: float = ENERGY_BRIDGE_S, min_len: float = ENERGY_MIN_S,
                     noise_margin: float | None = NOISE_MARGIN_DB) -> list[Region]:
    """Each region cut to its audible parts, at 10 ms resolution.

    Silero's 32 ms frames and its recurrent state blur boundaries: with the
    low threshold and padding that keep quiet speech, a region starts early,
    ends late and runs through the pause between a question and a quick
    answer.  Within one region the loudest frame sets the level; frames
    ``floor_db`` below it are silence, and silences longer than ``bridge``
    end a piece.  The floor is relative to the region, so a noisy recording
    (no frame that quiet) keeps its VAD regions unchanged.  Chosen on the
    dev sets: speech-detection error (missed + false alarm) on the stitched
    dev dialogues 9.2 % -> 4.7 %, ``tests_dev00`` 28 % -> 21 %, ``sample.wav``
    2.0 % -> 3.9 %.

    The floor is also never below the recording's own noise floor plus
    ``noise_margin`` (None: off).  A quiet voice in a recording whose noise
    is less than 40 dB under it had every pause kept: the room's hiss
    cleared the region-relative floor, so the pauses between words and the
    tail after a turn were labelled speech (on the dev dialogues most of the
    false alarm: 3.5 % -> 1.0 % of speech with the gate, ``sample.wav``
    3.1 % -> 1.5 %; ``tests_dev00``, far-field AMI, missed 0.2 points more).
    The noise floor is a low percentile of the whole recording's levels, so
    speech is not mistaken for it in a recording that is mostly talk, and
    digital silence (zeros between files, a muted stretch) is left out of it.
    """
    return audible(levels(audio), regions, floor_db, bridge, min_len, noise_margin)


def levels(audio: np.ndarray) -> np.ndarray:
    """The level (dB) of each 10-ms frame of 16 kHz ``audio``, computed a minute at a time."""
    hop = SAMPLE_RATE // 100
    m = len(audio) // hop
    level = np.empty(m)
    for s in range(0, m, LEVEL_BLOCK):  # a float64 copy of an hour and its square were +920 MB at once
        e = min(s + LEVEL_BLOCK, m)
        x = np.asarray(audio[s * hop : e * hop], np.float64)
        level[s:e] = 10 * np.log10((x.reshape(e - s, hop) ** 2).mean(1) + 1e-12)
    return level


def audible(level: np.ndarray, regions: list[Region], floor_db: float = ENERGY_FLOOR_DB,
            bridge: float = ENERGY_BRIDGE_S, min_len: float = ENERGY_MIN_S,
            noise_margin: float | None = NOISE_MARGIN_DB) -> list[Region]:
    """:func:`refine_by_energy` on precomputed :func:`levels`."""
    m = len(level)
    if m == 0:
        return list(regions)
    noise = noise_floor(level) + noise_margin if noise_margin is not None else -np.inf
    out: list[Region] = []
    for a, b in regions:
        i0, i1 = int(a * 100), min(int(np.ceil(b * 100)), m)
        part = level[i0:i1]
        if part.size == 0:
            continue
        on = np.flatnonzero(part > max(part.max() - floor_db, noise))
        if on.size == 0:  # the whole region is at the noise floor: nothing audible to keep
            continue
        runs = [[on[0], on[0] + 1]]
        for i in on[1:]:
            if i - runs[-1][1] < bridge * 100:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1])
        out.extend(((i0 + p) / 100, (i0 + q) / 100) for p, q in runs if (q - p) / 100 >= min_len)
    return out


def noise_floor(level: np.ndarray) -> float:
    """The level (dB) under ``NOISE_PERCENTILE`` % of the 10-ms frames above digital silence; -inf if none."""
    room = level[level > DIGITAL_SILENCE_DB]
    return float(np.percentile(room, NOISE_PERCENTILE)) if room.size else -np.inf


def subtract(span: Region, regions: list[Region]) -> list[Region]:
    """Parts of ``span`` not covered by ``regions`` (sorted, disjoint)."""
    a, b = span
    out = []
    for r0, r1 in regions:
        if r1 <= a or r0 >= b:
            continue
        if r0 > a:
            out.append((a, r0))
        a = max(a, r1)
    if b > a:
        out.append((a, b))
    return out
