"""Progress bars for the CLI: the one place that turns hook events into output.

One tqdm bar per (recording, stage), on stderr, only on a terminal; scripts
and pipes get nothing (``-q`` also turns bars off).
"""
from __future__ import annotations

from typing import Callable

from mediaanon.hooks import Hook, Progress, no_hook


def make_hook(enabled: bool) -> tuple[Hook, Callable[[], None]]:
    """Return (hook, close)."""
    if not enabled:
        return no_hook, lambda: None
    from tqdm import tqdm

    state: dict[str, object] = {"key": None, "bar": None}

    def close() -> None:
        bar = state["bar"]
        if bar is not None:
            bar.close()  # type: ignore[attr-defined]
        state["bar"] = None

    def hook(p: Progress) -> None:
        key = (p.recording, p.stage)
        if state["key"] != key:
            close()
            state["key"] = key
            if p.stage == "done":
                return
            state["bar"] = tqdm(total=p.total, desc=f"{p.recording} {p.stage}", unit=p.unit or "it",
                                leave=False, dynamic_ncols=True)
        bar = state["bar"]
        if bar is None:
            return
        if p.total is not None and bar.total != p.total:  # type: ignore[attr-defined]
            bar.total = p.total  # type: ignore[attr-defined]
        bar.n = p.done  # type: ignore[attr-defined]
        bar.refresh()  # type: ignore[attr-defined]

    return hook, close
