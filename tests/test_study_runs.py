"""Whole runs in subprocesses: SIGKILL mid-run recovers, and local shards equal one local run.

The fast ``faces`` preset on small generated clips keeps these to tens of seconds.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediaanon.study.plan import verify

import mediafactory

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def make_inputs(folder: Path, n: int = 3, seconds: float = 1.0, broken: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        mediafactory.video(folder / f"clip{i}.mp4", seconds=seconds, size="160x120", tags=False)
    if broken:
        (folder / "broken.mp4").write_bytes(b"\x00not a video" * 10)
    return folder


def mediaanon(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mediaanon", *args], env=ENV, capture_output=True, text=True, **kw)


def outcome(outdir: Path) -> dict[str, object]:
    """Bundle id -> output hashes, failure id -> (stage, message): what must not depend on how a study was split."""
    out: dict[str, object] = {}
    for log in sorted(outdir.rglob("processing_log.json")):
        if any(p.startswith(".") for p in log.relative_to(outdir).parts):
            continue
        doc = json.loads(log.read_text())
        # report.html shows this run's stage seconds (like the log itself), so it differs from run to run
        out[doc["id"]] = {k: v["sha256"] for k, v in doc["outputs"]["files"].items() if k != "report.html"}
    for rec in sorted(outdir.rglob("*.failed.json")):
        doc = json.loads(rec.read_text())
        out[doc["id"] + ".failed"] = (doc["stage"], doc["message"], doc["exit_code"])
    return out


def leftovers(outdir: Path) -> list[Path]:
    return [p for p in outdir.rglob(".mediaanon-*")]


@pytest.mark.slow
def test_sigkill_mid_run_recovers(tmp_path):
    inp = make_inputs(tmp_path / "in", n=4, seconds=2.0, broken=False)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "mediaanon", "run", str(inp), "-o", str(out), "-p", "faces", "--jobs", "2", "-q"]
    proc = subprocess.Popen(cmd, env=ENV, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and not leftovers(out):
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the parent and both workers, mid-recording
    proc.wait()
    for b in (p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        assert verify(b) == "", "a bundle in place must be complete"
    again = mediaanon("run", str(inp), "-o", str(out), "-p", "faces", "--jobs", "2", timeout=600)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.iterdir() if p.name != "index.html") == [f"clip{i}" for i in range(4)], \
        "staging swept, all bundles there"
    assert all(verify(out / f"clip{i}") == "" for i in range(4))


@pytest.mark.slow
def test_two_local_shards_equal_one_local_run(tmp_path):
    inp = make_inputs(tmp_path / "in")
    one, split = tmp_path / "one", tmp_path / "split"
    assert mediaanon("run", str(inp), "-o", str(one), "-p", "faces", "-q", timeout=600).returncode == 1
    codes = [mediaanon("run", str(inp), "-o", str(split), "-p", "faces", "-q", "--shard", f"{k}/2",
                       timeout=600).returncode for k in (1, 2)]
    assert sorted(codes) in ([0, 1], [1, 1])  # the broken input fails in exactly one shard
    assert outcome(one) == outcome(split) and len(outcome(one)) == 4
    assert mediaanon("summary", str(split)).returncode == 0
    rows = json.loads((split / "study.json").read_text())["recordings"]
    assert [(r["id"], r["status"]) for r in rows] == [("broken", "failed"), ("clip0", "done"), ("clip1", "done"),
                                                      ("clip2", "done")]
    assert (split / "study.csv").read_text().splitlines()[0].startswith("id,status,stage,message,duration")


@pytest.mark.slow
def test_ctrl_c_stops_every_worker_and_cleans_staging(tmp_path):
    inp = make_inputs(tmp_path / "in", n=4, seconds=2.0, broken=False)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "mediaanon", "run", str(inp), "-o", str(out), "-p", "faces", "--jobs", "2"]
    proc = subprocess.Popen(cmd, env=ENV, start_new_session=True, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and not leftovers(out):
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole foreground group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; finished before the stop:" in err and "Traceback" not in err
    assert leftovers(out) == [], "no staging or scratch folder (raw media) may be left"
    for b in (p for p in out.iterdir() if p.is_dir()):
        assert verify(b) == ""
