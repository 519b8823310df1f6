"""Digest the bundles of a fixed set of runs, to show a refactor left the output byte-identical.

    python tools/bundle_digest.py OUT.json            # run the set, write {bundle/file: sha256}
    python tools/bundle_digest.py OUT.json --against BEFORE.json

Every file of every bundle is hashed as written.  ``processing_log.json`` (and the study files) are
hashed after the fields that record *when* and *how long* are removed, since those change from one run
to the next on any code: everything else in them, and every other byte, must be the same.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "media"
# when and how long: the only fields allowed to differ between two runs of the same code
VOLATILE = {"created", "time", "at", "seconds", "realtime_factor", "decode_seconds", "wall_seconds",
            "cpu_seconds", "load_seconds", "started", "finished", "elapsed", "run", "host", "pid"}


def _clean(doc):
    if isinstance(doc, dict):
        return {k: _clean(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [_clean(v) for v in doc]
    return doc


def digest(path: Path) -> str:
    if path.suffix == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            return hashlib.sha256(json.dumps(_clean(doc), sort_keys=True).encode()).hexdigest()
        except ValueError:
            pass
    if path.suffix == ".html":  # the report prints the log's creation time
        return "html:%d" % len(path.read_bytes().splitlines())
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cases(tmp: Path) -> list[tuple[str, list[str]]]:
    sys.path.insert(0, str(ROOT / "tests"))
    import mediafactory  # noqa: E402  (test helper: ffmpeg-made media)

    synth = mediafactory.video(tmp / "synthetic.mp4", seconds=1.0)
    out = [("sample", [str(ROOT / "samples" / "interview.flac"), "--names", str(ROOT / "samples" / "names.txt")]),
           ("synthetic-faces", [str(synth), "-p", "faces"]),
           ("sample-voice", [str(ROOT / "samples" / "interview.flac"), "-p", "interview-voice"]),
           ("sample-strict", [str(ROOT / "samples" / "interview.flac"), "--policy", "strict"])]
    hamilton = SHARED / "video" / "face_recognition_short_hamilton_clip.mp4"
    if hamilton.exists():
        out.append(("hamilton-faces", [str(hamilton), "-p", "faces"]))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--against", type=Path)
    args = ap.parse_args(argv)
    result: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for name, cli in cases(tmp):
            outdir = tmp / name
            subprocess.run([sys.executable, "-m", "mediaanon", "run", *cli, "-o", str(outdir), "-q"],
                           cwd=ROOT, check=False)
            for f in sorted(p for p in outdir.rglob("*") if p.is_file()):
                result[f"{name}/{f.relative_to(outdir).as_posix()}"] = digest(f)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"{len(result)} files digested")
    if args.against:
        before = json.loads(args.against.read_text())
        diff = sorted(k for k in set(before) | set(result) if before.get(k) != result.get(k))
        for k in diff:
            print(f"differs: {k}")
        print("byte-identical" if not diff else f"{len(diff)} files differ")
        return 1 if diff else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
