"""Our GE2E encoder (onnxruntime + numpy front end) against Resemblyzer's own ``VoiceEncoder`` (PyTorch + librosa) on real speech.

Why: diarization and voice similarity moved off PyTorch; the d-vectors they
see must be Resemblyzer's, number for number (to float32 rounding), or every
threshold tuned on them would silently shift.  The reference packages are in
the ``test`` extra; without them the comparisons skip, the weight checks run.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
import soundfile as sf

from mediaanon import models
from mediaanon.errors import ModelError
from mediaanon.speakers import ge2e_audio
from mediaanon.speakers.ge2e import GE2E, MODEL, WEIGHTS, partial_starts

CLIPS = ["audio/pyannote/sample.wav", "audio/lhotse/2412-153948-0000.flac", "audio/lhotse/ami_ES2011a.Headset-0-40s-46s.wav"]


@pytest.fixture(scope="module")
def ours():
    return GE2E.load()


@pytest.fixture(scope="module")
def reference():
    pytest.importorskip("torch")
    pytest.importorskip("librosa")
    resemblyzer = pytest.importorskip("resemblyzer")
    return resemblyzer.VoiceEncoder("cpu", verbose=False)


def _speech(media, rel):
    wav, rate = sf.read(str(media(rel)), dtype="float32", always_2d=True)
    assert rate == ge2e_audio.RATE
    return wav.mean(axis=1)


@pytest.mark.parametrize("rel", CLIPS)
def test_mel_spectrogram_equals_librosa(media, rel, reference):
    from resemblyzer import audio

    wav = audio.normalize_volume(_speech(media, rel), -30, increase_only=True)
    want = audio.wav_to_mel_spectrogram(wav)
    got = ge2e_audio.mel_spectrogram(wav)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_mel_filters_equal_librosa():
    librosa = pytest.importorskip("librosa")
    np.testing.assert_allclose(ge2e_audio.mel_filters(), librosa.filters.mel(sr=16000, n_fft=400, n_mels=40),
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("rel", CLIPS)
def test_window_embeddings_equal_voice_encoder(media, rel, ours, reference):
    """Windows as diarization cuts them: several lengths, batched, from one whole-recording spectrogram."""
    import torch

    from mediaanon.speakers.embed import mel_frames

    mel = mel_frames(_speech(media, rel))
    for length in (40, 150, 160):
        starts = range(0, len(mel) - length, 37)
        batch = np.stack([mel[s:s + length] for s in starts])
        with torch.no_grad():
            want = reference(torch.from_numpy(batch)).numpy()
        got = ours(batch)
        assert got.shape == want.shape == (len(batch), 256)
        cosines = np.sum(got * want, axis=1)
        assert cosines.min() >= 0.9999, (length, cosines.min())
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("rel", CLIPS)
def test_utterance_embedding_equals_resemblyzer(media, rel, ours, reference):
    """What voice similarity uses: preprocessing (volume, WebRTC VAD trimming) and the mean of partials."""
    from resemblyzer import preprocess_wav

    wav = _speech(media, rel)
    want_wav = preprocess_wav(wav, source_sr=ge2e_audio.RATE)
    got_wav = ge2e_audio.preprocess_wav(wav, ge2e_audio.RATE)
    np.testing.assert_array_equal(got_wav, want_wav)  # same samples kept, same gain
    want = reference.embed_utterance(want_wav)
    got = ours.embed_utterance(got_wav)
    assert float(got @ want) >= 0.9999
    np.testing.assert_allclose(got, want, atol=1e-4)


@pytest.mark.parametrize("n", [0, 1000, 16000, 25600, 25601, 160 * 300 + 7])
def test_partial_slices_equal_resemblyzer(n, reference):
    slices = reference.compute_partial_slices(n, 1.3, 0.75)[1]
    assert partial_starts(n) == [s.start for s in slices]


def test_shipped_weights_match_the_manifest():
    model = models.resolve(MODEL)
    assert hashlib.sha256(model.file(WEIGHTS).read_bytes()).hexdigest() == model.spec.files[WEIGHTS]
    with np.load(model.file(WEIGHTS), allow_pickle=False) as npz:
        assert npz["lstm.weight_ih_l0"].shape == (1024, 40) and npz["linear.weight"].shape == (256, 256)
        assert {npz[k].dtype for k in npz.files} == {np.dtype(np.float32)}


def test_a_tampered_weights_file_is_refused(tmp_path, monkeypatch):
    """A changed byte anywhere in the weights: the encoder does not load from it."""
    shipped = models.resolve(MODEL).file(WEIGHTS)
    folder = tmp_path / MODEL
    folder.mkdir()
    data = bytearray(shipped.read_bytes())
    data[len(data) // 2] ^= 1  # one bit inside an LSTM matrix
    (folder / WEIGHTS).write_bytes(bytes(data))
    # a tampered copy in --models-dir is passed over for the verified shipped file
    assert GE2E.load(tmp_path).model.origin != "models-dir"
    # and when it is the only candidate, loading fails with the hash in the message
    monkeypatch.setattr(models, "candidates", lambda spec, models_dir: [("models-dir", folder)])
    with pytest.raises(ModelError, match="sha256"):
        GE2E.load(tmp_path)


def test_the_converter_reproduces_the_shipped_file(tmp_path, repo):
    """tools/convert_ge2e.py from resemblyzer's pretrained.pt gives the pinned bytes again."""
    pytest.importorskip("torch")
    pytest.importorskip("resemblyzer")
    import importlib.util

    spec = importlib.util.spec_from_file_location("convert_ge2e", repo / "tools" / "convert_ge2e.py")
    convert = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(convert)
    out = tmp_path / WEIGHTS
    assert convert.main(["--out", str(out)]) == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == models.spec(MODEL).files[WEIGHTS]


