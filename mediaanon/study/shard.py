"""``--shard K/N``: which recordings one of N cooperating runs takes.

Why by bundle id and a hash, not by position in a listing: a listing changes
when a recording is added or a folder is copied in another order, and then
two shards would process the same recording (or none would).  The hash of
the id puts each recording in the same shard on every node, every rerun and
after inputs are added; the shards partition the study (every id lands in
exactly one of them).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from mediaanon.errors import UsageError


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as written on the command line and in Slurm's array ids
    count: int

    def takes(self, bundle_id: str) -> bool:
        return shard_of(bundle_id, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(bundle_id: str, count: int) -> int:
    """The 1-based shard of ``bundle_id`` among ``count`` shards."""
    digest = hashlib.sha256(bundle_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse(text: str) -> Shard:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m:
        raise UsageError(f"--shard {text!r}: expected K/N, e.g. 1/4")
    k, n = int(m.group(1)), int(m.group(2))
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"--shard {text}: K must be between 1 and N")
    return Shard(k, n)
