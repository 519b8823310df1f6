"""The reference engine: openai-whisper (PyTorch), float32 on CPU, float16 on CUDA.

Why keep it next to faster-whisper: it is the implementation the papers and
most interview-tooling describe, so it is the yardstick (``bench/transcribe.py``)
and a fallback where CTranslate2 wheels are unavailable.  Its checkpoint is
converted locally from the CTranslate2 model (:mod:`.convert`); the manifest
name is ``<model>-openai``.  VAD, guards and time mapping are the shared ones
of :class:`~mediaanon.transcription.engine.Engine`, so both engines decode
the same audio with the same settings.
"""
from __future__ import annotations

import logging

import numpy as np

from mediaanon import models
from mediaanon.errors import ConfigError, ModelError
from mediaanon.records import Segment, Word
from mediaanon.stage import ModelUse
from mediaanon.transcription.engine import Decoded, Engine, ProgressFn

log = logging.getLogger(__name__)


def checkpoint_name(model: str) -> str:
    """Manifest name of the openai-whisper checkpoint for ``model``."""
    spec = models.spec(model)
    return model if spec.kind == "openai-whisper" else f"{model}-openai"


REQUIREMENT = "openai-whisper==20250625"


def require_package() -> None:
    """Fail closed, with the remedy, when the optional openai-whisper package is absent.

    It is an extra (``mediaanon[openai-whisper]``), not a default dependency:
    on Linux it pulls ``triton`` (1 GB, GPU-only), doubling a CPU install.
    """
    import importlib.util

    if importlib.util.find_spec("whisper") is None:
        raise ModelError("the openai-whisper engine is not installed; pip install 'mediaanon[openai-whisper]' "
                         f"(or '{REQUIREMENT}'), or use the default engine: --set transcribe.engine=faster-whisper")


def load_checkpoint(path: str, device: str):
    """``whisper.load_model`` plus the alignment heads our converter stores.

    ``load_model(path)`` cannot know which cross-attention heads align words
    for a file path and falls back to "the last half of the layers"; the
    official heads make word timestamps markedly tighter.
    """
    import torch
    from whisper.model import ModelDimensions, Whisper

    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model = Whisper(ModelDimensions(**checkpoint["dims"]))
    model.load_state_dict(checkpoint["model_state_dict"])
    heads = checkpoint.get("alignment_heads") or []
    if heads:
        mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
        for layer, head in heads:
            mask[layer, head] = True
        model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
    return model.to(device).eval()


class OpenAIWhisperEngine(Engine):
    name = "openai-whisper"

    def _cuda_available(self) -> bool:
        try:
            import torch

            return bool(torch.cuda.is_available())
        except Exception:  # noqa: BLE001
            return False

    def _compute_type(self) -> str:
        if self.options.compute_type != "auto":
            if self.options.compute_type == "float16" and self.device == "cpu":
                raise ConfigError("openai-whisper cannot compute in float16 on CPU; use compute_type auto or float32")
            return self.options.compute_type
        return "float16" if self.device == "cuda" else "float32"

    def _load(self) -> None:
        require_package()
        import torch

        resolved = models.resolve(checkpoint_name(self.options.model), self.context.models_dir)
        if self.options.cpu_threads or self.context.threads:
            torch.set_num_threads(self.threads)
        else:
            self.threads = torch.get_num_threads()
        try:
            self.model = load_checkpoint(str(resolved.file()), self.device)
        except RuntimeError as exc:
            if self.device != "cuda":
                raise ModelError(f"openai-whisper could not load {resolved.spec.name}: {exc}") from None
            self.device_note = f"loading on CUDA failed ({type(exc).__name__}); running on CPU"
            log.warning(self.device_note)
            self.device, self.compute_type = "cpu", "float32"
            self.model = load_checkpoint(str(resolved.file()), "cpu")
        self.models_used.append(ModelUse(resolved.spec.name, resolved.sha256, str(resolved.path), self.device))
        log.info("openai-whisper %s loaded on %s (%s, %d threads)", resolved.spec.name, self.device, self.compute_type, self.threads)

    @property
    def multilingual(self) -> bool:
        return bool(self.model.is_multilingual)

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        """Most probable language of the first 30 s, as faster-whisper reports it."""
        import torch
        import whisper

        mel = whisper.log_mel_spectrogram(audio, self.model.dims.n_mels, padding=whisper.audio.N_SAMPLES)
        mel = whisper.pad_or_trim(mel[:, : whisper.audio.N_FRAMES], whisper.audio.N_FRAMES)
        dtype = torch.float16 if self.compute_type == "float16" else torch.float32
        with torch.no_grad():
            _, probs = self.model.detect_language(mel.to(self.model.device, dtype))
        language = max(probs, key=probs.get)
        return language, float(probs[language])

    def _decode(self, audio: np.ndarray, progress: ProgressFn | None) -> Decoded:
        import whisper

        o = self.options
        language, probability = self.language_for_decoding(), 1.0
        if language is None:
            language, probability = self.detect_language(audio)
            log.info("detected language %s (probability %.2f)", language, probability)
        result = whisper.transcribe(
            self.model,
            audio,
            verbose=None,  # None: print nothing (False still draws a progress bar)
            language=language,
            temperature=tuple(o.temperatures),
            logprob_threshold=o.log_prob_threshold,
            **self.decoding_settings(),
            fp16=self.compute_type == "float16",
        )
        out: list[Segment] = []
        for s in result["segments"]:
            words = tuple(
                Word(float(w["start"]), float(w["end"]), w["word"], float(w.get("probability", 1.0))) for w in s.get("words") or ()
            )
            out.append(
                Segment(
                    id=len(out),
                    start=float(s["start"]),
                    end=float(s["end"]),
                    text="".join(w.word for w in words) if words else s["text"],
                    words=words,
                    avg_logprob=float(s["avg_logprob"]),
                    no_speech_prob=float(s["no_speech_prob"]),
                    compression_ratio=float(s["compression_ratio"]),
                )
            )
        if progress is not None and out:
            progress(out[-1].end, out[-1].end)
        return Decoded(out, language, probability)

    def close(self) -> None:
        self.model = None
