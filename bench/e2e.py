"""Benchmark: the whole default pipeline on a generated interview video, per stage, vs the usual glue.

    python bench/e2e.py --quick        # 20 s clip
    python bench/e2e.py                # 60 s clip
    python bench/e2e.py --seconds 229  # the issue's interview length

The clip: a real talking head (``video/liveportrait/s18.mp4``, 1280x720 at 30 fps, one face) looped
under the bundled synthetic interview (``samples/interview.flac``: two voices, spoken names, a phone
number, an e-mail address), both cut to the same length, H.264 + AAC.

Ours: ``mediaanon run IN -o DIR --names samples/names.txt`` with the default ``interview`` preset
(blur_faces with BlazeFace verification of every frame, transcribe, redact_transcript, bleep_pii with
its re-transcription leak check), as a user types it, start-up included.  Real-time factor (RTF) =
wall seconds / clip seconds, for the whole command and per stage (from the processing log); the
blur_faces line splits into detection+masking+encoding and the BlazeFace check (which runs inside the
masking, on each picture before it is encoded, unless ``verify_on: file``).

Anchor - what users glue together today, on the same clip, run one after the other as a user would:
``deface --keep-audio`` (faces), then faster-whisper with the same tiny.en model, int8, word
timestamps, VAD, then Presidio with its default recognizers (on the same offline spaCy model) and
its anonymizer over the transcript.  The glue does less (no verification, no bleeping, no metadata
stripping, no log); ratio = glue wall / our wall, so > 1 means we are faster.

The machine is shared: ours and the glue run back to back, and the ratio is the figure to read.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media"))
FACE_CLIP = "video/liveportrait/s18.mp4"
SPEECH = REPO / "samples" / "interview.flac"
NAMES = REPO / "samples" / "names.txt"


def make_clip(dst: Path, seconds: float) -> Path:
    from mediaanon.media import ffmpeg

    subprocess.run([ffmpeg.ffmpeg_binary(), "-v", "error", "-y", "-stream_loop", "-1", "-i", str(MEDIA / FACE_CLIP),
                    "-stream_loop", "-1", "-i", str(SPEECH), "-map", "0:v", "-map", "1:a", "-t", f"{seconds}",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "96k", str(dst)], check=True)
    return dst


def timed(argv: list[str], **kw) -> tuple[subprocess.CompletedProcess, float, float, float]:
    """(result, wall s, CPU s of the command and its children, peak RSS MB of the largest child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, wall, cpu, after.ru_maxrss / 1024


def run_ours(clip: Path, outdir: Path, sets: list[str] = ()) -> tuple[float, float, dict]:
    argv = [sys.executable, "-m", "mediaanon", "run", str(clip), "-o", str(outdir), "--names", str(NAMES),
            "--overwrite", "-q", *[a for kv in sets for a in ("--set", kv)]]
    proc, wall, cpu, _ = timed(argv, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"mediaanon failed: {proc.stderr[-800:]}")
    return wall, cpu, json.loads((outdir / clip.stem / "processing_log.json").read_text())


def glue_text(audio: Path) -> None:
    """The glue's speech part (a process of its own, as a user's script would be)."""
    from faster_whisper import WhisperModel
    from presidio_anonymizer import AnonymizerEngine

    from mediaanon import models
    from mediaanon.redaction.engine import load_spacy, presidio_default_analyzer

    model = WhisperModel(str(models.resolve("whisper-tiny.en").path), device="cpu", compute_type="int8",
                         local_files_only=True)
    segments, _ = model.transcribe(str(audio), word_timestamps=True, vad_filter=True, beam_size=5)
    text = " ".join(s.text.strip() for s in segments)
    nlp, _ = load_spacy(None)
    analyzer = presidio_default_analyzer(nlp)
    found = analyzer.analyze(text=text, language="en")
    AnonymizerEngine().anonymize(text=text, analyzer_results=found)


def run_glue(clip: Path, work: Path) -> tuple[float, float, float, float]:
    """(total wall, deface wall, text wall, CPU s)."""
    out = work / "glue_faces.mp4"
    proc, w_faces, c1, _ = timed(["deface", "--keep-audio", "-o", str(out), str(clip)])
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"deface failed: {proc.stderr[-500:]}")
    proc, w_text, c2, _ = timed([sys.executable, __file__, "--glue-text", str(clip)], cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"glue transcription/redaction failed: {proc.stderr[-800:]}")
    return w_faces + w_text, w_faces, w_text, c1 + c2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 20 s clip")
    ap.add_argument("--seconds", type=float, default=0, help="clip length (default 60, --quick 20)")
    ap.add_argument("--no-glue", action="store_true", help="skip the anchor run (ours only)")
    ap.add_argument("--set", action="append", default=[], metavar="STAGE.KEY=VALUE",
                    help="a stage option for our run (as mediaanon run --set), e.g. blur_faces.full_every=12")
    ap.add_argument("--glue-text", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.glue_text:
        glue_text(Path(args.glue_text))
        return 0
    if not (MEDIA / FACE_CLIP).exists():
        print(f"e2e: skipped, {MEDIA / FACE_CLIP} not present")
        return 0
    seconds = args.seconds or (20.0 if args.quick else 60.0)
    work = Path(tempfile.mkdtemp(prefix="bench_e2e_"))
    clip = make_clip(work / "interview_720p.mp4", seconds)
    wall, cpu, log = run_ours(clip, work / "out", args.set)
    rss = log.get("peak_rss_mb", 0)
    rss = max(rss.values()) if isinstance(rss, dict) else rss  # {"self", "children"} in the log
    print(f"e2e: clip {seconds:.0f} s 1280x720 30 fps, default preset; ours RTF {wall / seconds:.3f} "
          f"({wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MB)")
    for st in log["stages"]:
        if st["status"] != "done":
            continue
        s = st["seconds"]
        line = f"e2e: stage {st['name']}: RTF {s / seconds:.3f} ({s:.1f} s wall, {st.get('cpu_seconds', 0):.1f} s CPU)"
        summ = st.get("summary") or {}
        if st["name"] == "blur_faces" and "verify" in summ:
            v = summ["verify"]["seconds"]
            runs = max(1, summ.get("detector_runs", 0))
            line += (f"; masking+encoding {summ.get('seconds', s - v):.1f} s "
                     f"(detector {summ.get('detector_size')}, coarse {summ.get('coarse_size')}, every "
                     f"{summ.get('detect_every')}, {summ.get('full_size_runs')} of {runs} runs at full size), "
                     + (f"BlazeFace check {v:.1f} s" if summ["verify"].get("checked") != "frames before encoding"
                        else "BlazeFace check on each picture before encoding, inside that time"))
            print(line)
            phases = summ.get("cpu_seconds") or {}
            line = ("e2e: blur_faces CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items())
                    + f" ({1000 * phases.get('detect', 0) / runs:.0f} ms/detection); "
                    f"check {summ['verify'].get('cpu_seconds', 0):.1f} ({summ['verify'].get('frames_scanned')} frames, "
                    f"{sum(r.get('rescanned_frames', 0) for r in summ['verify'].get('repairs', []))} rescanned after "
                    f"repairs); CPU is the whole process's, so the audio stages running alongside count here too")
        print(line)
    # blur_faces runs alongside the audio stages (runner.Alongside): the longer of the two counts
    faces = sum(st.get("seconds", 0) for st in log["stages"] if st["name"] == "blur_faces")
    staged = max(faces, sum(st.get("seconds", 0) for st in log["stages"] if st["name"] != "blur_faces"))
    print(f"e2e: outside stages (start-up, probe, writing, checks): {wall - staged:.1f} s")
    if not args.no_glue:
        g_wall, g_faces, g_text, g_cpu = run_glue(clip, work)
        print(f"e2e: glue deface + faster-whisper + Presidio RTF {g_wall / seconds:.3f} ({g_wall:.1f} s wall: "
              f"deface {g_faces:.1f} s, transcribe+redact {g_text:.1f} s; {g_cpu:.1f} s CPU)")
        print(f"e2e: ratio glue/ours {g_wall / wall:.2f}x wall, {g_cpu / max(cpu, 1e-9):.2f}x CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
