"""Benchmark: small, tilted, blurred, moving faces — coverage with the coarse detector size on and off.

    python bench/face_small.py            # 9 photos x 3 looks, 24 frames per segment (648 frames)
    python bench/face_small.py --quick    # 10 frames per segment (270 frames)

Why: ``blur_faces`` runs CenterFace at a coarse 640-px input where every face is large
(:mod:`mediaanon.faces.sizing`); a face too small for it must still be found by the full-size runs
and stay masked in every frame.  This case is made of exactly the faces a coarse input loses.

Each segment shows one photo of ``images/dlib_faces`` (hand-annotated face boxes, 43 faces in 9
photos) in one of three looks - its median face scaled to 20, 28 or 40 px, turned 35-60 degrees
either way and turning a further 0.5 degrees per frame, moving 3 px per frame, Gaussian-blurred
(sigma 0.8, 1.2 or 0) - over a blurred, enlarged copy of itself; consecutive segments are hard cuts.
Truth: each annotated box through the same transform (its centre mapped, its side scaled: the
rotation keeps the inner 60 % of the face inside that square).  A face-frame (fully in the picture)
counts as covered when the output no longer matches the input over the inner 60 % of its box: SSIM of
the luma < 0.8 (as ``bench/face_coverage.py``).  Ours: ``mediaanon run -p faces`` with its defaults
(coarse size auto), and with ``coarse_size=off`` (the full size on every detector run), in the same
run; verification off (it does not change what CenterFace found; ``--verify`` turns it on, with its
repairs, as in the default pipeline).  Target: 100 %.  What the full size alone misses here is the
tilt of the small faces, not their size (``bench/face_small_probe.py``): ``--set turn_face=40`` gives
the default run the turned passes of :mod:`mediaanon.faces.tilt` while faces under 40 px are seen
(off by default: see ``blur_faces.turn_face``).

Held out: the photos of ``testing.xml`` were never looked at while choosing ``full_every``,
``small_face``, ``hold``, ``turn_face`` and the turns (faces.sizing, faces.tilt); those of ``training.xml``
were.  Both figures are printed.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.face_coverage import MEDIA, luma_frames, ssim  # noqa: E402
from bench.face_motion import photos  # noqa: E402

W, H, FPS = 1280, 720, 30
LOOKS = ((20, 35.0, 0.8), (28, -50.0, 1.2), (40, 60.0, 0.0))  # median face px, degrees, blur sigma
SPEED = 3.0  # px per frame
TURN = 0.5  # degrees per frame


def build_video(dst: Path, frames: int, only: str | None = None, looks=LOOKS) -> list[list[tuple]]:
    """Render the segments; per frame the true boxes (x1, y1, x2, y2, (look index, split))."""
    import cv2

    from mediaanon.media import ffmpeg

    pics = [p for p in photos(MEDIA / "images" / "dlib_faces") if only is None or p[2] == only]
    proc = subprocess.Popen([ffmpeg.ffmpeg_binary(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
                             "-s", f"{W}x{H}", "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "fast",
                             "-crf", "12", "-pix_fmt", "yuv420p", str(dst)], stdin=subprocess.PIPE)
    truth: list[list[tuple]] = []
    rng = np.random.default_rng(33)
    for li, (size, angle0, sigma) in enumerate(looks):
        for path, boxes, split in pics:
            img = cv2.imread(str(path))
            bg = cv2.GaussianBlur(img, (0, 0), 6)
            h, w = img.shape[:2]
            s = size / float(np.median([b[2] - b[0] for b in boxes]))
            d = rng.uniform(0, 2 * np.pi)
            c0 = np.array([W / 2, H / 2]) - SPEED * frames / 2 * np.array([np.cos(d), np.sin(d)])

            def affine(k: int, scale: float) -> np.ndarray:
                cx, cy = c0 + SPEED * k * np.array([np.cos(d), np.sin(d)])
                m = cv2.getRotationMatrix2D((w / 2, h / 2), angle0 + TURN * k, scale)
                m[:, 2] += (cx - w / 2, cy - h / 2)
                return m

            bg_scale = max(W / w, H / h) * 1.5
            for k in range(frames):
                frame = cv2.warpAffine(bg, affine(k, bg_scale), (W, H), borderValue=(90, 90, 90))
                m = affine(k, s)
                cv2.warpAffine(img, m, (W, H), dst=frame, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_TRANSPARENT)
                if sigma:
                    frame = cv2.GaussianBlur(frame, (0, 0), sigma)
                proc.stdin.write(frame.tobytes())
                tb = []
                for x1, y1, x2, y2 in boxes:
                    cx, cy = m @ np.array([(x1 + x2) / 2, (y1 + y2) / 2, 1.0])
                    half = s * max(x2 - x1, y2 - y1) / 2
                    if half <= cx <= W - half and half <= cy <= H - half:  # fully in the picture
                        tb.append((cx - half, cy - half, cx + half, cy + half, (li, split)))
                truth.append(tb)
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("ffmpeg failed to write the small-faces video")
    return truth


def uncovered(src: Path, out: Path, truth) -> tuple[list[tuple], int]:
    """(uncovered face-frames as (frame, tag), all face-frames)."""
    missed, total = [], 0
    for i, (a, b) in enumerate(zip(luma_frames(src), luma_frames(out))):
        for x1, y1, x2, y2, tag in truth[i]:
            mx, my = (x2 - x1) * 0.2, (y2 - y1) * 0.2
            ys, xs = slice(int(y1 + my), int(y2 - my)), slice(int(x1 + mx), int(x2 - mx))
            total += 1
            if ssim(a[ys, xs], b[ys, xs]) >= 0.8:
                missed.append((i, tag))
    return missed, total


def run_ours(src: Path, outdir: Path, coarse: str | None, extra: list[str] = (), verify: bool = False
             ) -> tuple[Path, float, dict]:
    import json

    sets = ([] if verify else ["--set", "blur_faces.verify=false"]) + \
        (["--set", f"blur_faces.coarse_size={coarse}"] if coarse else [])
    sets += [a for kv in extra for a in ("--set", f"blur_faces.{kv}")]
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mediaanon", "run", "-p", "faces", "-o", str(outdir), "--overwrite", "-q",
                    *sets, str(src)], check=True, cwd=REPO, capture_output=True)
    wall = time.perf_counter() - t0
    log = json.loads((outdir / src.stem / "processing_log.json").read_text())
    summary = next(s for s in log["stages"] if s["name"] == "blur_faces")["summary"]
    return outdir / src.stem / "media.mp4", wall, summary


def verified(summ: dict) -> str:
    """The BlazeFace check's part of the line (empty when it was off)."""
    v = summ.get("verify")
    if not v:
        return ""
    return (f", verify CPU {v.get('cpu_seconds', 0):.1f} s, {v.get('repaired_frames', 0)} frames repaired, "
            f"{v.get('unresolved_faces', 0)} unresolved")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 frames per segment")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a blur_faces option for the default run (repeatable), e.g. full_every=12")
    ap.add_argument("--verify", action="store_true",
                    help="both runs with the BlazeFace output check on (and its repairs), as the default pipeline")
    args = ap.parse_args()
    if not (MEDIA / "images" / "dlib_faces" / "training.xml").exists():
        print(f"face_small: skipped, {MEDIA}/images/dlib_faces not present")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench_small_"))
    video = tmp / "small_faces.mp4"
    truth = build_video(video, 10 if args.quick else 24)
    for name, coarse in (("coarse auto (default)", None), ("coarse off", "off")):
        out, wall, summ = run_ours(video, tmp / name.split()[1], coarse, args.set if coarse is None else [],
                                   verify=args.verify)
        name += f" {' '.join(args.set)}" if args.set and coarse is None else ""
        name += ", verify on" if args.verify else ""
        missed, total = uncovered(video, out, truth)
        parts = []
        for split in ("tuned", "held-out"):
            n = sum(1 for f in truth for b in f if b[4][1] == split)
            m = sum(1 for _, t in missed if t[1] == split)
            parts.append(f"{split} {100 * (n - m) / max(1, n):.2f}% of {n}")
        looks = ", ".join(f"{LOOKS[li][0]} px: {sum(1 for _, t in missed if t[0] == li)} missed" for li in range(3))
        cpu = summ.get("cpu_seconds", {})
        print(f"faces.small[{name}] {100 * (total - len(missed)) / total:.2f}% ({'; '.join(parts)} face-frames; "
              f"{looks}; {summ['full_size_runs']} of {summ['detector_runs']} detector runs at full size, "
              f"{summ.get('turned_runs', 0)} with turned passes, "
              f"detect CPU {cpu.get('detect', 0):.1f} s{verified(summ)}, run {wall:.1f} s wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
