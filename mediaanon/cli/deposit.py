"""``mediaanon deposit``: a study's clean bundles as a BagIt bag and/or an RO-Crate."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mediaanon.cli import verbosity
from mediaanon.errors import EXIT_OK

DESCRIPTION = """Package the bundles of OUTDIR for an archive, at DEST (a new folder, written atomically).
By default only bundles whose verdict is "clean" go in; failure records, hidden staging folders, the study
summary and index.html never do.  --format both (default) is a BagIt bag whose payload is an RO-Crate."""
EPILOG = """exit codes: 0 package written, 1 refused (a bundle fails its fixity check, or nothing to deposit;
nothing was written), 2 bad command line (DEST exists, OUTDIR missing)."""


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    d = sub.add_parser(name, help="package clean bundles as a BagIt bag / RO-Crate for an archive",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("outdir", type=Path, metavar="OUTDIR", help="the folder `mediaanon run -o` wrote")
    d.add_argument("dest", type=Path, metavar="DEST", help="the package folder to create (must not exist)")
    d.add_argument("--format", choices=("bagit", "rocrate", "both"), default="both",
                   help="bagit: a bag of the bundles; rocrate: a crate folder; both (default): a bag whose"
                        " data/ is a crate — archives that ingest bags get manifests, catalogues get metadata")
    d.add_argument("--include-review", action="store_true",
                   help="also deposit bundles whose verdict is 'review' or that have no verdict (bundles"
                        " written before verdicts existed); do this only after a person checked them")
    d.add_argument("--title", help="the package's name in the RO-Crate")
    d.add_argument("--license", help="licence of the deposit (URL or SPDX id), if the consent allows one")
    g = d.add_argument_group("contact (the depositor, written to bag-info.txt; never the participants)")
    g.add_argument("--source-organization")
    g.add_argument("--organization-address")
    g.add_argument("--contact-name")
    g.add_argument("--contact-phone")
    g.add_argument("--contact-email")
    g.add_argument("--external-description", help="one-line description of the study")
    g.add_argument("--external-identifier", help="the archive's identifier for this deposit")
    d.add_argument("--processes", type=int, default=1, help="hashing processes for the bag (default 1)")
    d.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    verbosity(d)


def handle(args: argparse.Namespace) -> int:
    from mediaanon.deposit import Contact, DepositOptions
    from mediaanon.deposit.package import deposit
    from mediaanon.progress import make_hook

    contact = Contact(**{k: getattr(args, k) for k in (
        "source_organization", "organization_address", "contact_name", "contact_phone", "contact_email",
        "external_description", "external_identifier")})
    options = DepositOptions(format=args.format, include_review=args.include_review, contact=contact,
                             title=args.title, license=args.license, processes=args.processes)
    hook, close = make_hook(enabled=sys.stderr.isatty() and not args.quiet)
    try:
        result = deposit(args.outdir, args.dest, options, hook)
    finally:
        close()
    c = result.counts
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    if not args.quiet:
        print(f"mediaanon: deposited {c['deposited']} bundle(s) ({c['clean']} clean, {c['review']} review,"
              f" {c['unjudged']} without verdict), {result.files} files, {result.bytes / 1e6:.1f} MB as {result.format}"
              f" -> {result.dest}", file=sys.stderr)
        left = c["excluded_review"] + c["excluded_unjudged"]
        if left or c["excluded_failed"]:
            print(f"mediaanon: left out {c['excluded_review']} needing review, {c['excluded_unjudged']} without"
                  f" verdict (--include-review after checking them), {c['excluded_failed']} failed", file=sys.stderr)
    return EXIT_OK
