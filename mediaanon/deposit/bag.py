"""The BagIt bag, made by the Library of Congress's ``bagit`` library.

``bagit.make_bag`` turns a folder into a bag in place: it moves the
contents into ``data/``, hashes them into ``manifest-sha256.txt``, writes
``bagit.txt`` and ``bag-info.txt`` and hashes those into
``tagmanifest-sha256.txt``.  We hand it the staging folder, so the bag is
complete before it gets its final name.

bag-info.txt carries the reserved labels (Bagging-Date,
Bag-Software-Agent, Payload-Oxum from bagit, contact fields from the
options) and ``Mediaanon-*`` labels with the pipelines and policies used and
the counts of deposited and excluded bundles — numbers, never ids of the
excluded ones.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from mediaanon import __version__
from mediaanon.deposit.describe import BundleFacts
from mediaanon.deposit.records import DepositOptions

log = logging.getLogger(__name__)


def bag_info(bundles: list[BundleFacts], counts: dict[str, int], options: DepositOptions) -> dict[str, str]:
    pipelines = sorted({f.pipeline for f in bundles if f.pipeline})
    policies = sorted({f.policy for f in bundles if f.policy})
    seconds = sum(f.duration or 0.0 for f in bundles)
    info = {
        "Bagging-Date": time.strftime("%Y-%m-%d", time.gmtime()),
        "Bag-Software-Agent": f"mediaanon {__version__}",
        "External-Description": f"{counts['deposited']} de-identified recording bundle(s) written by mediaanon",
        **options.contact.bag_fields(),
        "Mediaanon-Pipeline": ", ".join(pipelines) or "none recorded",
        "Mediaanon-Policy": ", ".join(policies) or "none recorded",
        "Mediaanon-Bundles": str(counts["deposited"]),
        "Mediaanon-Bundles-Clean": str(counts["clean"]),
        "Mediaanon-Bundles-Review": str(counts["review"]),
        "Mediaanon-Bundles-Unjudged": str(counts["unjudged"]),
        "Mediaanon-Excluded-Review": str(counts["excluded_review"] + counts["excluded_unjudged"]),
        "Mediaanon-Excluded-Failed": str(counts["excluded_failed"]),
        "Mediaanon-Media-Seconds": f"{seconds:.3f}",
        "Mediaanon-Id-Scheme": "keyed-hash" if bundles and all(f.keyed_id for f in bundles) else "file-stem",
        "Mediaanon-Payload": "RO-Crate (data/ro-crate-metadata.json)" if options.format == "both"
        else "mediaanon bundles",
    }
    return info


def make(folder: Path, info: dict[str, str], processes: int = 1) -> None:
    """Turn ``folder`` into a bag in place (sha256 manifests only)."""
    import bagit

    bagit.make_bag(str(folder), bag_info=dict(info), processes=processes, checksums=["sha256"])
