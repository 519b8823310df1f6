"""``mediaanon run``: recordings in, bundles (or failure records) out."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mediaanon.cli import EPILOG, usage_error, verbosity
from mediaanon.errors import MediaanonError


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    r = sub.add_parser(name, help="anonymize recordings into bundles", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Process each INPUT (files, or folders searched recursively) into OUTDIR/<id>/.")
    r.add_argument("inputs", nargs="+", metavar="INPUT", help="media files or folders")
    r.add_argument("-o", "--outdir", required=True, type=Path, help="where bundles are written")
    r.add_argument("-p", "--pipeline", default=None,
                   help="preset name (see `mediaanon pipelines`) or a pipeline YAML file; default: %(default)s"
                        " -> the default preset")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="STAGE.OPTION=VALUE",
                   help="override one option of the pipeline, e.g. --set transcribe.engine=openai-whisper"
                        " or --set output.audio_format=wav; repeatable")
    r.add_argument("--models-dir", type=Path, help="extra folder searched for model files (DIR/<model>/<file>)")
    r.add_argument("--names", type=Path, help="per-study list of known names, one per line, optionally 'TYPE: text'"
                                              " (PERSON, PLACE, ORGANIZATION …); matched case-insensitively and"
                                              " tolerant of ASR misspellings")
    r.add_argument("--id-from", choices=("stem", "hash"), default="stem",
                   help="bundle ids from the file stem (default) or from a keyed hash of the content, for file"
                        " names that are themselves personal data")
    r.add_argument("--key-file", type=Path, help="study key for --id-from hash and per-study seeds (created if"
                                                 " missing; keep it outside the shared data)")
    r.add_argument("--key-out", type=Path, help="write the pseudonym -> original key here (must be outside OUTDIR)")
    r.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                   help="where neural models run; auto uses CUDA when it works and says so")
    r.add_argument("--overwrite", action="store_true", help="replace existing bundles (default: skip them)")
    r.add_argument("--json", action="store_true", help="print a JSON list of results on stdout")
    verbosity(r)


def handle(args: argparse.Namespace) -> int:
    from mediaanon import bundle, pipeline, runner
    from mediaanon.progress import make_hook
    from mediaanon.stage import RunContext

    key = None
    if args.id_from == "hash" or args.key_file:
        key_file = args.key_file or bundle.default_key_file()
        if bundle.is_inside(key_file, args.outdir):
            raise MediaanonError("--key-file must be outside OUTDIR")
        key = bundle.load_or_create_key(key_file)
    if args.names is not None and not args.names.is_file():
        raise usage_error("--names: file not found")
    context = RunContext(models_dir=args.models_dir, device=args.device, names_file=args.names, study_key=key)
    pipe = pipeline.load(args.pipeline or pipeline.DEFAULT_PRESET, context, args.overrides)
    hook, close = make_hook(enabled=sys.stderr.isatty() and not args.quiet)
    try:
        results = runner.run(args.inputs, args.outdir, pipe, id_from=args.id_from, key=key,
                             overwrite=args.overwrite, hook=hook, key_out=args.key_out)
    finally:
        close()
        pipe.close()
    if pipe.output.report and args.outdir.is_dir():
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
    return runner.exit_code(results)
