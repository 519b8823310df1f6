"""Benchmark: a small study processed with --jobs 1 and --jobs 2, and a rerun with everything done.

    python bench/batch.py            # 6 recordings (3 audio, 3 video with speech), about 3 minutes of media
    python bench/batch.py --quick    # 3 shorter recordings (about 1 minute of media)

The recordings are cut from ``../shared/media`` with ffmpeg into /tmp (never the repository).
Each configuration runs ``mediaanon run -p interview`` (faces, transcript, redaction, bleeping)
as a child process on the same inputs in the same run, so the figures are ratios on the same
machine at the same time: recordings per hour for ``--jobs 1`` (the baseline: how one command
processed a study before) and ``--jobs 2``, the speed-up, the rerun's time as a share of the first
run (every bundle verifies, so no model may load), and the peak RSS of each worker (from the
``--events`` file, which carries each worker's ``ru_maxrss``).  CPU use (user + system seconds of
all children over wall seconds x cores) says what limits the speed-up: when the single job
already keeps the cores busy, a second worker can only fill the gaps (model loading, ffmpeg
muxing, single-threaded Python stretches), and it costs a second copy of the models in memory.
One line per figure.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media"))

# (source, start, seconds, output name); video sources keep their speech track
FULL = [
    ("audio/pyannote/sample.wav", 0, 30, "a1_two_speakers.wav"),
    ("audio/resemblyzer/interview_X2zqiX6yL3I.mp3", 0, 60, "a2_interview.mp3"),
    ("audio/lhotse/ami_ES2011a.Headset-0-40s-46s.wav", 0, 6, "a3_intro.wav"),
    ("video/sadtalker/WDA_KatieHill_000.mp4", 0, 8, "v1_talking_head.mp4"),
    ("video/sadtalker/WDA_AlexandriaOcasioCortez_000.mp4", 0, 8, "v2_talking_head.mp4"),
    ("video/liveportrait/s18.mp4", 0, 20, "v3_portrait.mp4"),
]
QUICK = [FULL[2], FULL[3], ("audio/pyannote/sample.wav", 0, 15, "a1_two_speakers.wav")]


def make_inputs(spec: list[tuple[str, int, int, str]], folder: Path) -> float:
    from mediaanon.media import ffmpeg
    from mediaanon.media.probe import probe

    total = 0.0
    for src, start, seconds, name in spec:
        dst = folder / name
        subprocess.run([ffmpeg.ffmpeg_binary(), "-v", "error", "-y", "-ss", str(start), "-t", str(seconds),
                        "-i", str(MEDIA / src), "-map_metadata", "-1", str(dst)], check=True)
        total += probe(dst).duration
    return total


def run(inputs: Path, outdir: Path, jobs: int, events: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the children, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "mediaanon", "run", str(inputs), "-o", str(outdir), "-p", "interview",
                           "--jobs", str(jobs), "--events", str(events), "-q"],
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 4):
        print(proc.stderr[-2000:], file=sys.stderr)
    return wall, cpu, proc.returncode


def worker_rss(events: Path) -> dict[int, float]:
    out: dict[int, float] = {}
    for line in events.read_text().splitlines():
        e = json.loads(line)
        if e["event"] in ("recording_done", "recording_failed") and "worker" in e:
            out[e["worker"]] = max(out.get(e["worker"], 0.0), e.get("peak_rss_mb", 0.0))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 short recordings")
    ap.add_argument("--keep", action="store_true", help="keep the /tmp folder")
    args = ap.parse_args()
    if not MEDIA.is_dir():
        print(f"batch: skipped, {MEDIA} not present")
        return 0
    sys.path.insert(0, str(REPO))
    spec = QUICK if args.quick else FULL
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    inputs = tmp / "in"
    inputs.mkdir()
    media_s = make_inputs(spec, inputs)
    cores = len(os.sched_getaffinity(0))
    n = len(spec)
    print(f"batch: {n} recordings, {media_s:.1f} s of media, preset interview, {cores} cores,"
          f" load average {os.getloadavg()[0]:.1f} at start (a shared machine: figures as measured)")
    walls: dict[int, float] = {}
    for jobs in (1, 2):
        out = tmp / f"out{jobs}"
        wall, cpu, rc = run(inputs, out, jobs, tmp / f"events{jobs}.jsonl")
        walls[jobs] = wall
        done = sum(1 for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
        print(f"batch: jobs={jobs}: {wall:.1f} s wall, {done}/{n} bundles (exit {rc}), "
              f"{n / wall * 3600:.1f} recordings/hour, {media_s / wall:.2f}x realtime, "
              f"CPU use {cpu / wall / cores * 100:.0f} % of {cores} cores")
        rss = worker_rss(tmp / f"events{jobs}.jsonl")
        print(f"batch: jobs={jobs}: peak RSS per worker: " + ", ".join(f"worker {w} {mb:.0f} MB"
                                                                       for w, mb in sorted(rss.items())))
    print(f"batch: speed-up jobs=2 / jobs=1: {walls[1] / walls[2]:.2f}x (load average now {os.getloadavg()[0]:.1f})")
    wall, _, rc = run(inputs, tmp / "out1", 1, tmp / "events_rerun.jsonl")
    loaded = json.loads((tmp / "events_rerun.jsonl").read_text().splitlines()[-1]).get("loaded_models")
    print(f"batch: rerun with every bundle done: {wall:.2f} s = {wall / walls[1] * 100:.1f} % of the jobs=1 first run"
          f" (models loaded: {bool(loaded)}, exit {rc})")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
