"""Benchmark: face-masking throughput, mediaanon vs the deface CLI, same clips, same run.

    python bench/faces.py            # two 720p clips (462 frames) x two detector sizes, both deface backends
    python bench/faces.py --quick    # one 720p clip (180 frames), 640x360 only, deface's OpenCV backend

Both tools run as the command a user types, end to end, on the same file:

- ``deface --keep-audio [--backend opencv] [--scale 640x360] -o OUT IN``
- ``mediaanon run -p faces --set blur_faces.detector_size=... -o DIR IN`` (our defaults otherwise:
  tracking, solid fill, veryfast x264 at CRF 18, BlazeFace verification of every frame, audio copied,
  metadata stripped, processing log written).

"Equal detector resolution": deface's default feeds the frame at its own size (rounded up to a
multiple of 32: 1280x736 for 720p) and ``--scale 640x360`` gives 640x384; ours is set to the same
(``native`` / ``640x360``).  deface picks onnxruntime when the ``onnx`` package is installed (it is,
here), and its OpenCV backend is faster on this machine, so both are timed and the ratio is taken
against deface's *faster* backend.  frames/s = frames of the clip / wall seconds of the whole command
(start-up and model loading included for both).  CPU time per frame (user + system, the tool and
every process it starts) is printed too: it is much less sensitive to other jobs on the machine than
wall time, and on an idle 2-core machine throughput is bounded by it.  Our stage's own frames/s
(without start-up, without verification) comes from the processing log.

The machine has no GPU, so there is no GPU figure.  Other work on the machine competes for the two
cores; runs of the two tools are interleaved so both see the same conditions, and ratios are the
figure to read.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media"))

CLIPS = ["video/liveportrait/s18.mp4", "video/liveportrait/s32.mp4"]  # 1280x720, 30 fps, one face, audio
SIZES = {"native": None, "640x360": "640x360"}


def frames_of(path: Path) -> int:
    from mediaanon.faces.video import frame_times

    return len(frame_times(path))


def timed(argv: list[str], **kw) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; (result, wall seconds, CPU seconds of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return proc, wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_deface(src: Path, out: Path, scale: str | None, backend: str) -> tuple[float, float]:
    argv = ["deface", "--keep-audio", "-o", str(out)]
    if scale:
        argv += ["--scale", scale]
    if backend != "auto":
        argv += ["--backend", backend]
    proc, wall, cpu = timed(argv + [str(src)])
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"deface failed on {src.name}: {proc.stderr[-500:]}")
    return wall, cpu


def run_ours(src: Path, outdir: Path, size: str) -> tuple[float, float, dict]:
    argv = [sys.executable, "-m", "mediaanon", "run", "-p", "faces", "-o", str(outdir), "--overwrite", "-q",
            "--set", f"blur_faces.detector_size={size}", str(src)]
    proc, wall, cpu = timed(argv, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"mediaanon failed on {src.name}: {proc.stderr[-800:]}")
    log = json.loads((outdir / src.stem / "processing_log.json").read_text())
    stage = next(s for s in log["stages"] if s["name"] == "blur_faces")
    return wall, cpu, stage["summary"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one clip, 640x360, deface's OpenCV backend only")
    ap.add_argument("--repeat", type=int, default=1, help="interleaved repetitions; the median is reported")
    args = ap.parse_args()
    if not MEDIA.is_dir():
        print(f"faces: skipped, {MEDIA} not present")
        return 0
    clips = [MEDIA / c for c in (CLIPS[1:] if args.quick else CLIPS)]
    missing = [c for c in clips if not c.exists()]
    if missing:
        print(f"faces: skipped, missing {', '.join(str(m) for m in missing)}")
        return 0
    sizes = {"640x360": "640x360"} if args.quick else SIZES
    backends = ["opencv"] if args.quick else ["opencv", "auto"]
    import onnxruntime

    tmp = Path(tempfile.mkdtemp(prefix="bench_faces_"))
    frames = sum(frames_of(c) for c in clips)
    names = "+".join(c.name for c in clips)
    for size, scale in sizes.items():
        det = {"native": "1280x736", "640x360": "640x384"}[size]
        runs: dict[str, list[tuple[float, float]]] = {"ours": [], **{b: [] for b in backends}}
        stage_fps, verify_s, blur_s = [], [], []
        for _ in range(max(1, args.repeat)):
            tot = {k: [0.0, 0.0] for k in runs}
            sf = ss = ver = 0.0
            for c in clips:  # interleaved per clip, so both tools see the same background load
                for b in backends:
                    w, cpu = run_deface(c, tmp / f"deface_{b}_{c.name}", scale, b)
                    tot[b][0] += w
                    tot[b][1] += cpu
                w, cpu, summ = run_ours(c, tmp / "ours", size)
                assert summ["detector_size"] == det, summ["detector_size"]
                tot["ours"][0] += w
                tot["ours"][1] += cpu
                sf += summ["frames"]
                ss += summ["seconds"]
                ver += summ.get("verify", {}).get("seconds", 0.0)
            for k, (w, cpu) in tot.items():
                runs[k].append((w, cpu))
            stage_fps.append(sf / ss)
            verify_s.append(ver)
            blur_s.append(ss)
        fps = {k: frames / statistics.median(w for w, _ in v) for k, v in runs.items()}
        cpu_ms = {k: 1000 * statistics.median(c for _, c in v) / frames for k, v in runs.items()}
        best = max(backends, key=lambda b: fps[b])
        label = {"opencv": "opencv backend", "auto": "onnxruntime backend (its default here)"}
        print(f"faces.fps_ratio_vs_deface[{size}] {fps['ours'] / fps[best]:.2f} "
              f"(ours {fps['ours']:.1f} fps, deface {fps[best]:.1f} fps [{label[best]}], detector {det}, "
              f"1280x720, {frames} frames: {names})")
        for b in backends:
            if b != best:
                print(f"faces.fps_ratio_vs_deface_{'onnxrt' if b == 'auto' else b}[{size}] "
                      f"{fps['ours'] / fps[b]:.2f} (ours {fps['ours']:.1f} fps, deface {fps[b]:.1f} fps [{label[b]}])")
        for b in backends:
            print(f"faces.cpu_ratio_vs_deface_{'onnxrt' if b == 'auto' else b}[{size}] {cpu_ms[b] / cpu_ms['ours']:.2f} "
                  f"(CPU time per frame, all processes: ours {cpu_ms['ours']:.0f} ms, deface {cpu_ms[b]:.0f} ms)")
        print(f"faces.stage_fps[{size}] {statistics.median(stage_fps):.1f} (masking+encoding only, without start-up "
              f"and verification; verification {statistics.median(verify_s):.1f} s of "
              f"{statistics.median(blur_s) + statistics.median(verify_s):.1f} s stage time)")
    gpu = "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    if not gpu:
        print("faces.gpu n/a (onnxruntime has no CUDAExecutionProvider on this machine)")
    print(f"faces.note load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end "
          f"(other jobs compete; read the ratios)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
