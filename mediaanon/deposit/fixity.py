"""Fixity: is every file still the file mediaanon wrote?

``verify(PATH)`` recomputes every checksum of a bundle, an OUTDIR, a BagIt bag
or an RO-Crate and reports missing, changed and extra files:

- a bundle is checked against its own ``processing_log.json``
  (``outputs.files[name].sha256``), which the runner writes last;
- an OUTDIR is every bundle in it (failure records and files outside
  bundles have no checksum to check; the report says so);
- a bag is validated by ``bagit``'s own validator (payload and tag
  manifests, Payload-Oxum), and its manifest is cross-checked against the
  deposited processing logs — no second hashing pass, but a manifest
  regenerated after tampering no longer agrees with the logs;
- a crate's ``File`` entities carry ``sha256``; they are recomputed.

Hashing reads 1 MiB blocks into one reused buffer, so it runs at the speed
of sha256 or of the disk, whichever is slower (measured in ``bench/``).
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Callable

from mediaanon.deposit.records import FixityReport, Problem
from mediaanon.deposit.selection import LOG_NAME, read_log, scan, bundle_files
from mediaanon.errors import UsageError

log = logging.getLogger(__name__)

CHUNK = 1 << 20
# files a bundle may hold besides those its log lists: the log itself (it cannot hash itself) and the
# review report, written after the log by mediaanon.review
ALLOWED_UNLISTED = frozenset({LOG_NAME, "report.html"})
CRATE_METADATA = "ro-crate-metadata.json"
CRATE_EXTRAS = frozenset({CRATE_METADATA, "ro-crate-preview.html"})


def sha256_file(path: Path, copy_to: Path | None = None) -> tuple[str, int]:
    """``(hex digest, bytes)``; with ``copy_to`` the file is copied in the same pass."""
    h = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    n = 0
    with open(path, "rb", buffering=0) as src:
        dst = open(copy_to, "wb") if copy_to is not None else None
        try:
            while k := src.readinto(buf):
                h.update(view[:k])
                if dst is not None:
                    dst.write(view[:k])
                n += k
        finally:
            if dst is not None:
                dst.close()
    return h.hexdigest(), n


def check_bundle(bundle: Path, prefix: str = "", copy_to: Path | None = None,
                 log_doc: dict[str, Any] | None = None) -> tuple[list[Problem], int, int]:
    """Recompute a bundle's files against its log: ``(problems, files, bytes)``.

    With ``copy_to`` every file that belongs to the bundle is copied there while
    it is hashed (deposit reads each file once); extra files are not copied."""
    try:
        doc = log_doc if log_doc is not None else read_log(bundle)
    except ValueError as exc:
        return [Problem("unreadable", prefix + LOG_NAME, str(exc))], 0, 0
    listed: dict[str, Any] = doc["outputs"]["files"]
    present = set(bundle_files(bundle))
    problems: list[Problem] = []
    files = total = 0
    for name in sorted(present | set(listed)):
        where = prefix + name
        if name not in present:
            problems.append(Problem("missing", where, "listed in the processing log"))
            continue
        if name not in listed and name not in ALLOWED_UNLISTED:
            problems.append(Problem("extra", where, "not written by mediaanon (not in the processing log)"))
            continue
        target = None
        if copy_to is not None:
            target = copy_to / name
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            digest, size = sha256_file(bundle / name, target)
        except OSError as exc:
            problems.append(Problem("unreadable", where, type(exc).__name__))
            continue
        files += 1
        total += size
        want = listed.get(name)
        if want is not None and (want.get("sha256") != digest or int(want.get("bytes", size)) != size):
            problems.append(Problem("changed", where, "sha256 differs from the processing log"))
    return problems, files, total


def verify(path: Path, processes: int = 1, progress: Callable[[str], None] | None = None) -> FixityReport:
    """Fixity of a bundle, OUTDIR, bag or crate (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise UsageError("verify: path not found")
    if not path.is_dir():
        raise UsageError("verify: expected a folder (a bundle, an OUTDIR, a bag or a crate)")
    if (path / "bagit.txt").is_file():
        return verify_bag(path, processes)
    if (path / CRATE_METADATA).is_file():
        return verify_crate(path)
    if (path / LOG_NAME).is_file():
        report = FixityReport("bundle", path, bundles=1)
        report.problems, report.files, report.bytes = check_bundle(path)
        return report
    return verify_outdir(path, progress)


def verify_outdir(path: Path, progress: Callable[[str], None] | None = None) -> FixityReport:
    found = scan(path)
    if not (found.bundles or found.failed or found.unreadable):
        raise UsageError("verify: not a bundle, an OUTDIR with bundles, a bag or a crate")
    report = FixityReport("outdir", path, bundles=len(found.bundles))
    for rid, why in found.unreadable:
        report.problems.append(Problem("unreadable", f"{rid}/{LOG_NAME}", why))
    for b in found.bundles:
        if progress:
            progress(b.id)
        probs, n, size = check_bundle(b.path, f"{b.id}/", log_doc=b.log)
        report.problems += probs
        report.files += n
        report.bytes += size
    if found.failed:
        report.notes.append(f"{len(found.failed)} failure record(s): no bundle, nothing to check")
    inside = {b.id for b in found.bundles} | {rid for rid, _ in found.unreadable}
    loose = [f for f in bundle_files(path) if not any(part.startswith(".") for part in f.split("/"))
             and not f.endswith(".failed.json") and not any(f.startswith(i + "/") for i in inside)]
    if loose:
        report.notes.append(f"{len(loose)} file(s) outside bundle folders (study summary, index.html …) carry no "
                            "checksum and were not checked")
    return report


def verify_bag(path: Path, processes: int = 1) -> FixityReport:
    import bagit

    report = FixityReport("bag", path)
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as exc:
        report.problems.append(Problem("invalid", "bagit.txt", " ".join(str(exc).split())))
        return report
    try:
        bag.validate(processes=processes)
    except bagit.BagValidationError as exc:
        report.problems += [_bag_problem(d) for d in exc.details] or [
            Problem("invalid", "bag-info.txt", " ".join(str(exc.message).split()))]
        if not exc.details:
            report.problems += _bag_details(bag, processes)
    except bagit.BagError as exc:
        report.problems.append(Problem("invalid", ".", " ".join(str(exc).split())))
    report.problems = list(dict.fromkeys(report.problems))  # bagit can name a missing file twice
    oxum = str(bag.info.get("Payload-Oxum", "0.0")).split(".")
    report.bytes, report.files = (int(oxum[0]), int(oxum[1])) if len(oxum) == 2 and all(
        x.isdigit() for x in oxum) else (0, len(bag.payload_entries()))
    data = path / "data"
    entries = bag.payload_entries()
    found = scan(data) if data.is_dir() else None
    if found is not None:
        report.bundles = len(found.bundles)
        for b in found.bundles:
            for name, want in b.log["outputs"]["files"].items():
                key = f"data/{b.id}/{name}"
                got = entries.get(key, {}).get("sha256")
                if got is None:
                    report.problems.append(Problem("missing", key, "in the processing log but not in the manifest"))
                elif got != want.get("sha256"):
                    report.problems.append(Problem("changed", key, "the bag's manifest disagrees with the log"))
        if (data / CRATE_METADATA).is_file():
            report.problems += _parse_crate(data, "data/")
    return report


def verify_crate(path: Path) -> FixityReport:
    report = FixityReport("crate", path)
    problems = _parse_crate(path)
    if problems:
        report.problems = problems
        return report
    files = _crate_files(path)
    on_disk = set(bundle_files(path)) - CRATE_EXTRAS
    for rel in sorted(on_disk | set(files)):
        if rel not in files:
            report.problems.append(Problem("extra", rel, "not described in ro-crate-metadata.json"))
        elif rel not in on_disk:
            report.problems.append(Problem("missing", rel, "described in ro-crate-metadata.json"))
        elif files[rel]:
            digest, size = sha256_file(path / rel)
            report.files += 1
            report.bytes += size
            if digest != files[rel]:
                report.problems.append(Problem("changed", rel, "sha256 differs from ro-crate-metadata.json"))
    found = scan(path)
    report.bundles = len(found.bundles)
    for b in found.bundles:
        for name, want in b.log["outputs"]["files"].items():
            key = f"{b.id}/{name}"
            if files.get(key) and files[key] != want.get("sha256"):
                report.problems.append(Problem("changed", key, "the crate disagrees with the processing log"))
    return report


def _parse_crate(root: Path, prefix: str = "") -> list[Problem]:
    from rocrate.rocrate import ROCrate

    try:
        ROCrate(str(root))
    except Exception as exc:  # noqa: BLE001 - any parse failure is a finding, not a crash
        return [Problem("invalid", prefix + CRATE_METADATA, f"rocrate cannot read it ({type(exc).__name__})")]
    return []


def _crate_files(root: Path) -> dict[str, str | None]:
    """Local ``File`` entities of a crate: relative path -> sha256 (None when not recorded)."""
    import json

    doc = json.loads((root / CRATE_METADATA).read_text(encoding="utf-8"))
    out: dict[str, str | None] = {}
    for e in doc.get("@graph", []):
        types = e.get("@type")
        types = types if isinstance(types, list) else [types]
        eid = str(e.get("@id", ""))
        if "File" in types and "://" not in eid and eid not in CRATE_EXTRAS:
            out[eid.removeprefix("./")] = e.get("sha256")
    return out


def _bag_details(bag: Any, processes: int) -> list[Problem]:
    """Which files are wrong, when ``validate`` stopped early at a Payload-Oxum mismatch.

    bagit fails fast on the file count/size (without details); the steps it
    skipped are its own completeness and checksum checks, run here one by one
    (private methods of bagit 1.x, pinned in pyproject) so the report names
    every missing, extra and changed file."""
    import bagit

    out: list[Problem] = []
    for step in (bag._validate_completeness, lambda: bag._validate_entries(processes)):
        try:
            step()
        except bagit.BagValidationError as exc:
            out += [_bag_problem(d) for d in exc.details]
    gone = {p.path for p in out if p.kind == "missing"}  # bagit also reports these as unreadable checksums
    return [p for p in out if p.kind != "changed" or p.path not in gone]


def _bag_problem(detail: Any) -> Problem:
    import bagit

    rel = str(getattr(detail, "path", "."))
    if isinstance(detail, bagit.ChecksumMismatch):
        return Problem("changed", rel, f"{detail.algorithm} differs from the bag's manifest")
    if isinstance(detail, bagit.FileMissing):
        return Problem("missing", rel, "listed in the bag's manifest")
    if isinstance(detail, bagit.UnexpectedFile):
        return Problem("extra", rel, "not in the bag's manifest")
    return Problem("invalid", rel, " ".join(str(detail).split()))
