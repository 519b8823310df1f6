"""``mediaanon slurm``: write (and optionally submit) a Slurm job array for a study."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from mediaanon.cli import usage_error
from mediaanon.errors import EXIT_FAILED, EXIT_OK


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    from mediaanon.cli.run import add_options

    s = sub.add_parser(name, help="write an sbatch job array (one shard per task) plus a summary job",
                       description="Write array.sbatch, summary.sbatch and submit.sh into --script-dir. Each array"
                                   " task runs `mediaanon run INPUT... -o OUTDIR --shard K/N [run options]`; the"
                                   " summary job runs `mediaanon summary OUTDIR` after all of them.")
    s.add_argument("inputs", nargs="*", metavar="INPUT", help="media files or folders (or --manifest)")
    s.add_argument("-o", "--outdir", required=True, type=Path, help="where every task writes its bundles")
    s.add_argument("--array", type=int, required=True, metavar="N", help="number of array tasks (shards)")
    s.add_argument("--partition", default="", help="Slurm partition")
    s.add_argument("--cpus-per-task", type=int, default=0, help="cores per task (default: the cluster's default)")
    s.add_argument("--mem", default="", help="memory per task, e.g. 8G")
    s.add_argument("--gpus-per-task", type=int, default=0, help="GPUs per task")
    s.add_argument("--time", default="", help="time limit per task, e.g. 04:00:00")
    s.add_argument("--script-dir", type=Path, default=Path("mediaanon-slurm"),
                   help="where the scripts and the tasks' logs go (default: ./mediaanon-slurm)")
    s.add_argument("--submit", action="store_true", help="run submit.sh now (needs sbatch)")
    add_options(s)


def handle(args: argparse.Namespace) -> int:
    from mediaanon.bundle import is_inside
    from mediaanon.cli.run import forward
    from mediaanon.study.slurm import ArrayJob, write

    if bool(args.inputs) == bool(args.manifest):
        raise usage_error("give INPUT files/folders or --manifest CSV (one of them)")
    if args.shard:
        raise usage_error("slurm: --shard is set per array task; do not give it")
    if is_inside(args.script_dir, args.outdir):
        raise usage_error("slurm: --script-dir must be outside OUTDIR")
    job = ArrayJob(inputs=[Path(p) for p in args.inputs], outdir=args.outdir, array=args.array,
                   run_args=forward(args), partition=args.partition, cpus_per_task=args.cpus_per_task,
                   mem=args.mem, gpus_per_task=args.gpus_per_task, time=args.time)
    paths = write(job, args.script_dir)
    print(f"mediaanon: wrote {', '.join(str(p) for p in paths)}", file=sys.stderr)
    if args.submit:
        proc = subprocess.run(["bash", str(args.script_dir / "submit.sh")], text=True, capture_output=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0:
            print(f"mediaanon: submit failed: {proc.stderr.strip()[-500:]}", file=sys.stderr)
            return EXIT_FAILED
    return EXIT_OK
