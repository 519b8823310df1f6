"""``mediaanon redact-text``: the transcript redaction engine over plain text.

The language selects the NLP pipeline.  Without ``--language`` it is detected
from the text's function words (see ``redaction/languages/detect.py``); when
that is undecided the command stops and asks for ``--language`` — it never
assumes English silently.  The language and how it was chosen go to stderr.
"""
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
    t.add_argument("--language", metavar="CODE",
                   help="language of the text (en, fi, fr; sv/nb/da/de with a side-loaded pipeline); default: "
                        "detected from its function words, or an error asking for it")
    t.add_argument("--policy", metavar="NAME|FILE", help="archive policy: hipaa, fsd, ukds, strict, or a policy YAML")
    t.add_argument("--rules-only", action="store_true",
                   help="no NER pipeline: rules, checksums and known names only (for a language without one)")
    t.add_argument("--models-dir", type=Path)
    verbosity(t)


def handle(args: argparse.Namespace) -> int:
    from mediaanon.redaction import Redactor
    from mediaanon.redaction.languages import detect, get

    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise usage_error(f"cannot read the text file ({type(exc).__name__})") from None
    if args.names is not None and not args.names.is_file():
        raise usage_error("--names: file not found")
    if args.language:
        try:
            language = get(args.language).code
        except ValueError as exc:
            raise usage_error(f"--language: {exc}") from None
        how = "given"
    else:
        language, why = detect.detect(text)
        if language is None:
            raise usage_error(f"cannot tell the language of the text ({why}); give it with --language CODE")
        how = f"detected: {why}"
    if not args.quiet:
        print(f"mediaanon: language {language} ({how})" + (f", policy {args.policy}" if args.policy else ""),
              file=sys.stderr)
    options = {"language": language, "rules_only": args.rules_only, "policy": args.policy}
    result = Redactor(options, names=args.names, models_dir=args.models_dir).redact_text_json(text)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(result["text"])
        if not result["text"].endswith("\n"):
            sys.stdout.write("\n")
    return EXIT_OK
