"""Measurement: what CenterFace finds of ``bench/face_small.py``'s faces per detector input size and threshold.

    python bench/face_small_probe.py --quick                     # sizes 1280x736, 1920x1088, 2560x1472
    python bench/face_small_probe.py --quick --sizes 1280x736,2560x1472 --split tuned
    python bench/face_small_probe.py --quick --sizes 1280x736 --turned --every 5   # + the turned passes

Why: the coverage bench measures the whole loop (tracker, size plan); this isolates the detector, to
decide how a size-plan tier could reach the faces the full size misses (20 and 28 px, turned 35-60
degrees, blurred) before building it.  Every frame of the bench's own video is decoded as the blurrer
decodes it (``Picture.to_rgb`` at each input size) and run through one single-threaded CenterFace
session, so the CPU seconds per run compare sizes in the same run.

A true face counts as found in a frame when a box of score >= t has its centre within half the
face's side of the face's centre and a side 0.4-2.5x the face's; per segment, a face is "seen" when it
is found in at least one of its frames (the tracker carries a seen face through the segment's other
frames).  Unmatched boxes are counted too: small ones (side < 60 px) are false alarms or faces of
the photo that are not fully in the picture; larger ones are mostly the background's faces (an
enlarged, blurred copy of the photo: real faces, which the pipeline masks anyway).  ``--turned`` adds,
for the first size, a run with the turned passes of :mod:`mediaanon.faces.tilt` (upright + turned
+-45 degrees, merged): its CPU per run beside the upright run's, same process.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.face_small import LOOKS, build_video  # noqa: E402
from bench.face_coverage import MEDIA  # noqa: E402

THRESHOLDS = (0.2, 0.15, 0.1, 0.05)
SMALL_FALSE = 60.0  # px: unmatched boxes under this side are counted as possible false alarms


def match(truth_box: tuple, dets: np.ndarray) -> float:
    """Best score among the boxes that sit on this true face (0 if none)."""
    if not len(dets):
        return 0.0
    x1, y1, x2, y2 = truth_box[:4]
    side = x2 - x1
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    dside = np.maximum(dets[:, 2] - dets[:, 0], dets[:, 3] - dets[:, 1])
    ok = (np.hypot((dets[:, 0] + dets[:, 2]) / 2 - cx, (dets[:, 1] + dets[:, 3]) / 2 - cy) < side / 2) \
        & (dside > 0.4 * side) & (dside < 2.5 * side)
    return float(dets[ok, 4].max()) if ok.any() else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 frames per segment (as face_small --quick)")
    ap.add_argument("--sizes", default="1280x736,1920x1088,2560x1472", help="detector inputs WxH, comma-separated")
    ap.add_argument("--split", choices=("tuned", "held-out", "both"), default="both")
    ap.add_argument("--turned", action="store_true", help="also the first size with the turned passes (faces.tilt)")
    ap.add_argument("--every", type=int, default=1, help="probe every n-th frame only (CPU)")
    args = ap.parse_args()
    if not (MEDIA / "images" / "dlib_faces" / "training.xml").exists():
        print(f"face_small_probe: skipped, {MEDIA}/images/dlib_faces not present")
        return 0
    from mediaanon import models
    from mediaanon.faces import tilt
    from mediaanon.faces.detector import CenterFace, to_frame
    from mediaanon.faces.video import VideoReader

    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    if args.turned:
        sizes.append((*sizes[0], "turned"))
    frames = 10 if args.quick else 24
    video = Path(tempfile.mkdtemp(prefix="bench_small_probe_")) / "small_faces.mp4"
    truth = build_video(video, frames)
    det = CenterFace(models.resolve("centerface").file(), device="cpu", threads=1, lanes=1)
    lo = min(THRESHOLDS)
    best: dict = defaultdict(list)  # (size, look, split) -> per face-frame best score
    seen: dict = defaultdict(lambda: defaultdict(float))  # (size, look, split) -> (segment, face) -> best score
    false = defaultdict(lambda: defaultdict(int))  # size -> threshold -> unmatched small boxes
    cpu = defaultdict(float)
    runs = 0
    with VideoReader(video) as reader:
        for f in reader:
            tb = truth[f.index]
            if args.split != "both" and tb and all(b[4][1] != args.split for b in tb) or f.index % args.every:
                continue
            runs += 1
            seg = f.index // frames
            for size in sizes:
                rgb = f.picture.to_rgb(size[:2])
                c0 = time.thread_time()
                found = tilt.detect(det, [rgb], lo, tilt.TURNS if len(size) > 2 else ())[0]
                dets = to_frame(found, size, (f.picture.width, f.picture.height))
                cpu[size] += time.thread_time() - c0
                used = np.zeros(len(dets), bool)
                for k, b in enumerate(tb):
                    key = (size, b[4][0], b[4][1])
                    s = match(b, dets)
                    best[key].append(s)
                    seen[key][(seg, k)] = max(seen[key][(seg, k)], s)
                    cx, cy, side = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0]
                    if len(dets):
                        used |= np.hypot((dets[:, 0] + dets[:, 2]) / 2 - cx, (dets[:, 1] + dets[:, 3]) / 2 - cy) < side
                dside = np.maximum(dets[:, 2] - dets[:, 0], dets[:, 3] - dets[:, 1]) if len(dets) else np.zeros(0)
                for t in THRESHOLDS:
                    false[size][t] += int(np.sum(~used & (dside < SMALL_FALSE) & (dets[:, 4] >= t))) if len(dets) else 0
    for size in sizes:
        name = f"{size[0]}x{size[1]}" + (" turned" if len(size) > 2 else "")
        print(f"probe[{name}] CPU {1000 * cpu[size] / max(1, runs):.0f} ms per run (1 thread, {runs} runs)"
              f"; unmatched boxes < {SMALL_FALSE:.0f} px: "
              + ", ".join(f"{false[size][t]} at t>={t}" for t in THRESHOLDS))
        for li, look in enumerate(LOOKS):
            for split in ("tuned", "held-out"):
                scores = np.asarray(best.get((size, li, split), []))
                if not len(scores):
                    continue
                segs = np.asarray(list(seen[(size, li, split)].values()))
                per_t = "; ".join(f"t>={t}: {100 * np.mean(scores >= t):.1f}% frames, "
                                  f"{int(np.sum(segs < t))} of {len(segs)} faces never seen" for t in THRESHOLDS)
                print(f"probe[{name} {look[0]} px {split}] {per_t}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
