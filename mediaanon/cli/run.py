"""``mediaanon run``: recordings in, bundles (or failure records) out."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mediaanon.cli import EPILOG, usage_error, verbosity
from mediaanon.errors import MediaanonError

# (first flag, dest, kind) of every option ``mediaanon slurm`` forwards to the ``run`` of each array task
FORWARDED: list[tuple[str, str, str]] = []


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    r = sub.add_parser(name, help="anonymize recordings into bundles", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Process each INPUT (files, or folders searched recursively) into OUTDIR/<id>/.")
    r.add_argument("inputs", nargs="*", metavar="INPUT", help="media files or folders (or use --manifest)")
    r.add_argument("-o", "--outdir", required=True, type=Path, help="where bundles are written")
    add_options(r)
    r.add_argument("--json", action="store_true", help="print a JSON list of results on stdout")
    verbosity(r)


def _opt(p: argparse.ArgumentParser, *flags: str, **kw: Any) -> None:
    action = p.add_argument(*flags, **kw)
    kind = "flag" if kw.get("action") == "store_true" else "append" if kw.get("action") == "append" else "value"
    if all(f != flags[0] for f, _, _ in FORWARDED):
        FORWARDED.append((flags[0] if flags[0].startswith("--") else flags[-1], action.dest, kind))


def add_options(r: argparse.ArgumentParser) -> None:
    """The options of ``run`` that ``mediaanon slurm`` also takes and passes on."""
    _opt(r, "-p", "--pipeline", default=None,
         help="preset name (see `mediaanon pipelines`) or a pipeline YAML file; default: the default preset")
    _opt(r, "--set", dest="overrides", action="append", default=[], metavar="STAGE.OPTION=VALUE",
         help="override one option of the pipeline, e.g. --set transcribe.engine=openai-whisper"
              " or --set output.audio_format=wav; repeatable")
    _opt(r, "--policy", metavar="NAME|FILE", help="archive policy for the transcript: hipaa, fsd, ukds, strict"
                                                  " (see `mediaanon policies`) or a policy YAML; same as"
                                                  " --set redact_transcript.policy=NAME")
    _opt(r, "--models-dir", type=Path, help="extra folder searched for model files (DIR/<model>/<file>)")
    _opt(r, "--names", type=Path, help="per-study list of known names, one per line, optionally 'TYPE: text'"
                                       " (PERSON, PLACE, ORGANIZATION …); matched case-insensitively and"
                                       " tolerant of ASR misspellings")
    _opt(r, "--speaker-names", metavar="ROLES",
         help="comma-separated roles for the speakers in order of first speech, e.g."
              " \"Interviewer,Participant\" (used by diarize_speakers; roles, never real names)")
    _opt(r, "--id-from", choices=("stem", "hash"), default="stem",
         help="bundle ids from the file stem (default) or from a keyed hash of the content, for file"
              " names that are themselves personal data")
    _opt(r, "--key-file", type=Path, help="study key for --id-from hash and per-study seeds (created if"
                                          " missing; keep it outside the shared data)")
    _opt(r, "--key-out", type=Path, help="write the pseudonym -> original key here (must be outside OUTDIR)")
    _opt(r, "--device", choices=("auto", "cpu", "cuda"), default="auto",
         help="where neural models run; auto uses CUDA when it works and says so")
    _opt(r, "--overwrite", action="store_true", help="replace existing bundles (default: skip bundles that verify)")
    g = r.add_argument_group("whole studies (see README, 'Processing a whole study')")
    _opt(g, "--manifest", type=Path, help="CSV of recordings: a 'path' column (relative to the CSV) and optional"
                                          " id, language, names, speakers, speaker_names, preset columns;"
                                          " replaces INPUT")
    _opt(g, "--jobs", type=int, default=1, help="worker processes; each loads the models once and gets"
                                                " cores/JOBS threads (default 1)")
    _opt(g, "--devices", help="GPUs for the workers, round-robin, e.g. cuda:0,cuda:1")
    _opt(g, "--events", type=Path, help="append JSON-lines events (ids, stages, seconds, counts; no paths) here;"
                                        " '{shard}' in the name becomes K-of-N")
    _opt(g, "--shard", help="K/N: process only the recordings whose bundle id falls in shard K of N")
    _opt(g, "--study", type=Path, help="study folder from `mediaanon study init`: one marker per person, place"
                                       " and organisation across the study, and its key for --id-from hash")


def forward(args: argparse.Namespace, skip: tuple[str, ...] = ("shard",)) -> list[str]:
    """The run options in ``args`` that differ from their defaults, as command-line words."""
    out: list[str] = []
    for flag, dest, kind in FORWARDED:
        value = getattr(args, dest, None)
        if dest in skip or value in (None, False, []) or (dest == "id_from" and value == "stem") \
                or (dest == "device" and value == "auto") or (dest == "jobs" and value == 1):
            continue
        if kind == "flag":
            out.append(flag)
        elif kind == "append":
            for v in value:
                out += [flag, str(v)]
        else:
            out += [flag, str(Path(value).resolve()) if isinstance(value, Path) else str(value)]
    return out


def handle(args: argparse.Namespace) -> int:
    from mediaanon import bundle, pipeline, runner
    from mediaanon.study import session
    from mediaanon.study.pool import parse_devices

    if bool(args.inputs) == bool(args.manifest):
        raise usage_error("give INPUT files/folders or --manifest CSV (one of them)")
    if args.jobs < 1:
        raise usage_error("--jobs must be 1 or more")
    rows = None
    if args.manifest is not None:
        from mediaanon.study.manifest import read

        rows = read(args.manifest)
    shard = None
    if args.shard:
        from mediaanon.study.shard import parse

        shard = parse(args.shard)
    events = args.events
    if events is not None and "{shard}" in str(events):  # one events file per Slurm task on a cluster FS
        events = Path(str(events).replace("{shard}", f"{shard.index}-of-{shard.count}" if shard else "all"))
    key, study_dir = None, None
    if args.study is not None:
        from mediaanon.study.folder import open_study

        if args.key_file:
            raise usage_error("--study has its own key; do not combine it with --key-file")
        study_dir, key = open_study(args.study, args.outdir)
    elif args.id_from == "hash" or args.key_file:
        key_file = args.key_file or bundle.default_key_file()
        if bundle.is_inside(key_file, args.outdir):
            raise MediaanonError("--key-file must be outside OUTDIR")
        key = bundle.load_or_create_key(key_file)
    if args.names is not None and not args.names.is_file():
        raise usage_error("--names: file not found")
    extra = {}
    if args.speaker_names:
        from mediaanon.speakers.turns import parse_names

        try:
            extra["speaker_names"] = parse_names(args.speaker_names)
        except ValueError as exc:
            raise usage_error(f"--speaker-names: {exc}") from None
    options = session.RunOptions(
        inputs=list(args.inputs), outdir=args.outdir, pipeline=args.pipeline or pipeline.DEFAULT_PRESET,
        overrides=list(args.overrides) + ([f"redact_transcript.policy={args.policy}"] if args.policy else []), rows=rows, id_from=args.id_from, key=key, overwrite=args.overwrite,
        models_dir=args.models_dir, device=args.device, names_file=args.names, study_dir=study_dir,
        key_out=args.key_out, jobs=args.jobs, devices=parse_devices(args.devices), events=events, shard=shard,
        extra=extra)
    bar = _progress_bar(enabled=sys.stderr.isatty() and not args.quiet)
    try:
        report = session.run(options, bar)
    finally:
        bar.close()  # type: ignore[attr-defined]
    results = report.results
    overrides = list(options.overrides)
    if pipeline.output_options(options.pipeline, overrides).report and args.outdir.is_dir():
        from mediaanon.review import index

        index.write(args.outdir)  # OUTDIR/index.html: every bundle and failure record in the folder
    for r in results:
        if r.status == "failed":
            print(f"mediaanon: {r.id}: failed in {r.stage}: {r.message}", file=sys.stderr)
        elif r.verdict == "review" and not args.quiet:
            print(f"mediaanon: {r.id}: needs review (see {r.path}/report.html)", file=sys.stderr)
        elif r.status == "skipped" and not args.quiet:
            print(f"mediaanon: {r.id}: skipped: {r.message}", file=sys.stderr)
    if args.json:
        print(runner.results_json(results))
    elif not args.quiet:
        print(f"mediaanon: {runner.summary_line(results)} -> {args.outdir}", file=sys.stderr)
    if report.interrupted:
        done = [r.id for r in results if r.status == "done"]
        print(f"mediaanon: interrupted; finished before the stop: {', '.join(done) or 'none'};"
              " no partial bundle was left", file=sys.stderr)
        return 130
    return runner.exit_code(results)


class _progress_bar:
    """One overall bar: media seconds done / total, with tqdm's ETA (a terminal only)."""

    def __init__(self, enabled: bool):
        self.bar: Any = None
        self.enabled = enabled

    def __call__(self, done: float, total: float) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=round(total, 1), desc="study", unit="s media", dynamic_ncols=True, leave=False)
        self.bar.n = round(done, 1)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
