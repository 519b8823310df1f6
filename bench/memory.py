"""Benchmark: peak memory of the default ``interview`` preset on a long interview, flat in duration.

    python bench/memory.py --minutes 60                 # the issue's 60-minute 720p interview
    python bench/memory.py --minutes 60 --audio-only    # the same interview's audio track only
    python bench/memory.py --minutes 5                  # a shorter one, to compare levels

The interview is made in /tmp, never in the repository: a real talking head
(``video/liveportrait/s18.mp4``, 1280x720, 30 fps) looped by ffmpeg stream copy (no re-encode),
under the bundled two-voice interview (``samples/interview.flac``: names, a phone number, an
e-mail address) looped to the same length.  ``mediaanon run`` with the default preset (faces,
transcribe, diarize_speakers, redact_transcript, bleep_pii with its leak check, report) runs in a
child process; the resident memory of the whole process tree (mediaanon and every child it starts:
workers, ffmpeg) is sampled every second.

Printed: the peak, and the peak within each quarter of the run; "flat" means the last quarter's
peak is within 10 % (and 64 MB) of the first quarter's, so nothing grows with the recording's
length.  The peak of a short run beside a long one says the same across durations.
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
SPEECH = REPO / "samples" / "interview.flac"
NAMES = REPO / "samples" / "names.txt"
MIB = 1 << 20


def make_interview(dst: Path, seconds: float, audio_only: bool) -> None:
    """Loop the clip (stream copy) and the speech (AAC) to ``seconds``."""
    from mediaanon.media import ffmpeg

    if audio_only:
        argv = ["-stream_loop", "-1", "-i", str(SPEECH), "-t", f"{seconds}", "-c:a", "flac"]
    else:
        argv = ["-stream_loop", "-1", "-i", str(MEDIA / CLIP), "-stream_loop", "-1", "-i", str(SPEECH),
                "-map", "0:v", "-map", "1:a", "-t", f"{seconds}", "-c:v", "copy", "-c:a", "aac", "-b:a", "96k"]
    subprocess.run([ffmpeg.ffmpeg_binary(), "-v", "error", "-y", *argv, str(dst)], check=True)


def tree_rss(proc) -> int:
    """Resident bytes of ``proc`` and all its descendants (0 for any that vanished meanwhile)."""
    import psutil

    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in members:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def main() -> int:
    import psutil

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--audio-only", action="store_true", help="the interview's audio track only (FLAC)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder in /tmp")
    ap.add_argument("--trace", type=Path, help="write the samples (seconds, MiB) here, to line them up with the stages")
    args = ap.parse_args()
    if not args.audio_only and not (MEDIA / CLIP).exists():
        print(f"memory: skipped, {MEDIA / CLIP} not present")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench_memory_"))
    src = tmp / ("long_interview.flac" if args.audio_only else "long_interview_720p.mp4")
    seconds = args.minutes * 60
    make_interview(src, seconds, args.audio_only)
    argv = [sys.executable, "-m", "mediaanon", "run", str(src), "-o", str(tmp / "out"), "--names", str(NAMES), "-q"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    samples: list[tuple[float, int]] = []
    while proc.poll() is None:
        samples.append((time.perf_counter() - t0, tree_rss(ps)))
        time.sleep(1.0)
    wall = time.perf_counter() - t0
    if args.trace:
        args.trace.write_text("".join(f"{t:.1f}\t{r / MIB:.0f}\n" for t, r in samples))
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode not in (0, 4):  # 4: done, the verdict says review
        print(f"memory: mediaanon failed ({proc.returncode}): {err[-500:]}")
        return 1
    quarters = [max((r for t, r in samples if q * wall / 4 <= t < (q + 1) * wall / 4), default=0) for q in range(4)]
    peak = max(quarters)
    flat = quarters[3] <= max(quarters[0] * 1.10, quarters[0] + 64 * MIB)
    kind = "audio only (FLAC)" if args.audio_only else "1280x720 30 fps + AAC"
    print(f"memory: peak RSS {peak / MIB:.0f} MB (whole process tree) for a {args.minutes:.0f}-minute interview, "
          f"{kind}, default preset; {wall:.0f} s wall (RTF {wall / seconds:.2f}); exit {proc.returncode}")
    print(f"memory: peak per quarter of the run {' / '.join(f'{q / MIB:.0f}' for q in quarters)} MB: "
          f"{'flat' if flat else 'GROWING'}")
    if args.keep:
        print(f"memory: work folder {tmp}")
    return 0 if flat else 1


if __name__ == "__main__":
    raise SystemExit(main())
