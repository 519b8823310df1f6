"""Resemblyzer's GE2E speaker encoder on onnxruntime: d-vectors without PyTorch.

Why: the encoder is small (a 3-layer LSTM of 256 units over 40 mel bands, the
last layer's final hidden state through ``Linear(256, 256)``, ReLU, L2
normalisation), but running it on PyTorch put 750 MB of torch into the default
install for the diarization and voice-similarity stages.  Here the same
network is an ONNX graph built in memory with ``onnx.helper`` from the
converted weights (three ``LSTM`` nodes, ``Gemm``, ``Relu``,
``LpNormalization``) and run on onnxruntime, already a default dependency.
A numpy version (one BLAS product per time step) was measured too and was
~20x slower on the diarization batches (``bench/ge2e.py`` prints all three).

The weights are Resemblyzer's ``pretrained.pt`` converted once to float32
arrays (``tools/convert_ge2e.py``), shipped in ``models/resemblyzer-ge2e/``
and hash-checked through :func:`mediaanon.models.resolve` like every model.
``tests/test_speakers_ge2e.py`` checks the outputs against Resemblyzer's own
``VoiceEncoder`` on real speech.  Gate order: PyTorch stacks the LSTM gates as
i, f, g, o, ONNX as i, o, f, c (c = PyTorch's g), so the rows are reordered.
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
BATCH = 64  # windows per run; bounds memory on long utterances
OPSET = 17


def onnx_gates(matrix: np.ndarray) -> np.ndarray:
    """Rows of a PyTorch LSTM weight/bias (gates i, f, g, o) in ONNX's order (i, o, f, c)."""
    i, f, g, o = np.split(np.asarray(matrix, np.float32), 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def build_graph(weights: dict[str, np.ndarray]) -> bytes:
    """The encoder as a serialised ONNX model: ``mels`` (batch, frames, 40) -> ``embeds`` (batch, 256)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(np.array([1], np.int64), "axis1"),
             numpy_helper.from_array(np.array([0], np.int64), "axis0")]
    nodes = [helper.make_node("Transpose", ["mels"], ["x0"], perm=[1, 0, 2])]  # time-major, ONNX's layout 0
    x = "x0"
    for k in range(LAYERS):
        w = onnx_gates(weights[f"lstm.weight_ih_l{k}"])[None]
        r = onnx_gates(weights[f"lstm.weight_hh_l{k}"])[None]
        b = np.concatenate([onnx_gates(weights[f"lstm.bias_ih_l{k}"]), onnx_gates(weights[f"lstm.bias_hh_l{k}"])])[None]
        inits += [numpy_helper.from_array(a, f"{n}{k}") for n, a in (("W", w), ("R", r), ("B", b))]
        nodes.append(helper.make_node("LSTM", [x, f"W{k}", f"R{k}", f"B{k}"], [f"y{k}", f"h{k}"], hidden_size=HIDDEN))
        if k < LAYERS - 1:  # (time, 1 direction, batch, hidden) -> the next layer's input
            nodes.append(helper.make_node("Squeeze", [f"y{k}", "axis1"], [f"x{k + 1}"]))
            x = f"x{k + 1}"
    inits += [numpy_helper.from_array(np.asarray(weights["linear.weight"], np.float32), "LW"),
              numpy_helper.from_array(np.asarray(weights["linear.bias"], np.float32), "LB")]
    nodes += [helper.make_node("Squeeze", [f"h{LAYERS - 1}", "axis0"], ["hidden"]),  # last layer's final state
              helper.make_node("Gemm", ["hidden", "LW", "LB"], ["linear"], transB=1),
              helper.make_node("Relu", ["linear"], ["relu"]),
              helper.make_node("LpNormalization", ["relu"], ["embeds"], axis=1, p=2)]
    graph = helper.make_graph(nodes, "resemblyzer_ge2e",
                              [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["batch", "frames", 40])],
                              [helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["batch", EMBEDDING])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="mediaanon")
    onnx.checker.check_model(model)
    return model.SerializeToString()


class GE2E:
    """The encoder, callable on a batch of mel spectrograms ``(batch, frames, 40)`` -> ``(batch, 256)``."""

    def __init__(self, weights: dict[str, np.ndarray], threads: int = 0):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.log_severity_level = 3
        if threads:
            so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        # shares the cores with decoding and other stages: spinning workers would starve them
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(build_graph(weights), so, providers=["CPUExecutionProvider"])
        self.model: models.ResolvedModel | None = None

    @classmethod
    def load(cls, models_dir: Path | None = None, threads: int = 0) -> "GE2E":
        """The shipped weights, found and sha256-checked through the model manifest."""
        model = models.resolve(MODEL, models_dir)
        with np.load(model.file(WEIGHTS), allow_pickle=False) as npz:
            encoder = cls({k: npz[k] for k in npz.files}, threads)
        encoder.model = model
        return encoder

    def __call__(self, mels: np.ndarray) -> np.ndarray:
        """L2-normalised embeddings of equally long mel spectrograms (``(b, t, 40)`` float32)."""
        x = np.ascontiguousarray(mels, np.float32)
        if len(x) == 0:
            return np.zeros((0, EMBEDDING), np.float32)
        return self.session.run(None, {"mels": x})[0]

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
