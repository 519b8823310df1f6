"""Model converters: CTranslate2 Whisper -> openai-whisper checkpoint, and split model files.

Why convert at all: no openai-whisper ``.pt`` checkpoint ships on the package
registry, but the CTranslate2 models do (see ``models/manifest.yaml``).  A
CTranslate2 ``model.bin`` is a plain binary: a version, the spec name and
revision, then named variables (shape, dtype, raw bytes) and aliases.  The
Whisper weights map one to one onto openai-whisper's ``state_dict`` except
that CTranslate2 fuses projections: self-attention q/k/v are stacked in
``linear_0`` (Whisper's key projection has no bias, CTranslate2 stores zeros),
cross-attention ``linear_0`` is the query and ``linear_1`` the stacked
key/value.  Nothing is retrained or approximated: float16 weights stay float16.

Why the output is hashable: ``torch.save`` writes a zip whose entries have
fixed timestamps and whose ``serialization_id`` is derived from the content,
so the same weights give the same bytes with the pinned torch version; the
manifest records that sha256 and :func:`mediaanon.models.resolve` checks it
after every conversion (fail closed if a different torch writes other bytes).

Both converters are registered in :data:`mediaanon.models.CONVERTERS` when
this module is imported (``import mediaanon.transcription`` does it).
"""
from __future__ import annotations

import logging
import shutil
import struct
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from mediaanon import models
from mediaanon.errors import ModelError

log = logging.getLogger(__name__)

CHECKPOINT_FILE = "model.pt"
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")

# CTranslate2's DataType enum order (include/ctranslate2/types.h).
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: "bfloat16"}


class Ct2Model:
    """The variables of a CTranslate2 ``model.bin``, read without ctranslate2 itself."""

    def __init__(self, spec: str, revision: int, variables: dict[str, np.ndarray], aliases: dict[str, str]):
        self.spec = spec
        self.revision = revision
        self.variables = variables
        self.aliases = aliases

    def __getitem__(self, name: str) -> np.ndarray:
        return self.variables[self.aliases.get(name, name)]

    def __contains__(self, name: str) -> bool:
        return name in self.variables or name in self.aliases

    def scalar(self, name: str) -> int:
        return int(np.asarray(self[name]).reshape(-1)[0])


def read_ct2(path: Path) -> Ct2Model:
    """Parse a CTranslate2 model file (binary version 6 and compatible)."""
    data = memoryview(Path(path).read_bytes())
    pos = 0

    def take(fmt: str) -> Any:
        nonlocal pos
        value = struct.unpack_from("<" + fmt, data, pos)[0]
        pos += struct.calcsize("<" + fmt)
        return value

    def string() -> str:
        nonlocal pos
        n = take("H")
        text = bytes(data[pos : pos + n - 1]).decode("utf-8")
        pos += n
        return text

    try:
        version = take("I")
        if not 1 <= version <= 6:
            raise ModelError(f"{path.name}: unsupported CTranslate2 binary version {version}")
        spec = string()
        revision = take("I")
        variables: dict[str, np.ndarray] = {}
        for _ in range(take("I")):
            name = string()
            shape = tuple(take("I") for _ in range(take("B")))
            dtype_id = take("B")
            nbytes = take("I")
            if pos + nbytes > len(data):
                raise struct.error("variable data past the end of the file")
            raw = data[pos : pos + nbytes]
            pos += nbytes
            variables[name] = _array(raw, dtype_id, shape, name)
        aliases = {}
        if pos < len(data):
            for _ in range(take("I")):
                alias = string()
                aliases[alias] = string()
    except struct.error:
        raise ModelError(f"{path.name}: truncated CTranslate2 model file") from None
    return Ct2Model(spec, revision, variables, aliases)


def _array(raw: memoryview, dtype_id: int, shape: tuple[int, ...], name: str) -> np.ndarray:
    dtype = _DTYPES.get(dtype_id)
    if dtype is None:
        raise ModelError(f"variable {name}: unknown CTranslate2 dtype id {dtype_id}")
    if dtype == "bfloat16":  # widen: bfloat16 is the top half of a float32
        halves = np.frombuffer(raw, np.uint16).astype(np.uint32) << 16
        return halves.view(np.float32).reshape(shape)
    return np.frombuffer(raw, dtype).reshape(shape)


