"""``deposit(OUTDIR, DEST)``: the selected bundles as a bag and/or crate, written atomically.

Steps, all inside a hidden staging folder beside DEST
(``.<DEST name>.mediaanon-deposit-<pid>-…``):

1. select the bundles (:mod:`.selection`: clean ones unless
   ``include_review``); refuse if a bundle's log is unreadable or nothing
   is left to deposit;
2. copy each bundle, hashing every file in the same read and comparing it
   with the bundle's processing log: a changed, missing or unexpected file
   stops the deposit (fail closed — an archive must not receive a file
   mediaanon did not write);
3. write the RO-Crate metadata (``rocrate``) and/or turn the folder into a
   bag (``bagit``);
4. ``os.replace`` the staging folder onto DEST.

Any exception, ``KeyboardInterrupt`` included, removes the staging folder;
a SIGKILL leaves it hidden (never under DEST's name) and the next deposit
beside it sweeps it.  DEST is never overwritten.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from mediaanon.bundle import is_inside, pid_alive
from mediaanon.deposit import bag, describe
from mediaanon.deposit.crate import write_crate
from mediaanon.deposit.fixity import check_bundle
from mediaanon.deposit.records import DepositError, DepositOptions, DepositResult
from mediaanon.deposit.selection import select
from mediaanon.errors import UsageError
from mediaanon.hooks import Hook, Progress, no_hook

log = logging.getLogger(__name__)

STAGING_TAG = ".mediaanon-deposit-"


def deposit(outdir: Path, dest: Path, options: DepositOptions | None = None, hook: Hook = no_hook) -> DepositResult:
    """Write the deposit package for OUTDIR at DEST; see the module docstring."""
    started = time.monotonic()
    options = options or DepositOptions()
    outdir, dest = Path(outdir), Path(dest)
    try:
        options.validate()
    except ValueError as exc:
        raise UsageError(f"deposit: {exc}") from None
    if not outdir.is_dir():
        raise UsageError("deposit: OUTDIR not found or not a folder")
    if dest.exists() or dest.is_symlink():
        raise UsageError("deposit: DEST already exists; a deposit is never overwritten (choose a new name)")
    if is_inside(dest, outdir):
        raise UsageError("deposit: DEST must be outside OUTDIR")
    sel = select(outdir, options.include_review)
    if sel.scan.unreadable:
        rid, why = sel.scan.unreadable[0]
        raise DepositError(f"bundle {rid}: {why}; fix it or move it out of OUTDIR (nothing was written)")
    counts = sel.counts()
    if not sel.included:
        raise DepositError(
            f"nothing to deposit: {counts['excluded_review']} bundle(s) need review and {counts['excluded_unjudged']} "
            f"have no verdict (deposit them with --include-review once checked), {counts['excluded_failed']} failed")
    dest.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(dest)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}{STAGING_TAG}{os.getpid()}-", dir=dest.parent))
    seconds: dict[str, float] = {}
    try:
        files, size, problems = 0, 0, []
        t = time.monotonic()
        for i, b in enumerate(sel.included):
            hook(Progress("", "copy+check", float(i), float(len(sel.included)), "bundles"))
            probs, n, nbytes = check_bundle(b.path, f"{b.id}/", copy_to=staging / b.id, log_doc=b.log)
            problems += probs
            files += n
            size += nbytes
        seconds["copy"] = round(time.monotonic() - t, 3)
        if problems:
            shown = "; ".join(f"{p.kind} {p.path}" for p in problems[:5])
            more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""
            raise DepositError(f"{len(problems)} fixity problem(s), nothing written: {shown}{more} "
                               "(run `mediaanon verify OUTDIR` for the full list)")
        facts = [describe.facts(b) for b in sel.included]
        if options.format in ("rocrate", "both"):
            t = time.monotonic()
            hashes = [{k: v["sha256"] for k, v in b.log["outputs"]["files"].items()} for b in sel.included]
            write_crate(staging, list(zip(facts, hashes)), options)
            seconds["crate"] = round(time.monotonic() - t, 3)
        if options.format in ("bagit", "both"):
            t = time.monotonic()
            hook(Progress("", "bag", 0.0, None))  # bagit hashes the payload again
            bag.make(staging, bag.bag_info(facts, counts, options), options.processes)
            seconds["bag"] = round(time.monotonic() - t, 3)
        if dest.exists():
            raise DepositError("deposit: DEST appeared while the package was being written; nothing replaced")
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    seconds["total"] = round(time.monotonic() - started, 3)
    log.info("deposited %d bundle(s), %d files, %d bytes -> %s", len(sel.included), files, size, dest.name)
    return DepositResult(dest, options.format, [b.id for b in sel.included], counts, files, size, seconds)


def sweep_stale(dest: Path) -> int:
    """Remove staging folders of deposits to DEST whose process is gone (a SIGKILL's leftovers)."""
    n = 0
    prefix = f".{dest.name}{STAGING_TAG}"
    if not dest.parent.is_dir():
        return 0
    for p in dest.parent.iterdir():
        if not (p.name.startswith(prefix) and p.is_dir()):
            continue
        pid = p.name[len(prefix):].split("-")[0]
        if pid.isdigit() and pid_alive(int(pid)):
            continue
        shutil.rmtree(p, ignore_errors=True)
        n += 1
    return n

