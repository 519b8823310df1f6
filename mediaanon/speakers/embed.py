"""Resemblyzer (GE2E) d-vectors of short windows inside the speech regions.

Resemblyzer's own ``embed_utterance`` averages its partial windows into one
vector per utterance and trims silences (which moves times); diarization
needs one vector per short window at a known time.  So the mel spectrogram
of the whole recording is computed once (10 ms frames) and windows are cut
from it inside each region, batched through the encoder's LSTM (:class:`~mediaanon.speakers.ge2e.GE2E`,
on onnxruntime).  A region
shorter than a window is embedded on its own (the LSTM takes any length) —
in an interview those are the short answers, and a window stretched into
the neighbour's speech would label them with the wrong voice.

The vectors are returned to the caller only; nothing here writes them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediaanon.speakers.regions import Region

FRAME_S = 0.01  # Resemblyzer mel hop
WINDOW_S = 1.5  # long enough for a stable d-vector (Resemblyzer's partials are 1.6 s)
HOP_S = 0.5
MIN_WINDOW_S = 0.4  # shorter regions give no usable embedding; they are labelled from their neighbours
BATCH = 64


@dataclass(frozen=True)
class Windows:
    """Window times (seconds) and their L2-normalised embeddings (n x 256)."""

    spans: np.ndarray  # (n, 2)
    vectors: np.ndarray  # (n, d); stays in memory, never leaves the speakers package

    def __len__(self) -> int:
        return len(self.spans)


def window_spans(regions: list[Region], window: float = WINDOW_S, hop: float = HOP_S,
                 min_window: float = MIN_WINDOW_S) -> list[tuple[float, float]]:
    """Windows of ``window`` seconds every ``hop`` inside each region; a short region is one window."""
    out = []
    for a, b in regions:
        length = b - a
        if length < min_window:
            continue
        if length <= window:
            out.append((a, b))
            continue
        n = int(np.ceil((length - window) / hop)) + 1
        starts = np.linspace(a, b - window, n)
        out.extend((float(s), float(s) + window) for s in starts)
    return out


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """Resemblyzer's mel spectrogram of the whole (volume-normalised) recording, (frames x 40)."""
    from mediaanon.speakers.ge2e_audio import mel_spectrogram, volume_gain

    wav = np.asarray(audio, np.float32)
    if not np.isfinite(wav).all():  # a copy only where there is something to replace (an hour is 220 MB)
        wav = np.nan_to_num(wav)
    return mel_spectrogram(wav, volume_gain(wav))  # digital silence is left as is (no level to normalise)


def embed_windows(encoder, audio: np.ndarray, regions: list[Region]) -> Windows:
    """Embed every window of ``regions`` in 16 kHz mono ``audio`` with a :class:`~mediaanon.speakers.ge2e.GE2E`."""
    spans = window_spans(regions)
    if not spans:
        return Windows(np.zeros((0, 2)), np.zeros((0, 256), np.float32))
    mel = mel_frames(audio)
    groups: dict[int, list[int]] = {}
    frames = []
    for i, (a, b) in enumerate(spans):
        f0 = min(int(round(a / FRAME_S)), max(0, len(mel) - 1))
        f1 = max(f0 + 1, min(int(round(b / FRAME_S)), len(mel)))
        frames.append((f0, f1))
        groups.setdefault(f1 - f0, []).append(i)
    vectors = np.zeros((len(spans), 256), np.float32)
    for length, idx in groups.items():
        for k in range(0, len(idx), BATCH):
            part = idx[k:k + BATCH]
            batch = np.stack([mel[frames[i][0]:frames[i][0] + length] for i in part])
            vectors[part] = encoder(batch)
    return Windows(np.asarray(spans, np.float64), vectors)
