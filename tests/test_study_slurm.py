"""Slurm job arrays: the scripts as data, and a real array on a one-node Slurm.

The real test needs Debian's slurmctld, slurmd and munge; it starts them with
``tests/slurm/start-slurm.sh`` (idempotent; ``.ci/run`` calls it too) and
skips only when ``sbatch`` is not installed.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediaanon.study.slurm import ArrayJob, render

from test_study_runs import make_inputs, outcome

REPO = Path(__file__).resolve().parent.parent


def test_scripts_as_data(tmp_path):
    job = ArrayJob(inputs=[tmp_path / "in dir"], outdir=tmp_path / "out", array=4, run_args=["-p", "faces"],
                   partition="short", cpus_per_task=8, mem="16G", gpus_per_task=1, time="02:00:00")
    files = render(job, tmp_path / "jobs")
    arr = files["array.sbatch"]
    assert "#SBATCH --array=1-4" in arr and "#SBATCH --cpus-per-task=8" in arr and "#SBATCH --partition=short" in arr
    assert "#SBATCH --gpus-per-task=1" in arr and "#SBATCH --mem=16G" in arr and "#SBATCH --time=02:00:00" in arr
    assert '--shard "${SLURM_ARRAY_TASK_ID}/4"' in arr and f"'{tmp_path / 'in dir'}'" in arr  # quoted
    assert "summary" in files["summary.sbatch"] and "--dependency=afterany:" in files["submit.sh"]


def test_slurm_cli_forwards_run_options(tmp_path):
    from mediaanon.cli import main

    (tmp_path / "in").mkdir()
    rc = main(["slurm", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--array", "3", "-p", "faces",
               "--set", "blur_faces.verify=false", "--jobs", "2", "--script-dir", str(tmp_path / "jobs")])
    arr = (tmp_path / "jobs" / "array.sbatch").read_text()
    assert rc == 0 and "-p faces --set blur_faces.verify=false --jobs 2" in arr.replace("--pipeline", "-p")
    assert main(["slurm", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--array", "2", "--shard", "1/2"]) == 2


@pytest.fixture(scope="module")
def slurm_cluster():
    if shutil.which("sbatch") is None:
        pytest.skip("sbatch not installed (Debian: slurmctld slurmd munge slurm-client)")
    os.environ.setdefault("SLURM_CONF", "/tmp/mediaanon-slurm/slurm.conf")
    env = {**os.environ, "MEDIAANON_SLURM_DIR": str(Path(os.environ["SLURM_CONF"]).parent)}
    proc = subprocess.run(["bash", str(REPO / "tests" / "slurm" / "start-slurm.sh")], env=env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return os.environ["SLURM_CONF"]


def _wait_for(job_ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        q = subprocess.run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i"], capture_output=True, text=True)
        if q.returncode == 0 and not q.stdout.strip():
            return
        time.sleep(1)
    pytest.fail("the Slurm jobs did not finish in time")


@pytest.mark.slow
def test_slurm_array_equals_a_local_run(tmp_path, slurm_cluster):
    inp = make_inputs(tmp_path / "in")
    local, array = tmp_path / "local", tmp_path / "array"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "mediaanon", "run", str(inp), "-o", str(local), "-p", "faces", "-q"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stderr  # the broken input
    sub = subprocess.run([sys.executable, "-m", "mediaanon", "slurm", str(inp), "-o", str(array), "--array", "2",
                          "--cpus-per-task", "1", "-p", "faces", "--script-dir", str(tmp_path / "jobs"), "--submit"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert sub.returncode == 0, sub.stderr
    ids = re.findall(r"\d+", sub.stdout)
    assert len(ids) == 2, sub.stdout
    _wait_for(ids, 600)
    assert (array / "study.json").exists(), (tmp_path / "jobs" / "logs" / "summary.out").read_text() \
        if (tmp_path / "jobs" / "logs" / "summary.out").exists() else "no summary log"
    assert outcome(array) == outcome(local) and len(outcome(local)) == 4
    summary = json.loads((array / "study.json").read_text())
    assert summary["totals"]["done"] == 3 and summary["totals"]["failed"] == 1
    logs = sorted(p.name for p in (tmp_path / "jobs" / "logs").iterdir())
    assert logs == ["shard-1-of-2.out", "shard-2-of-2.out", "summary.out"]


def test_events_file_per_shard(tmp_path):
    from mediaanon.cli import main

    (tmp_path / "in").mkdir()
    import mediafactory

    mediafactory.tone(tmp_path / "in" / "a.wav", seconds=0.3)
    for k in (1, 2):
        main(["run", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-p", "faces", "-q", "--shard", f"{k}/2",
              "--events", str(tmp_path / "ev-{shard}.jsonl")])
    assert sorted(p.name for p in tmp_path.glob("ev-*")) == ["ev-1-of-2.jsonl", "ev-2-of-2.jsonl"]
