"""The Piper VITS voice as a plain ONNX graph on onnxruntime.

``piper-tts``, the usual runtime for these voices, is GPL-3.0 and is never
imported: the graph only needs phoneme ids (int64 [1, N]), their count
(int64 [1]) and three scales (float32 [noise, length, noise_w]) and returns
float audio [1, 1, 1, T] at the rate its ``.onnx.json`` states.  The files
are resolved by sha256 from ``models/manifest.yaml`` like every model.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediaanon.errors import ConfigError, ModelError
from mediaanon.models import ResolvedModel, resolve

log = logging.getLogger(__name__)

VOICE_MODEL = "piper-en_US-joe-medium"
ONNX_FILE = "en_US-joe-medium.onnx"
CONFIG_FILE = "en_US-joe-medium.onnx.json"


@dataclass(frozen=True)
class VoiceConfig:
    """What the voice's .onnx.json says that synthesis needs."""

    sample_rate: int
    espeak_voice: str
    id_map: dict[str, list[int]]
    noise_scale: float = 0.667
    length_scale: float = 1.0
    noise_w: float = 0.8

    @classmethod
    def read(cls, path: Path) -> "VoiceConfig":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            inf = data.get("inference", {})
            if data.get("phoneme_type", "espeak") != "espeak":
                raise ModelError(f"{path.name}: phoneme_type {data.get('phoneme_type')!r} is not espeak")
            return cls(int(data["audio"]["sample_rate"]), str(data["espeak"]["voice"]),
                       {k: [int(i) for i in v] for k, v in data["phoneme_id_map"].items()},
                       float(inf.get("noise_scale", 0.667)), float(inf.get("length_scale", 1.0)),
                       float(inf.get("noise_w", 0.8)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{path.name}: not a readable Piper voice config ({type(exc).__name__})") from None


class PiperVoice:
    """One onnxruntime session of the voice; ``synthesize`` is called per utterance."""

    def __init__(self, models_dir: Path | None = None, device: str = "auto"):
        import onnxruntime as ort

        if device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device must be auto, cpu or cuda, got {device!r}")
        self.model: ResolvedModel = resolve(VOICE_MODEL, models_dir)
        self.config = VoiceConfig.read(self.model.file(CONFIG_FILE))
        available = ort.get_available_providers()
        want_cuda = device in ("auto", "cuda") and "CUDAExecutionProvider" in available
        providers: list[Any] = (["CUDAExecutionProvider"] if want_cuda else []) + ["CPUExecutionProvider"]
        so = ort.SessionOptions()
        so.log_severity_level = 3
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")  # leave cores to WORLD/ffmpeg
        self.session = ort.InferenceSession(str(self.model.file(ONNX_FILE)), so, providers=providers)
        self.provider = self.session.get_providers()[0]
        if device == "cuda" and self.provider != "CUDAExecutionProvider":
            log.warning("revoice: the voice runs on the CPU (onnxruntime has no usable CUDA execution provider)")

    @property
    def device(self) -> str:
        return "cuda" if self.provider == "CUDAExecutionProvider" else "cpu"

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate

    def synthesize(self, ids: list[int], length_scale: float = 1.0, noise_scale: float | None = None,
                   noise_w: float | None = None) -> np.ndarray:
        """Mono float32 audio at :attr:`sample_rate` for one utterance's phoneme ids.

        ``length_scale`` > 1 speaks slower (the voice's own default is
        multiplied by it).
        """
        c = self.config
        scales = np.array([c.noise_scale if noise_scale is None else noise_scale,
                           c.length_scale * length_scale,
                           c.noise_w if noise_w is None else noise_w], dtype=np.float32)
        feed = {"input": np.array([ids], dtype=np.int64), "input_lengths": np.array([len(ids)], dtype=np.int64),
                "scales": scales}
        audio = self.session.run(None, feed)[0]
        return np.ascontiguousarray(np.asarray(audio, dtype=np.float32).reshape(-1))
