"""Benchmark: peak memory of face masking on a >= 10-minute 720p video stays flat.

    python bench/face_memory.py              # 10 min of 720p (a real clip looped), fast settings
    python bench/face_memory.py --minutes 2  # shorter
    python bench/face_memory.py --default-settings   # our defaults (about 30+ min on 2 cores)

The long video is made in /tmp by looping ``video/liveportrait/s18.mp4`` (1280x720, 30 fps, with
audio) with ffmpeg stream copy, never in the repository.  ``mediaanon run -p faces`` processes it in
a child process whose resident memory (RSS, the child's Python process; ffmpeg muxing is a separate
short process) is sampled every 0.5 s.  "Flat" means the peak is within 10 % (and 64 MB) of the
level reached after the first minute of frames: frames stream through bounded queues and the
tracker's lookahead, nothing grows with the recording's length.

To keep the run near 10 minutes on this 2-core machine, the detector runs at 320 px (long side),
x264 at ``ultrafast`` and verification on every 10th frame; these change how fast frames flow, not
how many are held.  ``--default-settings`` uses the real defaults instead.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media"))
CLIP = "video/liveportrait/s18.mp4"


def make_long(dst: Path, minutes: float) -> float:
    from mediaanon.faces.video import frame_times
    from mediaanon.media import ffmpeg

    src = MEDIA / CLIP
    clip_s = frame_times(src)[-1] + 1 / 30
    loops = int(minutes * 60 / clip_s) + 1
    subprocess.run([ffmpeg.ffmpeg_binary(), "-v", "error", "-y", "-stream_loop", str(loops - 1), "-i", str(src),
                    "-c", "copy", str(dst)], check=True)
    return loops * clip_s


def main() -> int:
    import psutil

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--default-settings", action="store_true")
    args = ap.parse_args()
    if not (MEDIA / CLIP).exists():
        print(f"face_memory: skipped, {MEDIA / CLIP} not present")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench_mem_"))
    video = tmp / "long_720p.mp4"
    seconds = make_long(video, args.minutes)
    sets = [] if args.default_settings else [
        "--set", "blur_faces.detector_size=320", "--set", "blur_faces.preset=ultrafast",
        "--set", "blur_faces.verify_every=10"]
    argv = [sys.executable, "-m", "mediaanon", "run", "-p", "faces", "-o", str(tmp / "out"), "-q", *sets, str(video)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    samples: list[tuple[float, int]] = []
    while proc.poll() is None:
        try:
            samples.append((time.perf_counter() - t0, ps.memory_info().rss))
        except psutil.Error:
            break
        time.sleep(0.5)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        print(f"face_memory: mediaanon failed ({proc.returncode}): {err[-500:]}")
        return 1
    frames = round(seconds * 30)
    mib = 1 << 20
    peak = max(r for _, r in samples)
    settle = [r for t, r in samples if t >= min(60.0, wall * 0.1)]
    level = settle[0] if settle else peak
    late = [r for t, r in samples if t >= wall * 0.9]
    flat = peak <= max(level * 1.10, level + 64 * mib)
    mode = "default settings" if args.default_settings else "detector 320px, x264 ultrafast, verify every 10th frame"
    print(f"faces.peak_rss_mb {peak / mib:.0f} (after 1 min {level / mib:.0f} MB, last 10 % of the run "
          f"{max(late) / mib if late else 0:.0f} MB: {'flat' if flat else 'GROWING'}; {seconds / 60:.1f} min "
          f"1280x720 30 fps, {frames} frames in {wall:.0f} s; {mode})")
    return 0 if flat else 1


if __name__ == "__main__":
    raise SystemExit(main())
