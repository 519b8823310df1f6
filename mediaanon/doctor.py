"""``mediaanon doctor``: what will actually run on this machine, and why not.

GPU probes run in a subprocess: a CUDA/cuDNN mismatch can abort the process
that loads it (faster-whisper #516, #1182), and the doctor must survive to
say so.  Every line states the effective choice, not a capability list.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mediaanon import __version__

GPU_PROBE = r"""
import json
out = {}
try:
    import torch
    out["torch_cuda"] = bool(torch.cuda.is_available())
    out["torch_device"] = torch.cuda.get_device_name(0) if out["torch_cuda"] else ""
except Exception as e:
    out["torch_error"] = type(e).__name__ + ": " + str(e)[:200]
try:
    import ctranslate2
    out["ct2_cuda_devices"] = ctranslate2.get_cuda_device_count()
except Exception as e:
    out["ct2_error"] = type(e).__name__ + ": " + str(e)[:200]
try:
    import onnxruntime
    out["ort_providers"] = onnxruntime.get_available_providers()
except Exception as e:
    out["ort_error"] = type(e).__name__ + ": " + str(e)[:200]
print(json.dumps(out))
"""


def gpu_facts(timeout: float = 120.0) -> dict:
    """Probe torch / CTranslate2 / onnxruntime GPU support in a child process."""
    try:
        proc = subprocess.run([sys.executable, "-c", GPU_PROBE], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "GPU probe timed out"}
    if proc.returncode != 0:
        return {"error": f"GPU probe crashed (exit {proc.returncode}); CUDA libraries are probably mismatched"}
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "GPU probe gave no answer"}


def report(models_dir: Path | None = None) -> tuple[bool, list[str]]:
    """(everything needed for the default pipelines is present, lines to print)."""
    from mediaanon import models
    from mediaanon.errors import MediaanonError
    from mediaanon.media import ffmpeg

    ok = True
    lines = [f"mediaanon {__version__} on Python {sys.version.split()[0]}"]
    try:
        exe = ffmpeg.ffmpeg_binary()
        origin = "bundled with imageio-ffmpeg" if "imageio_ffmpeg" in exe else "system"
        lines.append(f"ffmpeg      ok        {origin}: {exe} ({ffmpeg.version()})")
    except MediaanonError as exc:
        ok = False
        lines.append(f"ffmpeg      MISSING   {exc.one_line()}")
    probe = ffmpeg.ffprobe_binary()
    lines.append(f"ffprobe     {'ok       ' + probe if probe else 'absent    inputs are probed with PyAV instead'}")
    for name, status, detail in models.verify_all(models_dir):
        if status in ("missing", "mismatch"):
            ok = False
        lines.append(f"model       {status:9} {name}: {detail}")
    g = gpu_facts()
    if "error" in g:
        lines.append(f"gpu         WARNING   {g['error']}; everything runs on the CPU")
    else:
        torch_dev = f"CUDA ({g['torch_device']})" if g.get("torch_cuda") else "CPU (torch sees no CUDA device)"
        ct2_dev = "CUDA float16" if g.get("ct2_cuda_devices") else "CPU int8 (CTranslate2 sees no CUDA device)"
        providers = g.get("ort_providers", [])
        ort_dev = ("CUDAExecutionProvider" if "CUDAExecutionProvider" in providers else
                   "CPUExecutionProvider (install onnxruntime-gpu for CUDA)")
        lines.append(f"transcribe  faster-whisper engine will run on {ct2_dev}")
        if "torch_error" in g:  # PyTorch comes only with the extra
            lines.append("transcribe  openai-whisper engine not installed (pip install 'mediaanon[openai-whisper]')")
        else:
            lines.append(f"transcribe  openai-whisper engine will run on {torch_dev}")
        lines.append(f"blur_faces  CenterFace will run on {ort_dev}")
        lines.append("speakers    GE2E (Resemblyzer) encoder will run on onnxruntime, CPU (diarization, voice similarity)")
    lines.append("network     blocked during runs (only `mediaanon models fetch` downloads)")
    lines.append("verdict     " + ("ready" if ok else "NOT READY: fix the lines marked MISSING/mismatch"))
    return ok, lines
