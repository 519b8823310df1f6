"""Slurm job arrays: one shard of the study per array task, then one summary job.

Why Slurm and not a scheduler of our own: university clusters run Slurm,
and its job arrays already give retries, accounting and fair share.  The
array's tasks run ``mediaanon run … --shard K/N`` into the same OUTDIR (bundle
ids never collide across shards, see :mod:`mediaanon.study.shard`); the
summary job runs after all of them (``afterany``: failed recordings make a
task exit 1, and the summary must still be written).

Three files are written: ``array.sbatch``, ``summary.sbatch`` and
``submit.sh`` (which submits the first and the second with a dependency on
it).  Commands are built as word lists and quoted with :func:`shlex.quote`.
"""
from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mediaanon.errors import UsageError


@dataclass
class ArrayJob:
    inputs: list[Path]
    outdir: Path
    array: int
    run_args: list[str] = field(default_factory=list)  # options forwarded to `mediaanon run`
    partition: str = ""
    cpus_per_task: int = 0
    mem: str = ""
    gpus_per_task: int = 0
    time: str = ""
    job_name: str = "mediaanon"
    python: str = field(default_factory=lambda: sys.executable)

    def validate(self) -> None:
        if self.array < 1:
            raise UsageError("--array must be 1 or more")


def _headers(job: ArrayJob, logs: Path, name: str) -> list[str]:
    out = [f"#SBATCH --job-name={name}"]
    for flag, value in (("--partition", job.partition), ("--mem", job.mem), ("--time", job.time)):
        if value:
            out.append(f"#SBATCH {flag}={value}")
    if job.gpus_per_task:
        out.append(f"#SBATCH --gpus-per-task={job.gpus_per_task}")
    return out


def render(job: ArrayJob, folder: Path) -> dict[str, str]:
    """File name -> content of the three scripts (pure, tested as data)."""
    job.validate()
    folder = Path(folder).resolve()
    logs = folder / "logs"
    mediaanon = [job.python, "-m", "mediaanon"]
    run = [*mediaanon, "run", *[str(Path(p).resolve()) for p in job.inputs], "-o", str(job.outdir.resolve()),
           *job.run_args]
    cpus = job.cpus_per_task
    array = [
        "#!/bin/bash",
        *_headers(job, logs, job.job_name),
        f"#SBATCH --array=1-{job.array}",
        f"#SBATCH --output={logs}/shard-%a-of-{job.array}.out",
        *([f"#SBATCH --cpus-per-task={cpus}"] if cpus else []),
        "# One shard of the study per array task; every task writes into the same OUTDIR.",
        "# Exit codes: 0 done, 1 some recording failed (see OUTDIR/<id>.failed.json), 2 usage, 3 model missing.",
        "set -u",
        f"exec {shlex.join(run)} --shard \"${{SLURM_ARRAY_TASK_ID}}/{job.array}\"",
        "",
    ]
    summary = [
        "#!/bin/bash",
        *_headers(job, logs, job.job_name + "-summary"),
        f"#SBATCH --output={logs}/summary.out",
        "#SBATCH --cpus-per-task=1",
        "# Runs after every array task (afterany): merges all shards into OUTDIR/study.json and study.csv.",
        "set -u",
        f"exec {shlex.join([*mediaanon, 'summary', str(job.outdir.resolve())])}",
        "",
    ]
    submit = [
        "#!/bin/bash",
        "# Submit the array, then the summary job that waits for all of its tasks.",
        "set -euo pipefail",
        'here="$(cd "$(dirname "$0")" && pwd)"',
        f"mkdir -p {shlex.quote(str(logs))}",
        'array_id="$(sbatch --parsable "$here/array.sbatch")"',
        'array_id="${array_id%%;*}"',
        'summary_id="$(sbatch --parsable --dependency=afterany:"$array_id" "$here/summary.sbatch")"',
        'summary_id="${summary_id%%;*}"',
        'echo "array job $array_id, summary job $summary_id"',
        "",
    ]
    return {"array.sbatch": "\n".join(array), "summary.sbatch": "\n".join(summary), "submit.sh": "\n".join(submit)}


def write(job: ArrayJob, folder: Path) -> list[Path]:
    folder = Path(folder)
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in render(job, folder).items():
        p = folder / name
        p.write_text(text, encoding="utf-8")
        os.chmod(p, 0o755)
        out.append(p)
    return out
