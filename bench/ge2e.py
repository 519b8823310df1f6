"""Benchmark: our GE2E encoder (onnxruntime) against Resemblyzer on PyTorch, same windows, same run.

    python bench/ge2e.py            # the diarization windows of four real recordings (needs .[voice])
    python bench/ge2e.py --quick    # sample.wav only

Windows are cut as ``diarize_speakers`` cuts them (1.5 s every 0.5 s, batches of 64, from the
whole recording's mel spectrogram); every encoder gets the same arrays and all cores (onnxruntime's
and torch's intra-op pools, numpy's BLAS).  The third encoder is the alternative that was measured
and not taken: the same LSTM on numpy, one BLAS product per time step (:func:`numpy_encoder`).
Printed, one figure a line: CPU seconds (process time, all threads) and wall seconds of each, the
ratios torch / ours and numpy / ours, the lowest cosine between our vectors and torch's, and the
mel front end against librosa's (after one warm-up call each).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mediaanon.speakers import embed, ge2e_audio  # noqa: E402
from mediaanon.speakers.ge2e import GE2E, HIDDEN, LAYERS  # noqa: E402

MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media")) / "audio"
FILES = ["pyannote/sample.wav", "pyannote/tests_dev00.wav", "pyannote/tests_tst00.wav", "pyannote/tests_trn01.wav"]


def numpy_encoder(weights: dict[str, np.ndarray]):
    """The same network on numpy: input projections of all steps at once, then one loop over time."""
    h = HIDDEN
    layers = [(weights[f"lstm.weight_ih_l{k}"].T.copy(), weights[f"lstm.weight_hh_l{k}"].T.copy(),
               weights[f"lstm.bias_ih_l{k}"] + weights[f"lstm.bias_hh_l{k}"]) for k in range(LAYERS)]

    def sigmoid(z):
        return 0.5 * np.tanh(0.5 * z) + 0.5

    def run(mels: np.ndarray) -> np.ndarray:
        x = mels
        b, t = x.shape[:2]
        for k, (w_ih, w_hh, bias) in enumerate(layers):
            proj = (x.reshape(b * t, -1) @ w_ih).reshape(b, t, 4 * h) + bias
            state, cell = np.zeros((b, h), np.float32), np.zeros((b, h), np.float32)
            seq = np.empty((b, t, h), np.float32)
            for step in range(t):
                g = proj[:, step] + state @ w_hh  # torch's gate order i, f, g, o
                cell = sigmoid(g[:, h:2 * h]) * cell + sigmoid(g[:, :h]) * np.tanh(g[:, 2 * h:3 * h])
                state = sigmoid(g[:, 3 * h:]) * np.tanh(cell)
                seq[:, step] = state
            x = seq
        raw = np.maximum(state @ weights["linear.weight"].T + weights["linear.bias"], 0)
        return raw / np.linalg.norm(raw, axis=1, keepdims=True)

    return run


def batches(mel: np.ndarray) -> list[np.ndarray]:
    spans = embed.window_spans([(0.0, len(mel) * embed.FRAME_S)])
    length = int(round(embed.WINDOW_S / embed.FRAME_S))
    starts = [min(int(round(a / embed.FRAME_S)), len(mel) - length) for a, _ in spans]
    wins = np.stack([mel[s:s + length] for s in starts])
    return [wins[i:i + embed.BATCH] for i in range(0, len(wins), embed.BATCH)]


def timed(fn, *args):
    c, w = time.process_time(), time.perf_counter()
    out = fn(*args)
    return out, time.process_time() - c, time.perf_counter() - w


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    import torch
    from resemblyzer import VoiceEncoder
    from resemblyzer.audio import wav_to_mel_spectrogram

    ours, ref = GE2E.load(), VoiceEncoder("cpu", verbose=False)
    with np.load(ours.model.file(), allow_pickle=False) as npz:
        alt = numpy_encoder({k: npz[k] for k in npz.files})
    wavs = []
    for f in FILES[:1] if args.quick else FILES:
        x, rate = sf.read(str(MEDIA / f), dtype="float32", always_2d=True)
        assert rate == 16000, f
        wavs.append(ge2e_audio.normalize_volume(x.mean(axis=1)))
    seconds = sum(len(w) for w in wavs) / 16000
    wav_to_mel_spectrogram(wavs[0][:16000]), ge2e_audio.mel_spectrogram(wavs[0][:16000])  # warm-up (librosa: ~1 s)
    mels, mel_cpu, mel_wall = timed(lambda: [ge2e_audio.mel_spectrogram(w) for w in wavs])
    _, lib_cpu, lib_wall = timed(lambda: [wav_to_mel_spectrogram(w) for w in wavs])
    work = [b for m in mels for b in batches(m)]
    n = sum(len(b) for b in work)
    ours(work[0][:2])
    with torch.no_grad():
        ref(torch.from_numpy(work[0][:2]))

        def run_torch():
            return [ref(torch.from_numpy(b)).numpy() for b in work]

        want, t_cpu, t_wall = timed(run_torch)
    got, o_cpu, o_wall = timed(lambda: [ours(b) for b in work])
    alt(work[0][:2])
    _, n_cpu, n_wall = timed(lambda: [alt(b) for b in work])
    cos = min(float(np.min(np.sum(a * b, axis=1))) for a, b in zip(got, want))
    print(f"ge2e.windows {n} (1.5 s every 0.5 s over {seconds:.0f} s of audio, {len(work)} batches of <= {embed.BATCH}; "
          f"threads: torch {torch.get_num_threads()}, cores {os.cpu_count()})")
    print(f"ge2e.onnxruntime.cpu_s {o_cpu:.2f} (wall {o_wall:.2f} s)")
    print(f"ge2e.torch.cpu_s {t_cpu:.2f} (wall {t_wall:.2f} s)")
    print(f"ge2e.numpy.cpu_s {n_cpu:.2f} (wall {n_wall:.2f} s)")
    print(f"ge2e.torch_over_onnxruntime.cpu {t_cpu / o_cpu:.2f}x (wall {t_wall / o_wall:.2f}x)")
    print(f"ge2e.numpy_over_onnxruntime.cpu {n_cpu / o_cpu:.2f}x (wall {n_wall / o_wall:.2f}x)")
    print(f"ge2e.min_cosine_onnxruntime_vs_torch {cos:.7f}")
    print(f"mel.numpy.cpu_s {mel_cpu:.3f} (wall {mel_wall:.3f} s); librosa {lib_cpu:.3f} (wall {lib_wall:.3f} s); "
          f"librosa/numpy {lib_cpu / mel_cpu:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
