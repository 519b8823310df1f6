"""False alarms of the face check on clean outputs, before and after judging hits against our masks.

Runs the ``faces`` preset over every real clip in ``../shared/media/video``
(or the first three with ``--quick``) and prints, per clip, one line:
BlazeFace hit frames as the old check reported them (every hit a "residual
face"), hits discounted as lying on our own masks, frames repaired, and what
is left unresolved after the repair passes (the verdict's face reasons).
``--threshold`` raises CenterFace's threshold to make it miss faces, so that
the repair of real residual faces can be measured on the same clips.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MEDIA = REPO.parent / "shared" / "media" / "video"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="three short clips only")
    ap.add_argument("--threshold", type=float, default=None, help="CenterFace threshold (default: the stage's)")
    ap.add_argument("--out", type=Path, help="keep the bundles here (to look at the frames of each hit)")
    ap.add_argument("clips", nargs="*", type=Path)
    a = ap.parse_args()
    from mediaanon import pipeline, runner
    from mediaanon.stage import RunContext

    clips = a.clips or sorted(MEDIA.rglob("*.mp4"))
    if a.quick and not a.clips:
        clips = [MEDIA / "liveportrait" / n for n in ("s18.mp4", "d18.mp4", "s32.mp4")]
    sets = ["output.report=false"] + ([f"blur_faces.threshold={a.threshold}"] if a.threshold else [])
    pipe = pipeline.load("faces", RunContext(), sets)
    totals = dict(clips=0, before=0, on_masks=0, residual=0, repaired=0, unresolved=0)
    clips = sorted(clips, key=lambda c: c.stat().st_size)  # small first: partial results come early
    with tempfile.TemporaryDirectory() as tmp:
        out = a.out or Path(tmp)
        t0 = time.monotonic()
        for clip in clips:  # one at a time, each line printed as soon as its clip is done
            for r in runner.run([clip], out, pipe):
                _line(r, totals)
        pipe.close()
        print(f"total over {totals['clips']} clips: {totals['before']} frames with hits before, "
              f"{totals['on_masks']} hits on our masks, {totals['residual']} frames with residual hits repaired in "
              f"pass 1 ({totals['repaired']} over all passes), {totals['unresolved']} unresolved; "
              f"{time.monotonic() - t0:.0f} s", flush=True)
    return 0


def _line(r, totals: dict) -> None:
    if r.status != "done":
        print(f"{r.id}: {r.status} {r.message}", flush=True)
        return
    log = json.loads((r.path / "processing_log.json").read_text())
    v = log["stages"][0]["summary"]["verify"]
    print(f"{r.id}: hit frames (old check: residual faces) {v['residual_frames']}, hits on our masks "
          f"{v['hits_on_masks']}, frames repaired {sum(x['frames'] for x in v['repairs'])} in {v['repair_passes']} "
          f"pass(es) {[x['ranges'] for x in v['repairs']][:1]}, unresolved faces {v['unresolved_faces']} "
          f"{v['unresolved_ranges']}, verdict {log['verdict']['status']}", flush=True)
    totals["clips"] += 1
    totals["before"] += v["residual_frames"]  # first scan: every hit frame
    totals["on_masks"] += v["hits_on_masks"]
    totals["residual"] += v["repairs"][0]["frames"] if v["repairs"] else 0
    totals["repaired"] += sum(x["frames"] for x in v["repairs"])
    totals["unresolved"] += v["unresolved_faces"]


if __name__ == "__main__":
    sys.exit(main())
