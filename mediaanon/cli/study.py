"""``mediaanon study init``, ``reidentify`` and ``summary``: the study folder and its products."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mediaanon.cli import usage_error
from mediaanon.errors import EXIT_OK


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    if name == "study":
        s = sub.add_parser(name, help="create a study folder (study key + register of pseudonyms)",
                           description="Create DIR with the study key (mode 0600) and the register of pseudonyms."
                                       " Keep it outside the data you share; pass it to `run --study DIR`.")
        s.add_argument("action", choices=("init",))
        s.add_argument("folder", type=Path, metavar="DIR")
    elif name == "reidentify":
        r = sub.add_parser(name, help="map markers back to originals (principal investigator only)",
                           description="Print FILE (or BUNDLE's transcript) with every marker replaced by its"
                                       " original. The only command that prints originals.")
        r.add_argument("--study", type=Path, required=True, metavar="DIR", help="the study folder")
        r.add_argument("target", type=Path, metavar="FILE|BUNDLE")
        r.add_argument("--table", action="store_true", help="print 'marker<TAB>original' lines instead of the text")
    else:
        m = sub.add_parser(name, help="merge every bundle and failure record into OUTDIR/study.json and study.csv")
        m.add_argument("outdir", type=Path, metavar="OUTDIR")
        m.add_argument("--json", action="store_true", help="also print study.json on stdout")


def handle(args: argparse.Namespace) -> int:
    return {"study": _init, "reidentify": _reidentify, "summary": _summary}[args.command](args)


def _init(args: argparse.Namespace) -> int:
    from mediaanon.study.folder import init

    folder = init(args.folder)
    print(f"mediaanon: study folder ready: {folder} (keep it outside the shared data; back up study.key)",
          file=sys.stderr)
    return EXIT_OK


def _reidentify(args: argparse.Namespace) -> int:
    from mediaanon.study import reidentify as ri
    from mediaanon.study.folder import open_study

    study, _ = open_study(args.study)
    text_file, rid = ri.target(args.target)
    table = ri.mapping(study, rid)
    if args.table:
        used = text_file.read_text(encoding="utf-8", errors="replace")
        for marker, original in sorted(table.items()):
            if marker in used:
                print(f"{marker}\t{original}")
        return EXIT_OK
    sys.stdout.write(ri.apply(text_file.read_text(encoding="utf-8", errors="replace"), table))
    return EXIT_OK


def _summary(args: argparse.Namespace) -> int:
    from mediaanon.study.summary import write

    if not args.outdir.is_dir():
        raise usage_error("summary: OUTDIR not found")
    doc = write(args.outdir)
    if args.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    t = doc["totals"]
    print(f"mediaanon: {t['recordings']} recordings: {t.get('done', 0)} done, {t.get('failed', 0)} failed"
          f" -> {args.outdir / 'study.json'}, {args.outdir / 'study.csv'}", file=sys.stderr)
    return EXIT_OK
