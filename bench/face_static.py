"""Benchmark: sparser detection in static shots (``static_every``) - detector runs, CPU, and no face lost.

    python bench/face_static.py              # the 60-s interview clip of bench/e2e.py + 14 real clips
    python bench/face_static.py --quick      # a 20-s interview clip, static_every 2 and 4 only
    python bench/face_static.py --seconds 229 --every 2,4

Why: in a talking-head interview the camera does not move and little of the picture changes, yet
the detector ran on every other frame.  ``blur_faces`` runs it on every ``static_every``-th frame
while the shot is static and the detector's recent runs agree (:mod:`mediaanon.faces.motion`: the
schedule and its gate); this measures what that saves and checks it loses nothing.

For each clip the ``blur_faces`` stage's own settings (verification off: it does not change what
CenterFace found) run with ``detect_every`` 2 and ``static_every`` 2 (= off, the stride before) and
each value asked for, and once with ``detect_every=1 static_every=1`` (the detector on every frame):
the ground truth (at the full detector size, with ``mask_scale`` 1, ``max_gap`` 0 and ``lead`` 0:
its masks are its detections, false alarms included - CenterFace finds a "face" in a flower pot of
the interview clip on a few frames, which a stride of 2 misses as well).  A face-frame is one such
box; it counts as covered when a 7x7 grid of points over it lies inside the masks (ellipses) a run
drew on that frame.  "lost" counts the face-frames static_every 2 covers and the value does not:
the figure that must be 0.  Printed per value: detector runs, frames scheduled
sparsely, CPU seconds of the masking loop (its ``cpu_seconds``: decode, detect, track, mask, encode)
and coverage, with the ratios to static_every 2 of the same run.

Clips: the interview clip of ``bench/e2e.py`` (``video/liveportrait/s18.mp4`` looped) and the other
real clips of ``video/``.  Held out: the thresholds (``motion.STILL``, ``motion.CALM``) were chosen
looking at s18, d0, d13, d18, s13, s20, the sadtalker KatieHill clip, the facenet street scene, the
hamilton clip and MOT20 ("tuned"); the other clips ("held-out") were never looked at.  Both printed.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.e2e import FACE_CLIP, MEDIA, make_clip  # noqa: E402

TUNED = ["liveportrait/d0.mp4", "liveportrait/d13.mp4", "liveportrait/d18.mp4", "liveportrait/s13.mp4",
         "liveportrait/s20.mp4", "sadtalker/WDA_KatieHill_000.mp4", "facenet/video.mp4",
         "face_recognition_short_hamilton_clip.mp4", "dlib_MOT20-05-raw_even_shorter.mp4"]
HELD_OUT = ["liveportrait/d3.mp4", "liveportrait/d6.mp4", "liveportrait/d9.mp4", "liveportrait/d10.mp4",
            "liveportrait/d14.mp4", "liveportrait/d19.mp4", "liveportrait/d20.mp4", "liveportrait/s29.mp4",
            "liveportrait/s32.mp4", "sadtalker/WDA_AlexandriaOcasioCortez_000.mp4"]


def covered(face: tuple, masks: list, size: tuple[int, int], grid: int = 7) -> bool:
    """Whether a grid of points over ``face`` (clipped to the frame) lies inside the union of the masks' ellipses."""
    x1, y1, x2, y2 = max(0.0, face[0]), max(0.0, face[1]), min(size[0] - 1.0, face[2]), min(size[1] - 1.0, face[3])
    if x2 <= x1 or y2 <= y1:
        return True  # not in the picture
    xs, ys = np.meshgrid(np.linspace(x1, x2, grid), np.linspace(y1, y2, grid))
    inside = np.zeros(xs.shape, bool)
    for m in masks:
        cx, cy, rx, ry = (m[0] + m[2]) / 2, (m[1] + m[3]) / 2, (m[2] - m[0]) / 2, (m[3] - m[1]) / 2
        if rx > 0 and ry > 0:
            inside |= ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1.0 + 1e-9
    return bool(inside.all())


def coverage(truth: dict, masks: dict, size: tuple[int, int]) -> dict[tuple[int, int], bool]:
    """(frame, box number) -> covered, for the every-frame run's face boxes ``truth`` by ``masks``."""
    return {(i, k): covered(b, masks.get(i, []), size) for i, boxes in truth.items() for k, b in enumerate(boxes)}


