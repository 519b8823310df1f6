"""Speaker similarity with Resemblyzer d-vectors (GE2E), fully offline.

Used twice: per recording in ``anonymize_voice`` (cosine between the
original and the transformed voice, logged so a reader can see how much the
transform changed the speaker) and by ``bench/voice.py`` to compute
speaker-verification equal error rates.  The weights ship inside the
``resemblyzer`` wheel; they are found and hash-checked through
:func:`mediaanon.models.resolve`, and ``VoiceEncoder`` gets the explicit path
so it never looks anywhere else.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mediaanon import models
from mediaanon.audio import wavio
from mediaanon.errors import ModelError

log = logging.getLogger(__name__)

RATE = 16000  # Resemblyzer's input rate
MIN_SPEECH_S = 0.5  # less voiced audio than this gives no meaningful embedding
MAX_SECONDS = 180.0  # long recordings: embed evenly spaced excerpts adding up to this


def require_voice_extra() -> None:
    """Fail closed, with the remedy, when the optional speaker-embedding packages are absent.

    Resemblyzer needs PyTorch and librosa; they are default dependencies (the
    speaker diarization runs on them), but a trimmed environment can lack them.
    """
    import importlib.util

    missing = [m for m in ("torch", "resemblyzer") if importlib.util.find_spec(m) is None]
    if missing:
        raise ModelError(f"speaker similarity needs {' and '.join(missing)}: pip install torch==2.13.0 "
                         "resemblyzer==0.1.4 librosa (or set anonymize_voice.similarity=false)")


class SpeakerEncoder:
    """Resemblyzer's ``VoiceEncoder`` loaded from the manifest-verified weights."""

    def __init__(self, models_dir: Path | None = None, device: str = "cpu"):
        require_voice_extra()
        self.model = models.resolve("resemblyzer", models_dir)
        from resemblyzer import VoiceEncoder

        self.device = "cuda" if device == "cuda" else "cpu"
        self.encoder = VoiceEncoder(device=self.device, verbose=False, weights_fpath=self.model.file("pretrained.pt"))

    def embed(self, audio: np.ndarray, sample_rate: int = RATE) -> np.ndarray | None:
        """L2-normalised d-vector of mono ``audio``, or ``None`` if it holds too little speech.

        Resemblyzer's own preprocessing is applied (loudness normalisation,
        removal of long silences), as in its published speaker-verification demo.
        Long audio is cut to evenly spaced excerpts first: Resemblyzer runs every
        1.6 s window of an utterance through its LSTM in one batch, so memory
        would otherwise grow with the recording (about 0.5 GB per 15 min).
        """
        from resemblyzer import preprocess_wav

        audio = np.asarray(audio, dtype=np.float32)
        spans = wavio.excerpts(len(audio), sample_rate, MAX_SECONDS)
        if len(spans) > 1:
            audio = np.concatenate([audio[a:b] for a, b in spans])
        wav = preprocess_wav(audio, source_sr=sample_rate)
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
