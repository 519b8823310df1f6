"""What report.html adds to a run: measured on a real clip, and on 10 minutes of 720p media.

1. Runs the ``interview`` preset on a 720p clip with audio (``liveportrait/s18.mp4``), and times
   the report alone on the finished bundle: report seconds / run seconds.
2. Loops that clip's anonymized media to 10 minutes (stream copy) and times the report on it:
   thumbnails are a fixed number of seeks and the loudness strip decodes the audio once, so the
   report's cost grows far slower than the run's.  The 10-minute run time is estimated from the
   clip's run time per second of media (say so in the figure); ``--full`` runs it for real.
One line per figure.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLIP = REPO.parent / "shared" / "media" / "video" / "liveportrait" / "s18.mp4"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", type=Path, default=CLIP)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--full", action="store_true", help="run the pipeline on the long media too (slow)")
    a = ap.parse_args()
    from mediaanon import pipeline, runner
    from mediaanon.review import report
    from mediaanon.stage import RunContext

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pipe = pipeline.load("interview", RunContext(), [])
        t0 = time.monotonic()
        res = runner.run([a.clip], tmp / "out", pipe)[0]
        run_s = time.monotonic() - t0
        bundle = res.path
        doc = json.loads((bundle / "processing_log.json").read_text())
        dur = float(doc["input"]["duration"])
        t0 = time.monotonic()
        report.render(bundle, doc)
        rep_s = time.monotonic() - t0
        print(f"clip {a.clip.name} ({dur:.1f} s): run {run_s:.1f} s, report {rep_s:.2f} s = "
              f"{100 * rep_s / run_s:.1f} % of the run")
        long = tmp / "long"
        long.mkdir()
        secs = a.minutes * 60
        subprocess.run(["ffmpeg", "-v", "error", "-stream_loop", str(int(secs / dur) + 1), "-i",
                        str(bundle / "media.mp4"), "-t", f"{secs:.0f}", "-c", "copy", str(long / "media.mp4")],
                       check=True)
        shutil.copy(bundle / "transcript.json", long / "transcript.json")
        doc["input"]["duration"] = secs
        t0 = time.monotonic()
        report.render(long, doc)
        long_rep = time.monotonic() - t0
        if a.full:
            src = tmp / "long_input.mp4"
            subprocess.run(["ffmpeg", "-v", "error", "-stream_loop", str(int(secs / dur) + 1), "-i", str(a.clip),
                            "-t", f"{secs:.0f}", "-c", "copy", str(src)], check=True)
            t0 = time.monotonic()
            runner.run([src], tmp / "out_long", pipe)
            long_run, how = time.monotonic() - t0, "measured"
        else:
            long_run, how = run_s * secs / dur, "estimated from the clip's run time per second"
        pipe.close()
        print(f"{a.minutes:.0f} min of 720p: report {long_rep:.2f} s, run {long_run:.0f} s ({how}) = "
              f"{100 * long_rep / long_run:.2f} % of the run (target <= 5 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