def run(stage_options: dict, src: Path, dst: Path):
    from mediaanon.stage import RunContext
    from mediaanon.stages.blur_faces import BlurFaces

    stage = BlurFaces({"verify": False, **stage_options}, RunContext())
    try:
        rep, _pts, info = stage.blurrer.process_video(src, dst)
    finally:
        stage.close()
    return rep, (info.width, info.height), stage.options.mask_scale


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 20-s interview clip, static_every 2 and 4, no other clips")
    ap.add_argument("--seconds", type=float, default=0, help="interview clip length (default 60, --quick 20)")
    ap.add_argument("--every", default="", help="static_every values, comma-separated (default 2,3,4,6; --quick 2,4)")
    ap.add_argument("--no-clips", action="store_true", help="the interview clip only")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a blur_faces option for every compared run (not the every-frame truth), e.g. full_every=12")
    args = ap.parse_args()
    if not (MEDIA / FACE_CLIP).exists():
        print(f"face_static: skipped, {MEDIA / FACE_CLIP} not present")
        return 0
    values = [int(v) for v in (args.every or ("2,4" if args.quick else "2,3,4,6")).split(",")]
    values = [2] + [v for v in values if v != 2]
    seconds = args.seconds or (20.0 if args.quick else 60.0)
    work = Path(tempfile.mkdtemp(prefix="bench_static_"))
    try:
        measure(args, values, seconds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def measure(args: argparse.Namespace, values: list[int], seconds: float, work: Path) -> None:
    clips = [("interview", "tuned", make_clip(work / "interview_720p.mp4", seconds))]
    if not (args.quick or args.no_clips):
        clips += [(rel, split, MEDIA / "video" / rel) for split, rels in (("tuned", TUNED), ("held-out", HELD_OUT))
                  for rel in rels if (MEDIA / "video" / rel).exists()]
    sums: dict[tuple[str, int], list[int]] = {}
    extra = dict(kv.split("=", 1) for kv in args.set)  # strings: the stage's options parser converts them
    for name, split, src in clips:
        # the every-frame run's own detections (no mask growth, no held or interpolated masks)
        truth, size, _ = run({"detect_every": 1, "static_every": 1, "coarse_size": "off", "mask_scale": 1.0,
                              "max_gap": 0, "lead": 0}, src, work / "every1.mp4")
        before: dict = {}
        base = None
        for v in values:
            t0 = time.perf_counter()
            rep, _, _ = run({**extra, "detect_every": 2, "static_every": v}, src, work / f"s{v}.mp4")
            wall = time.perf_counter() - t0
            cov = coverage(truth.masks, rep.masks, size)
            before = before or cov
            hit, total, lost = sum(cov.values()), len(cov), sum(before[k] and not c for k, c in cov.items())
            cpu = rep.cpu.get("total", 0.0)
            base = base or (rep.detector_runs, cpu)
            acc = sums.setdefault((split, v), [0, 0, 0, 0, 0])
            for j, x in enumerate((hit, total, rep.detector_runs, rep.frames, lost)):
                acc[j] += x
            if name == "interview":
                phases = ", ".join(f"{k} {x:.1f}" for k, x in rep.cpu.items() if k != "total")
                print(f"face_static[interview {seconds:.0f} s] static_every {v}: detector runs {rep.detector_runs} "
                      f"of {rep.frames} frames ({rep.detector_runs / base[0]:.3f}x of static_every 2), "
                      f"static frames {rep.static_frames}, CPU {cpu:.1f} s ({cpu / base[1]:.3f}x; {phases}), "
                      f"wall {wall:.1f} s, coverage of the every-frame masks {100 * hit / max(1, total):.2f}% "
                      f"({hit}/{total} face-frames, lost vs static_every 2: {lost}; every-frame run: "
                      f"{truth.detector_runs} runs, {truth.cpu.get('total', 0):.1f} CPU s)")
            elif lost:
                print(f"face_static[{name}] static_every {v}: {lost} face-frames lost vs static_every 2 "
                      f"(frames {sorted({i for (i, _k), c in cov.items() if before[(i, _k)] and not c})[:20]})")
    for split in ("tuned", "held-out"):
        for v in values:
            if (split, v) in sums and (split != "tuned" or len(clips) > 1):
                hit, total, runs, frames, lost = sums[(split, v)]
                print(f"face_static[{split} clips{' + interview' if split == 'tuned' else ''}] static_every {v}: "
                      f"coverage {100 * hit / max(1, total):.2f}% ({hit}/{total} face-frames, "
                      f"lost vs static_every 2: {lost}), detector runs {runs} of {frames} frames")


if __name__ == "__main__":
    sys.exit(main())
