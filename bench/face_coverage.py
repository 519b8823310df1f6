"""Benchmark: how many known faces end up masked, mediaanon vs deface, plus residual faces on real clips.

    python bench/face_coverage.py            # coverage video (9 photos, 43 faces, ~400 frames) + 5 real clips
    python bench/face_coverage.py --quick    # coverage video only, shorter segments

1. Coverage.  The photographs in ``images/dlib_faces`` come with hand-annotated face boxes
   (training.xml / testing.xml, 43 faces).  Each photo becomes a 1.5 s segment of a 1280x720, 30 fps
   video in which it moves and zooms (0.9x -> 2.0x of a fit-to-height size), so every box is known
   in every frame (the same affine transform is applied to it); photo changes are hard cuts.  Both
   tools run with their defaults (``mediaanon run -p faces``; ``deface --keep-audio``, OpenCV backend: same
   model and detections as its onnxruntime backend, faster here).  A face-frame
   counts as covered when the output no longer matches the input over the inner 60 % of its box:
   SSIM of the luma < 0.8 (an untouched face re-encoded scores ~0.95).  Target: 100 %.
2. Residual faces.  The real clips in ``video/`` (talking head, portrait phone clip, 30 fps 720p
   clip, 1080p street scene, a 29.97 fps broadcast clip; their first 4 s) go through both tools with their defaults;
   an independent detector (BlazeFace full-range, every frame, also on a 2x2 grid of crops so small
   faces count) then counts the faces still visible in each output.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media"))
W, H, FPS = 1280, 720, 30
CLIP_SECONDS = 4.0  # each real clip's first seconds (stream copy), to keep the run near 10 minutes
REAL_CLIPS = ["video/sadtalker/WDA_KatieHill_000.mp4", "video/liveportrait/d13.mp4", "video/liveportrait/s18.mp4",
              "video/facenet/video.mp4", "video/face_recognition_short_hamilton_clip.mp4"]


def annotations(folder: Path) -> list[tuple[Path, list[tuple[float, float, float, float]]]]:
    out = []
    for xml in ("training.xml", "testing.xml"):
        for img in ET.parse(folder / xml).getroot().iter("image"):
            boxes = [(float(b.get("left")), float(b.get("top")), float(b.get("left")) + float(b.get("width")),
                      float(b.get("top")) + float(b.get("height"))) for b in img.iter("box")]
            out.append((folder / img.get("file"), boxes))
    return out


def build_video(dst: Path, seconds: float) -> list[list[tuple[float, float, float, float]]]:
    """Render the moving/zooming photo video; return the true boxes of every frame."""
    import cv2

    from mediaanon.media import ffmpeg

    n = int(seconds * FPS)
    truth: list[list[tuple[float, float, float, float]]] = []
    proc = subprocess.Popen([ffmpeg.ffmpeg_binary(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
                             "-s", f"{W}x{H}", "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "fast",
                             "-crf", "12", "-pix_fmt", "yuv420p", str(dst)], stdin=subprocess.PIPE)
    rng = np.random.default_rng(7)
    for path, boxes in annotations(MEDIA / "images" / "dlib_faces"):
        img = cv2.imread(str(path))
        h, w = img.shape[:2]
        fit = H / h
        (dx0, dy0), (dx1, dy1) = rng.uniform(-0.15, 0.15, size=(2, 2))
        for k in range(n):
            a = k / max(1, n - 1)
            s = fit * (0.9 + 1.1 * a)
            cx, cy = W / 2 + (dx0 + (dx1 - dx0) * a) * W, H / 2 + (dy0 + (dy1 - dy0) * a) * H
            m = np.array([[s, 0, cx - s * w / 2], [0, s, cy - s * h / 2]], np.float32)
            frame = cv2.warpAffine(img, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=(90, 90, 90))
            proc.stdin.write(frame.tobytes())
            tb = []
            for x1, y1, x2, y2 in boxes:
                bx1, by1 = m[0, 0] * x1 + m[0, 2], m[1, 1] * y1 + m[1, 2]
                bx2, by2 = m[0, 0] * x2 + m[0, 2], m[1, 1] * y2 + m[1, 2]
                if bx1 >= 0 and by1 >= 0 and bx2 <= W and by2 <= H:  # fully in the picture
                    tb.append((bx1, by1, bx2, by2))
            truth.append(tb)
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("ffmpeg failed to write the coverage video")
    return truth


def luma_frames(path: Path):
    from mediaanon.faces.video import VideoReader

    with VideoReader(path) as r:
        for f in r:
            yield f.picture.planes[0].copy()


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two grey images (Gaussian 7x7 window, the usual constants)."""
    import cv2

    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: cv2.GaussianBlur(x, (7, 7), 1.5)  # noqa: E731
    ma, mb = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ma * ma, blur(b * b) - mb * mb, blur(a * b) - ma * mb
    s = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
    return float(s.mean())


