"""``mediaanon redact-text``: the transcript redaction engine over plain text."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mediaanon.cli import usage_error, verbosity
from mediaanon.errors import EXIT_OK


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    t = sub.add_parser(name, help="redact plain text with the transcript redaction engine")
    t.add_argument("file", nargs="?", default="-", help="text file, or - for standard input")
    t.add_argument("--json", action="store_true", help="print {text, entities[type,start,end,replacement]}")
    t.add_argument("--names", type=Path, help="per-study list of known names (see `run --names`)")
    t.add_argument("--models-dir", type=Path)
    verbosity(t)


def handle(args: argparse.Namespace) -> int:
    from mediaanon.redaction import Redactor

    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise usage_error(f"cannot read the text file ({type(exc).__name__})") from None
    if args.names is not None and not args.names.is_file():
        raise usage_error("--names: file not found")
    result = Redactor(names=args.names, models_dir=args.models_dir).redact_text_json(text)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(result["text"])
        if not result["text"].endswith("\n"):
            sys.stdout.write("\n")
    return EXIT_OK
