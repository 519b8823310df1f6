"""The default engine: faster-whisper (CTranslate2), int8 on CPU, float16 on CUDA.

Why it is the default: the same Whisper weights decode several times faster
than the PyTorch reference on a CPU (int8 matrix products, no Python in the
beam search loop), which matters for hour-long interviews on laptops without
a GPU.  The model is loaded from the verified folder that
:func:`mediaanon.models.resolve` returns, with ``local_files_only=True`` so
that a wrong path can never turn into a hub download.
"""
from __future__ import annotations

import logging

import numpy as np

from mediaanon import models
from mediaanon.errors import ModelError
from mediaanon.records import Segment, Word
from mediaanon.stage import ModelUse
from mediaanon.transcription.engine import Decoded, Engine, ProgressFn
from mediaanon.transcription.vad import SAMPLE_RATE

log = logging.getLogger(__name__)


class FasterWhisperEngine(Engine):
    name = "faster-whisper"

    def _cuda_available(self) -> bool:
        try:
            import ctranslate2

            return ctranslate2.get_cuda_device_count() > 0
        except Exception:  # noqa: BLE001 - a broken CUDA install means "no GPU" here
            return False

    def _compute_type(self) -> str:
        if self.options.compute_type != "auto":
            return self.options.compute_type
        return "float16" if self.device == "cuda" else "int8"

    def _load(self) -> None:
        from faster_whisper import WhisperModel

        resolved = models.resolve(self.options.model, self.context.models_dir)
        if resolved.spec.kind != "ctranslate2":
            raise ModelError(f"model {self.options.model} is a {resolved.spec.kind} model; faster-whisper needs a CTranslate2 one")
        try:
            self.model = WhisperModel(
                str(resolved.path),
                device=self.device,
                compute_type=self.compute_type,
                cpu_threads=self.threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError) as exc:
            if self.device != "cuda":
                raise ModelError(f"faster-whisper could not load {self.options.model}: {exc}") from None
            self.device_note = f"loading on CUDA failed ({type(exc).__name__}); running on CPU"
            log.warning(self.device_note)
            self.device = "cpu"
            self.compute_type = "int8" if self.options.compute_type in ("auto", "float16") else self.options.compute_type
            self.model = WhisperModel(str(resolved.path), device="cpu", compute_type=self.compute_type, cpu_threads=self.threads, local_files_only=True)
        self._multilingual = bool(self.model.model.is_multilingual)
        self.models_used.append(ModelUse(resolved.spec.name, resolved.sha256, str(resolved.path), self.device))
        log.info("faster-whisper %s loaded on %s (%s, %d threads)", resolved.spec.name, self.device, self.compute_type, self.threads)

    @property
    def multilingual(self) -> bool:
        return self._multilingual

    def _decode(self, audio: np.ndarray, progress: ProgressFn | None) -> Decoded:
        o = self.options
        segments, info = self.model.transcribe(
            audio,
            language=self.language_for_decoding(),
            temperature=list(o.temperatures),
            log_prob_threshold=o.log_prob_threshold,
            **self.decoding_settings(),
            vad_filter=False,  # VAD already applied by Engine.transcribe (same for both engines)
        )
        if o.language is None and self.multilingual:
            log.info("detected language %s (probability %.2f)", info.language, info.language_probability)
        total = len(audio) / SAMPLE_RATE
        out: list[Segment] = []
        for s in segments:  # a generator: decoding happens while we iterate
            words = tuple(Word(float(w.start), float(w.end), w.word, float(w.probability)) for w in (s.words or ()))
            text = "".join(w.word for w in words) if words else s.text
            out.append(
                Segment(
                    id=len(out),
                    start=float(s.start),
                    end=float(s.end),
                    text=text,
                    words=words,
                    avg_logprob=float(s.avg_logprob),
                    no_speech_prob=float(s.no_speech_prob),
                    compression_ratio=float(s.compression_ratio),
                )
            )
            if progress is not None:
                progress(min(float(s.end), total), total)
        return Decoded(out, info.language, float(info.language_probability))

    def close(self) -> None:
        self.model = None