def _weight(m: Ct2Model, prefix: str) -> np.ndarray:
    """A linear layer's weight, dequantised when the model was saved as int8."""
    w = m[f"{prefix}/weight"]
    if w.dtype == np.int8:
        scale = m[f"{prefix}/weight_scale"].astype(np.float32)
        w = w.astype(np.float32) / scale.reshape(-1, 1)
    return w


def whisper_state_dict(m: Ct2Model) -> tuple[dict[str, int], "OrderedDict[str, np.ndarray]"]:
    """Map a CTranslate2 ``WhisperSpec`` onto openai-whisper's dims and state_dict (numpy)."""
    if m.spec != "WhisperSpec":
        raise ModelError(f"expected a CTranslate2 WhisperSpec model, got {m.spec!r}")
    n_audio_layer = _count_layers(m, "encoder")
    n_text_layer = _count_layers(m, "decoder")
    d_audio = m["encoder/position_encodings/encodings"].shape[1]
    d_text = m["decoder/position_encodings/encodings"].shape[1]
    dims = {
        "n_mels": int(m["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(m["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(d_audio),
        "n_audio_head": m.scalar("encoder/num_heads"),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(m["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(m["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(d_text),
        "n_text_head": m.scalar("decoder/num_heads"),
        "n_text_layer": n_text_layer,
    }
    sd: OrderedDict[str, np.ndarray] = OrderedDict()

    def put(name: str, value: np.ndarray) -> None:
        sd[name] = np.ascontiguousarray(value).copy()

    def norm(dst: str, src: str) -> None:
        put(f"{dst}.weight", m[f"{src}/gamma"])
        put(f"{dst}.bias", m[f"{src}/beta"])

    def linear(dst: str, src: str) -> None:
        put(f"{dst}.weight", _weight(m, src))
        put(f"{dst}.bias", m[f"{src}/bias"])

    def fused(dst: str, src: str, names: tuple[str, ...], d: int) -> None:
        w, b = _weight(m, src), m[f"{src}/bias"]
        if w.shape[0] != d * len(names):
            raise ModelError(f"{src}: expected {d * len(names)} rows, got {w.shape[0]}")
        for i, part in enumerate(names):
            put(f"{dst}.{part}.weight", w[i * d : (i + 1) * d])
            if part == "key":  # Whisper's key projection has no bias: CTranslate2 stored zeros
                if np.abs(b[i * d : (i + 1) * d].astype(np.float32)).max(initial=0.0) > 1e-6:
                    raise ModelError(f"{src}: key bias is not zero; not a Whisper model")
            else:
                put(f"{dst}.{part}.bias", b[i * d : (i + 1) * d])

    put("encoder.positional_embedding", m["encoder/position_encodings/encodings"])
    for conv in ("conv1", "conv2"):
        put(f"encoder.{conv}.weight", m[f"encoder/{conv}/weight"])
        put(f"encoder.{conv}.bias", m[f"encoder/{conv}/bias"])
    for i in range(n_audio_layer):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        fused(f"{dst}.attn", f"{src}/self_attention/linear_0", ("query", "key", "value"), d_audio)
        linear(f"{dst}.attn.out", f"{src}/self_attention/linear_1")
        norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
        linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")
        norm(f"{dst}.mlp_ln", f"{src}/ffn/layer_norm")
    norm("encoder.ln_post", "encoder/layer_norm")

    put("decoder.positional_embedding", m["decoder/position_encodings/encodings"])
    put("decoder.token_embedding.weight", m["decoder/embeddings/weight"])
    for i in range(n_text_layer):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        fused(f"{dst}.attn", f"{src}/self_attention/linear_0", ("query", "key", "value"), d_text)
        linear(f"{dst}.attn.out", f"{src}/self_attention/linear_1")
        norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        linear(f"{dst}.cross_attn.query", f"{src}/attention/linear_0")
        fused(f"{dst}.cross_attn", f"{src}/attention/linear_1", ("key", "value"), d_text)
        linear(f"{dst}.cross_attn.out", f"{src}/attention/linear_2")
        norm(f"{dst}.cross_attn_ln", f"{src}/attention/layer_norm")
        linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
        linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")
        norm(f"{dst}.mlp_ln", f"{src}/ffn/layer_norm")
    norm("decoder.ln", "decoder/layer_norm")
    # The output projection is tied to the token embedding in both formats.
    if "decoder/projection/weight" in m and not np.array_equal(m["decoder/projection/weight"], m["decoder/embeddings/weight"]):
        raise ModelError("decoder projection is not tied to the embedding; openai-whisper cannot represent it")
    return dims, sd


def _count_layers(m: Ct2Model, side: str) -> int:
    n = 0
    while f"{side}/layer_{n}/ffn/linear_0/bias" in m:
        n += 1
    if n == 0:
        raise ModelError(f"no {side} layers found in the CTranslate2 model")
    return n


def ct2_to_openai(source: models.ResolvedModel, dest: Path) -> None:
    """``CONVERTERS`` entry: write ``dest/model.pt`` from a CTranslate2 Whisper folder.

    The checkpoint holds ``dims`` and ``model_state_dict`` (what
    ``whisper.load_model(path)`` reads) plus ``alignment_heads`` from the
    source's config.json, which word timestamps need and which
    ``load_model`` cannot know for a file path.
    """
    import json

    import torch
    from whisper.model import ModelDimensions, Whisper

    model_bin = source.path / "model.bin"
    log.info("converting %s (CTranslate2) to an openai-whisper checkpoint", source.spec.name)
    dims, sd = whisper_state_dict(read_ct2(model_bin))
    tensors = OrderedDict((k, torch.from_numpy(v)) for k, v in sd.items())
    # Strict load into a fresh model: every parameter present, no extras, shapes right.
    Whisper(ModelDimensions(**dims)).load_state_dict(tensors, strict=True)
    heads: list[list[int]] = []
    config = source.path / "config.json"
    if config.is_file():
        heads = [[int(a), int(b)] for a, b in json.loads(config.read_text(encoding="utf-8")).get("alignment_heads", [])]
    dest.mkdir(parents=True, exist_ok=True)
    torch.save({"dims": dims, "model_state_dict": tensors, "alignment_heads": heads}, dest / CHECKPOINT_FILE)


def join_parts(source: models.ResolvedModel, dest: Path, part_models: tuple[str, ...] = ()) -> None:
    """``CONVERTERS`` entry for a model whose ``model.bin`` ships split across packages.

    ``source`` holds ``model.bin.part1`` and the side files; the other parts
    are resolved (and hash-checked) as their own manifest entries, looked up
    beside ``source`` first when it came from a models dir or the cache.
    """
    names = part_models or _part_models(source.spec.name)
    parts = [source.file(f) for f in sorted(f for f in source.spec.files if ".part" in f)]
    near = source.path.parent if source.origin in ("models-dir", "cache") else None
    for name in names:
        other = _resolve_near(name, near)
        parts += [other.file(f) for f in sorted(f for f in other.spec.files if ".part" in f)]
    dest.mkdir(parents=True, exist_ok=True)
    concatenate(parts, dest / "model.bin")
    for f in SIDE_FILES:
        if (source.path / f).is_file():
            shutil.copyfile(source.path / f, dest / f)


def _resolve_near(name: str, near: Path | None) -> models.ResolvedModel:
    try:
        return models.resolve(name, near)
    except ModelError:
        return models.resolve(name)


def _part_models(first: str) -> tuple[str, ...]:
    """``whisper-base-part1`` -> (``whisper-base-part2``, …) as listed in the manifest."""
    stem, _, number = first.rpartition("-part")
    if not number.isdigit():
        raise ModelError(f"{first}: not a split model part")
    known = models.manifest()
    out, i = [], int(number) + 1
    while f"{stem}-part{i}" in known:
        out.append(f"{stem}-part{i}")
        i += 1
    if not out:
        raise ModelError(f"{first}: no further parts in the manifest")
    return tuple(out)


def concatenate(parts: list[Path], target: Path) -> None:
    """Write the parts one after another into ``target`` (streamed, no full copy in memory)."""
    if not parts:
        raise ModelError(f"no parts to join into {target.name}")
    with target.open("wb") as out:
        for part in parts:
            with part.open("rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 22)


def register() -> None:
    """Put the converters for every derived Whisper model of the manifest into ``CONVERTERS``."""
    for name, s in models.manifest().items():
        if not s.derived_from or name in models.CONVERTERS:
            continue
        if s.kind == "openai-whisper":
            models.CONVERTERS[name] = ct2_to_openai
        elif s.kind == "ctranslate2" and "-part" in s.derived_from:
            models.CONVERTERS[name] = join_parts


register()