def coverage(src: Path, out: Path, truth) -> tuple[int, int, int]:
    """(covered, total face-frames, frames with an uncovered face)."""
    covered = total = bad_frames = 0
    for i, (a, b) in enumerate(zip(luma_frames(src), luma_frames(out))):
        bad = False
        for x1, y1, x2, y2 in truth[i]:
            mx, my = (x2 - x1) * 0.2, (y2 - y1) * 0.2
            ys, xs = slice(int(y1 + my), int(y2 - my)), slice(int(x1 + mx), int(x2 - mx))
            total += 1
            if ssim(a[ys, xs], b[ys, xs]) < 0.8:
                covered += 1
            else:
                bad = True
        bad_frames += bad
    return covered, total, bad_frames


def run_ours(src: Path, outdir: Path, extra: list[str] = ()) -> Path:
    sets = [a for kv in extra for a in ("--set", f"blur_faces.{kv}")]
    subprocess.run([sys.executable, "-m", "mediaanon", "run", "-p", "faces", "-o", str(outdir), "--overwrite", "-q",
                    *sets, str(src)], check=True, cwd=REPO, capture_output=True)
    return outdir / src.stem / "media.mp4"


def run_deface(src: Path, out: Path) -> Path:
    # its OpenCV backend: the same model and detections as its onnxruntime one, and faster here
    subprocess.run(["deface", "--keep-audio", "--backend", "opencv", "-o", str(out), str(src)], check=True,
                   capture_output=True)
    return out


def first_seconds(src: Path, dst: Path, seconds: float) -> Path:
    from mediaanon.media import ffmpeg

    subprocess.run([ffmpeg.ffmpeg_binary(), "-v", "error", "-y", "-i", str(src), "-t", str(seconds), "-c", "copy",
                    str(dst)], check=True)
    return dst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="coverage video only, 0.8 s per photo")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a blur_faces option for our runs (repeatable), e.g. full_every=12")
    args = ap.parse_args()
    if not (MEDIA / "images" / "dlib_faces" / "training.xml").exists():
        print(f"face_coverage: skipped, {MEDIA}/images/dlib_faces not present")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench_cov_"))
    video = tmp / "coverage.mp4"
    truth = build_video(video, 0.8 if args.quick else 1.5)
    res = {}
    for tool, out in (("ours", run_ours(video, tmp / "ours", args.set)), ("deface", run_deface(video, tmp / "deface.mp4"))):
        res[tool] = coverage(video, out, truth)
    (oc, ot, ob), (dc, dt, db) = res["ours"], res["deface"]
    print(f"faces.coverage {100 * oc / ot:.2f}% (deface {100 * dc / dt:.2f}%; {ot} face-frames of 43 annotated faces, "
          f"{len(truth)} frames 1280x720 moving/zooming; frames showing a face: ours {ob}, deface {db})")
    if args.quick:
        return 0
    from mediaanon.faces.verify import FaceVerifier

    verifier = FaceVerifier("full", tiles=2)
    for rel in REAL_CLIPS:
        if not (MEDIA / rel).exists():
            print(f"faces.residual[{Path(rel).name}] skipped (missing)")
            continue
        src = first_seconds(MEDIA / rel, tmp / Path(rel).name, CLIP_SECONDS)
        ours = run_ours(src, tmp / "ours_real", args.set)
        theirs = run_deface(src, tmp / f"deface_{src.name}")
        r_o, r_d, r_in = (verifier.scan_video(p) for p in (ours, theirs, src))
        print(f"faces.residual[{src.name}] ours {r_o.frames_with_faces} frames / {r_o.detections} faces, "
              f"deface {r_d.frames_with_faces} frames / {r_d.detections} faces "
              f"(input: faces in {r_in.frames_with_faces} of {r_in.frames_scanned} frames; BlazeFace full + 2x2 tiles)")
    verifier.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
