"""Speaker similarity with Resemblyzer d-vectors (GE2E), fully offline.

Used twice: per recording in ``anonymize_voice`` (cosine between the
original and the transformed voice, logged so a reader can see how much the
transform changed the speaker) and by ``bench/voice.py`` to compute
speaker-verification equal error rates.  The encoder is Resemblyzer's network
on onnxruntime and its preprocessing on numpy (:mod:`mediaanon.speakers.ge2e`), with
its weights shipped in mediaanon and hash-checked through
:func:`mediaanon.models.resolve`: no PyTorch, no librosa.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mediaanon.audio import wavio

log = logging.getLogger(__name__)

RATE = 16000  # Resemblyzer's input rate
MIN_SPEECH_S = 0.5  # less voiced audio than this gives no meaningful embedding
MAX_SECONDS = 180.0  # long recordings: embed evenly spaced excerpts adding up to this


class SpeakerEncoder:
    """Resemblyzer's GE2E encoder (onnxruntime, CPU) loaded from the manifest-verified weights.

    ``device`` is accepted for the callers' sake and recorded as ``cpu``: the
    encoder is a small LSTM, a GPU would not pay for the copies.  ``threads``:
    onnxruntime's intra-op threads (0: its default, the physical cores).
    """

    def __init__(self, models_dir: Path | None = None, device: str = "cpu", threads: int = 0):
        from mediaanon.speakers.ge2e import GE2E

        self.encoder = GE2E.load(models_dir, threads)
        self.model = self.encoder.model
        self.device = "cpu"

    def embed(self, audio: np.ndarray, sample_rate: int = RATE) -> np.ndarray | None:
        """L2-normalised d-vector of mono ``audio``, or ``None`` if it holds too little speech.

        Resemblyzer's own preprocessing is applied (loudness normalisation,
        removal of long silences), as in its published speaker-verification demo.
        Long audio is cut to evenly spaced excerpts first, so the cost stays
        bounded (Resemblyzer batched every 1.6 s window of an utterance at once:
        about 0.5 GB per 15 min).
        """
        from mediaanon.speakers.ge2e_audio import preprocess_wav

        audio = np.asarray(audio, dtype=np.float32)
        spans = wavio.excerpts(len(audio), sample_rate, MAX_SECONDS)
        if len(spans) > 1:
            audio = np.concatenate([audio[a:b] for a, b in spans])
        wav = preprocess_wav(audio, sample_rate)
        if len(wav) < MIN_SPEECH_S * RATE:
            return None
        return self.encoder.embed_utterance(wav)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))


def eer(target: np.ndarray, nontarget: np.ndarray) -> float:
    """Equal error rate of a verification system from its trial scores (higher = same speaker).

    The threshold is swept over every score; the EER is where the false
    acceptance and false rejection rates cross, linearly interpolated.
    0.5 means the system cannot tell speakers apart at all.
    """
    target = np.asarray(target, dtype=np.float64)
    nontarget = np.asarray(nontarget, dtype=np.float64)
    if not len(target) or not len(nontarget):
        raise ValueError("eer needs target and non-target scores")
    thresholds = np.unique(np.concatenate([target, nontarget, [-np.inf, np.inf]]))
    frr = np.array([(target < t).mean() for t in thresholds])
    far = np.array([(nontarget >= t).mean() for t in thresholds])
    diff = far - frr  # decreasing in t
    i = int(np.argmax(diff <= 0))
    if i == 0:
        return float((far[0] + frr[0]) / 2)
    d0, d1 = diff[i - 1], diff[i]
    w = d0 / (d0 - d1) if d0 != d1 else 0.5
    return float((far[i - 1] + w * (far[i] - far[i - 1]) + frr[i - 1] + w * (frr[i] - frr[i - 1])) / 2)


def verification_scores(enroll: dict[str, np.ndarray], trials: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Target and non-target cosine scores of every trial against every enrolled speaker.

    ``enroll`` maps speaker -> mean embedding; ``trials`` are (speaker, embedding).
    """
    tgt, non = [], []
    for spk, emb in trials:
        for model_spk, model in enroll.items():
            (tgt if model_spk == spk else non).append(cosine(emb, model))
    return np.array(tgt), np.array(non)
