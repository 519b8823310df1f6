"""The ``mediaanon`` command: a thin layer over the library.

It parses arguments, sets up logging and progress bars (the only place that
prints), calls the library and maps outcomes to exit codes:
0 all done, 1 some recording failed, 2 usage/config error, 3 missing model.

Each command lives in its own module under :mod:`mediaanon.cli` with two
functions, ``add_parser(sub)`` and ``handle(args) -> int``; :data:`COMMANDS`
is the explicit table of them (no scanning), in the order ``--help`` lists them.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from mediaanon import __version__
from mediaanon.errors import EXIT_USAGE, MediaanonError

EPILOG = """exit codes: 0 every recording done (or already bundled), 1 at least one recording failed
(see OUTDIR/<id>.failed.json), 2 bad command line or pipeline, 3 a model is missing or fails its hash,
4 every recording done but some bundle's verdict is "review" (see its report.html; a failure wins over 4)."""

# command name -> module (``add_parser``/``handle``); modules import their heavy parts lazily
COMMANDS: dict[str, str] = {
    "run": "mediaanon.cli.run",
    "redact-text": "mediaanon.cli.text",
    "pipelines": "mediaanon.cli.catalog",
    "policies": "mediaanon.cli.catalog",
    "models": "mediaanon.cli.catalog",
    "doctor": "mediaanon.cli.catalog",
    "deposit": "mediaanon.cli.deposit",
    "verify": "mediaanon.cli.verify",
    "study": "mediaanon.cli.study",
    "reidentify": "mediaanon.cli.study",
    "summary": "mediaanon.cli.study",
    "slurm": "mediaanon.cli.slurm",
    "amend": "mediaanon.cli.amend",
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mediaanon", description="De-identify interview recordings, offline.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"mediaanon {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        importlib.import_module(module).add_parser(sub, name)
    return p


def verbosity(p: argparse.ArgumentParser) -> None:
    """``-q``/``-v`` for a command that logs."""
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


def usage_error(message: str) -> MediaanonError:
    """The error a command raises for a bad argument (exit code 2)."""
    from mediaanon.errors import UsageError

    return UsageError(message)


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
        return importlib.import_module(COMMANDS[args.command]).handle(args)
    except MediaanonError as exc:
        print(f"mediaanon: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mediaanon: interrupted; no partial bundle was left", file=sys.stderr)
        return 130