def test_silence_and_tiny_inputs_do_not_fail(ours):
    assert ge2e_audio.preprocess_wav(np.zeros(16000, np.float32)).size == 0  # digital silence: no speech, no NaN
    assert np.isfinite(ge2e_audio.mel_spectrogram(np.zeros(0, np.float32))).all()
    assert ours(np.zeros((0, 150, 40), np.float32)).shape == (0, 256)
    got = ours(np.zeros((2, 5, 40), np.float32))
    assert got.shape == (2, 256) and np.isfinite(got).all()


def test_similarity_encoder_uses_the_shipped_model(media):
    from mediaanon.audio.similarity import SpeakerEncoder

    enc = SpeakerEncoder()
    assert enc.model.spec.name == MODEL and enc.device == "cpu"
    vector = enc.embed(_speech(media, CLIPS[1]))
    assert vector.shape == (256,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-5


BLOCKED = """
import sys, importlib.abc
import numpy as np
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"torch", "resemblyzer", "librosa", "numba"}:
            raise ImportError(name + " is not installed (lean install)")
sys.meta_path.insert(0, Block())
import soundfile as sf
from mediaanon.audio.similarity import SpeakerEncoder
from mediaanon.speakers.embed import embed_windows
enc = SpeakerEncoder()
wav, rate = sf.read(sys.argv[1], dtype="float32")
vector = enc.embed(wav, rate)
windows = embed_windows(enc.encoder, wav, [(0.5, 4.0)])  # 1.5 s every 0.5 s: 5 windows
assert vector.shape == (256,) and windows.vectors.shape == (5, 256), (vector.shape, windows.vectors.shape)
print("ok", [m for m in ("torch", "resemblyzer", "librosa") if m in sys.modules])
"""


def test_similarity_and_windows_run_without_torch_resemblyzer_librosa(media, repo):
    """The voice-similarity check and the diarization windows with the reference packages unimportable."""
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", BLOCKED, str(media(CLIPS[1]))], capture_output=True, text=True,
                          cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok []"


@pytest.mark.parametrize("level", [0.05, 8.0])  # quiet: scaled up by the gain; loud: left as is
def test_blockwise_front_end_equals_the_whole_array_recipe_bit_for_bit(media, level):
    """Diarization's mel frames are built a block at a time with the volume gain applied per block
    (an hour no longer holds three 220 MB copies); every value must equal the whole-array recipe:
    NaN-free copy, ``normalize_volume``, centring zeros, the STFT and the mel filters."""
    from mediaanon.speakers.embed import mel_frames

    x = np.concatenate([_speech(media, "audio/pyannote/sample.wav"), _speech(media, "audio/pyannote/tests_dev00.wav")])
    x = (x[:-77] * level).astype(np.float32)  # > one 4,096-frame block, the end inside a hop
    x[1000] = np.nan
    assert (ge2e_audio.volume_gain(np.nan_to_num(x)) is None) == (level > 1)
    wav = ge2e_audio.normalize_volume(np.nan_to_num(x))
    padded = np.pad(wav, ge2e_audio.N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, ge2e_audio.N_FFT)[::ge2e_audio.HOP][: 1 + len(wav) // ge2e_audio.HOP]
    power = np.abs(np.fft.rfft(frames * ge2e_audio._WINDOW, axis=1).astype(np.complex64)) ** 2
    whole = np.matmul(power, ge2e_audio.mel_filters().T)
    got = mel_frames(x)
    assert len(got) > ge2e_audio.BLOCK and got.shape == whole.shape
    assert np.array_equal(got, whole)
    assert np.array_equal(ge2e_audio.mel_spectrogram(wav), whole)  # without a gain, as the utterance path calls it
