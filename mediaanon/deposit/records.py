"""Typed records of the deposit package: options, results, fixity problems.

Kept apart from the code that fills them so the CLI can import them without
pulling in ``bagit`` or ``rocrate``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mediaanon.errors import MediaanonError

Format = Literal["bagit", "rocrate", "both"]
FORMATS: tuple[str, ...] = ("bagit", "rocrate", "both")


class DepositError(MediaanonError):
    """The deposit was refused (a bundle fails its fixity check, nothing to deposit …).

    Exit code 1: nothing was written under DEST.  The message names bundles
    by id and files by their name inside the bundle, never by content."""


@dataclass(frozen=True)
class Contact:
    """The depositor's contact fields (BagIt's reserved bag-info labels).

    These describe whoever deposits the study, not its participants; every
    field is optional and written only when given."""

    source_organization: str | None = None  # Source-Organization
    organization_address: str | None = None  # Organization-Address
    contact_name: str | None = None  # Contact-Name
    contact_phone: str | None = None  # Contact-Phone
    contact_email: str | None = None  # Contact-Email
    external_description: str | None = None  # External-Description (a default is written when absent)
    external_identifier: str | None = None  # External-Identifier, e.g. the archive's study number

    def bag_fields(self) -> dict[str, str]:
        labels = {
            "source_organization": "Source-Organization", "organization_address": "Organization-Address",
            "contact_name": "Contact-Name", "contact_phone": "Contact-Phone", "contact_email": "Contact-Email",
            "external_description": "External-Description", "external_identifier": "External-Identifier",
        }
        return {label: " ".join(str(getattr(self, k)).split()) for k, label in labels.items()
                if getattr(self, k)}


@dataclass(frozen=True)
class DepositOptions:
    format: str = "both"  # bagit: a bag; rocrate: a crate folder; both: a bag whose payload is a crate
    include_review: bool = False  # also deposit bundles whose verdict is "review" (or that have none)
    contact: Contact = field(default_factory=Contact)
    title: str | None = None  # the crate's name; a neutral default when absent
    license: str | None = None  # the crate's licence (URL or SPDX id), when the study's consent allows one
    processes: int = 1  # hashing processes for bagit (1 keeps a shared machine usable)

    def validate(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        if self.processes < 1:
            raise ValueError("processes must be at least 1")


@dataclass
class DepositResult:
    dest: Path
    format: str
    bundles: list[str]  # ids deposited
    counts: dict[str, int]  # deposited/excluded counts by verdict (see selection.Selection.counts)
    files: int = 0  # payload files
    bytes: int = 0  # payload bytes
    seconds: dict[str, float] = field(default_factory=dict)  # copy / crate / bag / total

    def as_dict(self) -> dict[str, Any]:
        return {"dest": str(self.dest), "format": self.format, "bundles": self.bundles, "counts": self.counts,
                "files": self.files, "bytes": self.bytes, "seconds": self.seconds}


@dataclass(frozen=True)
class Problem:
    """One fixity finding; ``path`` is relative to what was verified."""

    kind: str  # missing | changed | extra | unreadable | invalid
    path: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.kind}\t{self.path}" + (f"\t{self.detail}" if self.detail else "")


@dataclass
class FixityReport:
    """What ``verify`` found: counts of what was checked and every problem."""

    kind: str  # bundle | outdir | bag | crate
    path: Path
    files: int = 0  # files whose checksum was recomputed
    bytes: int = 0
    bundles: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was not checked, and why

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": str(self.path), "ok": self.ok, "files": self.files,
                "bytes": self.bytes, "bundles": self.bundles, "notes": self.notes,
                "problems": [{"kind": p.kind, "path": p.path, "detail": p.detail} for p in self.problems]}
