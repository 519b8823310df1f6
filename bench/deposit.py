"""Benchmark: time to deposit and verify a ~1 GB study, against ``sha256sum`` on the same files.

    python bench/deposit.py            # 8 bundles x ~125 MB (about 1 GB)
    python bench/deposit.py --quick    # 2 bundles x ~50 MB

The study is made in a temporary folder and deleted afterwards: ffmpeg writes
pink-noise WAV interviews (48 kHz stereo), the real runner turns them into
bundles (the ``test_gain`` stage from ``tests/_stages.py``, WAV output — real
media, a real processing log with real hashes, no models to load), every
bundle gets a clean verdict (the tests' stand-in until ``mediaanon.review``
lands), then the same run times:

- ``mediaanon deposit --format both`` (one pass that copies and checks every
  file against its log, the RO-Crate, then bagit hashing the payload again);
- ``mediaanon verify`` on the bag (bagit's validator + the log cross-check)
  and on the OUTDIR (every bundle against its log);
- ``bagit.py --validate`` as a program, for reference;
- the anchor: ``sha256sum`` over the same bundle files (one single-threaded
  pass, what "hashing at disk speed" means on this machine).

The files are read from the page cache after the first pass (24 GB of RAM,
a 1 GB study), so these are hashing speeds, not cold-disk speeds.  Lines:
``deposit.<figure> value`` — seconds, MB/s and ratios to the anchor.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def make_study(root: Path, bundles: int, seconds: float) -> Path:
    from mediaanon import pipeline as pl
    from mediaanon import registry, runner
    from mediaanon.media import ffmpeg
    from mediaanon.stage import RunContext

    from _deposit_study import stamp_verdict_until_review_lands
    from _stages import TEST_STAGES

    registry.STAGES.update(TEST_STAGES)
    inputs, out = root / "in", root / "out"
    inputs.mkdir()
    srcs = []
    for i in range(bundles):
        dst = inputs / f"interview_{i:02d}.wav"
        subprocess.run([ffmpeg.ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"anoisesrc=d={seconds}:c=pink:r=48000:a=0.3:seed={i + 1}", "-ac", "2", "-c:a", "pcm_s16le",
                        str(dst)], check=True)
        srcs.append(dst)
    pipe = pl.build(pl.parse_spec({"stages": ["test_gain"], "output": {"audio_format": "wav"}}, "bench"),
                    RunContext())
    results = runner.run(srcs, out, pipe, id_from="hash", key=b"bench-key-0123456789abcdef")
    assert all(r.status == "done" for r in results), [r.message for r in results]
    for r in results:
        stamp_verdict_until_review_lands(out / r.id, "clean")
    shutil.rmtree(inputs)
    return out


def timed(cmd: list[str], repeats: int = 1, before=None) -> tuple[float, subprocess.CompletedProcess]:
    """Fastest of ``repeats`` runs (the machine is shared: the minimum is the least disturbed one)."""
    best, proc = float("inf"), None
    for _ in range(repeats):
        if before is not None:
            before()
        t = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True)
        if time.perf_counter() - t < best:
            best, proc = time.perf_counter() - t, run
    return best, proc


def vs(seconds: float, anchors: dict[str, float]) -> str:
    return ", ".join(f"{seconds / t:.2f}x {name}" for name, t in anchors.items())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 bundles of ~50 MB instead of 8 of ~125 MB")
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure; the fastest is reported")
    args = ap.parse_args()
    bundles, seconds = (2, 260.0) if args.quick else (8, 650.0)
    mediaanon = [sys.executable, "-m", "mediaanon"]
    bagit_prog = shutil.which("bagit.py")
    with tempfile.TemporaryDirectory(prefix="mediaanon-bench-deposit-") as tmp:
        root = Path(tmp)
        out = make_study(root, bundles, seconds)
        files = sorted(str(p) for p in out.rglob("*") if p.is_file())
        size = sum(os.path.getsize(f) for f in files)
        mb = size / 1e6
        # warm the page cache the same way for everyone, then the anchor
        subprocess.run(["cat", *files], stdout=subprocess.DEVNULL, check=True)
        n = args.repeats
        t_sum, _ = timed(["sha256sum", *files], n)
        t_ssl = timed(["openssl", "dgst", "-sha256", *files], n)[0] if shutil.which("openssl") else None
        clear = lambda: shutil.rmtree(root / "bag", ignore_errors=True)  # noqa: E731
        t_dep, dep = timed([*mediaanon, "deposit", str(out), str(root / "bag"), "--json", "-q"], n, clear)
        assert dep.returncode == 0, dep.stderr
        phases = json.loads(dep.stdout)["seconds"]
        t_vbag, vbag = timed([*mediaanon, "verify", str(root / "bag"), "-q"], n)
        assert vbag.returncode == 0, vbag.stdout + vbag.stderr
        t_vout, vout = timed([*mediaanon, "verify", str(out), "-q"], n)
        assert vout.returncode == 0, vout.stdout + vout.stderr
        t_prog = None
        if bagit_prog:
            t_prog, prog = timed([bagit_prog, "--validate", str(root / "bag")], n)
            assert prog.returncode == 0, prog.stderr
    print(f"deposit.study {bundles} bundles, {len(files)} files, {mb:.0f} MB (page cache warm; fastest of {n} runs)")
    print(f"deposit.anchor_sha256sum_seconds {t_sum:.2f} ({mb / t_sum:.0f} MB/s)")
    if t_ssl is not None:
        print(f"deposit.anchor_openssl_sha256_seconds {t_ssl:.2f} ({mb / t_ssl:.0f} MB/s; the sha256 code Python's "
              "hashlib also uses)")
    print(f"deposit.deposit_seconds {t_dep:.2f} ({mb / t_dep:.0f} MB/s; copy+check {phases['copy']:.2f}, crate "
          f"{phases.get('crate', 0):.2f}, bag {phases.get('bag', 0):.2f}, start-up and rest "
          f"{t_dep - phases['total']:.2f})")
    anchors = {"sha256sum": t_sum, **({"openssl": t_ssl} if t_ssl else {})}
    print(f"deposit.deposit_vs_anchor {vs(t_dep, anchors)} (deposit reads every file twice and writes it once: "
          f"2.0x would be par)")
    print(f"deposit.copy_check_MBps {mb / phases['copy']:.0f} (one pass: read, sha256, write; anchor "
          f"{mb / t_sum:.0f})")
    print(f"deposit.verify_bag_seconds {t_vbag:.2f} ({mb / t_vbag:.0f} MB/s; {vs(t_vbag, anchors)})")
    print(f"deposit.verify_outdir_seconds {t_vout:.2f} ({mb / t_vout:.0f} MB/s; {vs(t_vout, anchors)})")
    if t_prog is not None:
        print(f"deposit.bagit_program_validate_seconds {t_prog:.2f} ({mb / t_prog:.0f} MB/s; {vs(t_prog, anchors)})")
    print(f"deposit.note load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
