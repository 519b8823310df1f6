"""Resemblyzer's GE2E speaker encoder on numpy: d-vectors without PyTorch.

Why: the encoder is small (a 3-layer LSTM of 256 units over 40 mel bands, the
last layer's final hidden state through ``Linear(256, 256)``, ReLU, L2
normalisation), but running it on PyTorch put 750 MB of torch into the default
install for the diarization and voice-similarity stages.  Here it is the same
network on numpy/BLAS: per layer, the input projection of every time step is
one matrix product; the recurrence is one Python loop over time steps with one
(batch x 256) @ (256 x 1024) product each, so windows are batched.

The weights are Resemblyzer's ``pretrained.pt`` converted once to float32
arrays (``tools/convert_ge2e.py``), shipped in ``models/resemblyzer-ge2e/``
and hash-checked through :func:`mediaanon.models.resolve` like every model.
``tests/test_speakers_ge2e.py`` checks the outputs against Resemblyzer's own
``VoiceEncoder`` on real speech.

Two exact rewrites keep the loop short: the i, f, o gates use
``sigmoid(z) = 0.5 * tanh(z / 2) + 0.5`` (their weight rows are pre-scaled by
0.5, so one ``tanh`` covers all four gates), and the gates are reordered from
PyTorch's i, f, g, o to i, f, o, g so the three sigmoid gates are one slice.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mediaanon import models
from mediaanon.speakers import ge2e_audio

log = logging.getLogger(__name__)

MODEL = "resemblyzer-ge2e"
WEIGHTS = "ge2e.npz"
HIDDEN = 256
LAYERS = 3
EMBEDDING = 256
PARTIAL_FRAMES = 160  # Resemblyzer's partial utterance: 1.6 s
BATCH = 64  # windows per LSTM pass; bounds memory on long utterances


class GE2E:
    """The encoder, callable on a batch of mel spectrograms ``(batch, frames, 40)`` -> ``(batch, 256)``."""

    def __init__(self, weights: dict[str, np.ndarray]):
        h = HIDDEN
        order = np.r_[0:2 * h, 3 * h:4 * h, 2 * h:3 * h]  # torch i,f,g,o -> i,f,o,g
        scale = np.ones((4 * h, 1), np.float32)
        scale[:3 * h] = 0.5  # sigmoid via tanh(z/2)
        self.layers = []
        for k in range(LAYERS):
            w_ih = np.asarray(weights[f"lstm.weight_ih_l{k}"], np.float32)[order] * scale
            w_hh = np.asarray(weights[f"lstm.weight_hh_l{k}"], np.float32)[order] * scale
            bias = (np.asarray(weights[f"lstm.bias_ih_l{k}"], np.float32)
                    + np.asarray(weights[f"lstm.bias_hh_l{k}"], np.float32))[order] * scale[:, 0]
            self.layers.append((np.ascontiguousarray(w_ih.T), np.ascontiguousarray(w_hh.T), bias))
        self.linear_w = np.ascontiguousarray(np.asarray(weights["linear.weight"], np.float32).T)
        self.linear_b = np.asarray(weights["linear.bias"], np.float32)

    @classmethod
    def load(cls, models_dir: Path | None = None) -> "GE2E":
        """The shipped weights, found and sha256-checked through the model manifest."""
        model = models.resolve(MODEL, models_dir)
        with np.load(model.file(WEIGHTS), allow_pickle=False) as npz:
            encoder = cls({k: npz[k] for k in npz.files})
        encoder.model = model
        return encoder

    def __call__(self, mels: np.ndarray) -> np.ndarray:
        """L2-normalised embeddings of equally long mel spectrograms (``(b, t, 40)`` float32)."""
        x = np.asarray(mels, np.float32)
        b, t = x.shape[:2]
        h = HIDDEN
        if b == 0:
            return np.zeros((0, EMBEDDING), np.float32)
        state = np.zeros((b, h), np.float32)
        for k, (w_ih, w_hh, bias) in enumerate(self.layers):
            proj = (x.reshape(b * t, -1) @ w_ih).reshape(b, t, 4 * h)
            proj += bias
            last = k == LAYERS - 1
            seq = None if last else np.empty((b, t, h), np.float32)
            state = np.zeros((b, h), np.float32)
            cell = np.zeros((b, h), np.float32)
            gates = np.empty((b, 4 * h), np.float32)
            for step in range(t):
                np.matmul(state, w_hh, out=gates)
                gates += proj[:, step]
                np.tanh(gates, out=gates)
                sig = gates[:, :3 * h]
                sig *= 0.5
                sig += 0.5
                cell *= gates[:, h:2 * h]  # forget gate
                cell += gates[:, :h] * gates[:, 3 * h:]  # input gate x candidate
                state = gates[:, 2 * h:3 * h] * np.tanh(cell)  # output gate
                if seq is not None:
                    seq[:, step] = state
            x = seq
        raw = np.maximum(state @ self.linear_w + self.linear_b, 0)
        norm = np.linalg.norm(raw, axis=1, keepdims=True)
        return raw / np.where(norm > 0, norm, 1)

    def embed_batched(self, mels: np.ndarray) -> np.ndarray:
        """:meth:`__call__` in batches of :data:`BATCH` (the result does not depend on the batching)."""
        parts = [self(mels[i:i + BATCH]) for i in range(0, len(mels), BATCH)]
        return np.concatenate(parts) if parts else np.zeros((0, EMBEDDING), np.float32)

    def embed_utterance(self, wav: np.ndarray, rate: float = 1.3, min_coverage: float = 0.75) -> np.ndarray:
        """Resemblyzer's ``VoiceEncoder.embed_utterance``: the L2-normalised mean of 1.6 s partials.

        ``wav`` is a preprocessed 16 kHz waveform (:func:`ge2e_audio.preprocess_wav`).
        """
        wav = np.asarray(wav, np.float32)
        starts = partial_starts(len(wav), rate, min_coverage)
        need = (starts[-1] + PARTIAL_FRAMES) * ge2e_audio.HOP
        if need >= len(wav):
            wav = np.pad(wav, (0, need - len(wav)))
        mel = ge2e_audio.mel_spectrogram(wav)
        partials = self.embed_batched(np.stack([mel[s:s + PARTIAL_FRAMES] for s in starts]))
        raw = partials.mean(axis=0)
        return raw / np.linalg.norm(raw)


def partial_starts(n_samples: int, rate: float = 1.3, min_coverage: float = 0.75) -> list[int]:
    """First mel frame of each partial utterance (Resemblyzer's ``compute_partial_slices``)."""
    hop = ge2e_audio.HOP
    n_frames = int(np.ceil((n_samples + 1) / hop))
    frame_step = int(np.round((ge2e_audio.RATE / rate) / hop))
    if not 0 < frame_step <= PARTIAL_FRAMES:
        raise ValueError(f"partial rate {rate} out of range")
    steps = max(1, n_frames - PARTIAL_FRAMES + frame_step + 1)
    starts = list(range(0, steps, frame_step))
    last = starts[-1] * hop
    coverage = (n_samples - last) / (PARTIAL_FRAMES * hop)
    if coverage < min_coverage and len(starts) > 1:
        starts = starts[:-1]
    return starts
