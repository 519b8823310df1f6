"""Deposit: a study's bundles as an archive package, and fixity checks.

Archives ingest packages whose every file carries a checksum: a BagIt bag
(RFC 8493, through the Library of Congress's ``bagit`` library) and/or an
RO-Crate (``ro-crate-metadata.json`` through ``rocrate``) that describes each
bundle in machine-readable form.  ``--format both`` (the default) puts the
RO-Crate inside the bag's payload, the layout the RO-Crate specification
recommends for combining the two.

Modules:

- :mod:`.selection` — which bundles of an OUTDIR go in (clean verdicts by
  default), and why the others stay out;
- :mod:`.fixity` — sha256 of files at disk speed, and ``verify`` for a
  bundle, an OUTDIR, a bag or a crate;
- :mod:`.describe` — facts about a bundle for bag-info and the crate, read
  from its processing log (never PII, never input file names);
- :mod:`.crate`, :mod:`.bag` — the two formats, built by their libraries;
- :mod:`.package` — the atomic deposit itself (staging beside DEST, then
  ``os.replace``).
"""
from __future__ import annotations

from mediaanon.deposit.records import (
    Contact, DepositError, DepositOptions, DepositResult, FixityReport, Problem,
)

__all__ = ["Contact", "DepositError", "DepositOptions", "DepositResult", "FixityReport", "Problem"]
