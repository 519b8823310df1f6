"""``mediaanon verify``: fixity of a bundle, an OUTDIR, a deposited bag or crate."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mediaanon.cli import verbosity
from mediaanon.errors import EXIT_FAILED, EXIT_OK

DESCRIPTION = """Recompute every checksum under PATH and report missing, changed and extra files.
PATH is a bundle (checked against its processing_log.json), an OUTDIR (every bundle in it), a BagIt bag
(bagit's own validator, plus its manifest against the deposited logs) or an RO-Crate folder."""
EPILOG = """output: one line per problem on stdout, KIND<TAB>PATH<TAB>DETAIL, KIND one of missing, changed,
extra, unreadable, invalid; a summary on stderr.
exit codes: 0 every checksum matches, 1 problems found, 2 PATH is not a bundle, OUTDIR, bag or crate."""


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    v = sub.add_parser(name, help="fixity check of a bundle, an OUTDIR or a deposited bag/crate",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("path", type=Path, metavar="PATH")
    v.add_argument("--processes", type=int, default=1, help="hashing processes for a bag (default 1)")
    v.add_argument("--json", action="store_true", help="print the report as JSON on stdout instead of lines")
    verbosity(v)


def handle(args: argparse.Namespace) -> int:
    from mediaanon.deposit.fixity import verify

    report = verify(args.path, processes=max(1, args.processes))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for p in report.problems:
            print(p.line())
    if not args.quiet:
        for note in report.notes:
            print(f"mediaanon: note: {note}", file=sys.stderr)
        state = "ok" if report.ok else f"{len(report.problems)} problem(s)"
        print(f"mediaanon: verify {report.kind}: {report.bundles} bundle(s), {report.files} files,"
              f" {report.bytes / 1e6:.1f} MB checked: {state}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED
