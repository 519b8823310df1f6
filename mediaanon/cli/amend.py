"""``mediaanon amend``: a reviewer's extra redactions, applied to a finished bundle."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mediaanon.cli import verbosity


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help="redact more in a finished bundle (time ranges or words from its report)",
                       description="Redact every word in a time range, or a word by its number in transcript.json "
                                   "(the N of the report's review list), in every transcript format, and bleep it in "
                                   "every audio track of media.*.  Hashes and report.html are updated and the "
                                   "amendment is recorded in processing_log.json; the bundle is replaced atomically.")
    p.add_argument("bundle", type=Path, help="the bundle folder (OUTDIR/<id>)")
    p.add_argument("--range", dest="ranges", action="append", default=[], metavar="T0-T1",
                   help="seconds to redact, e.g. 12.5-14.0; repeatable")
    p.add_argument("--word", dest="words", action="append", default=[], type=int, metavar="N",
                   help="word number in transcript.json, as the report lists it; repeatable")
    p.add_argument("--json", action="store_true", help="print the amendment record as JSON")
    verbosity(p)


def handle(args: argparse.Namespace) -> int:
    from mediaanon.errors import EXIT_OK, UsageError
    from mediaanon.review import amend

    if not args.bundle.is_dir():
        raise UsageError("BUNDLE must be a bundle folder (OUTDIR/<id>)")
    record = amend.apply(args.bundle, amend.Amendment(tuple(amend.parse_range(r) for r in args.ranges),
                                                       tuple(args.words)))
    if args.json:
        print(json.dumps(record, indent=2))
    elif not args.quiet:
        print(f"mediaanon: amended {args.bundle.name}: {record['words_redacted']} word(s) in "
              f"{record['segments_changed']} segment(s), {len(record['bleeped'])} range(s) bleeped", file=sys.stderr)
    return EXIT_OK
