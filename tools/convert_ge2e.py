"""Convert Resemblyzer's ``pretrained.pt`` to the float32 ``.npz`` mediaanon ships.

Run by developers, not users (it needs PyTorch: ``pip install .[voice]``)::

    python3 tools/convert_ge2e.py [--out models/resemblyzer-ge2e/ge2e.npz]

The source is found and sha256-checked through the manifest entry
``resemblyzer`` (the file inside the resemblyzer 0.1.4 wheel).  Only the
encoder's tensors are kept (the LSTM and the linear layer, under their PyTorch
names and shapes, unchanged float32); the GE2E loss's similarity scale/bias and
the optimizer state are training-only and dropped.  The archive is written
with fixed zip timestamps, sorted names and no compression, so running this
again gives the same bytes: the sha256 printed at the end is the one pinned in
``models/manifest.yaml`` (entry ``resemblyzer-ge2e``).
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

import numpy as np

KEYS = [f"lstm.{kind}_l{layer}" for layer in range(3) for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
KEYS += ["linear.weight", "linear.bias"]


def load_state(path: Path) -> dict[str, np.ndarray]:
    """The encoder tensors of a Resemblyzer checkpoint, as float32 numpy arrays."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)["model_state"]
    return {k: state[k].detach().cpu().numpy().astype(np.float32) for k in KEYS}


def write_npz(arrays: dict[str, np.ndarray], out: Path) -> str:
    """A byte-reproducible ``.npz`` (what ``numpy.load`` reads); returns its sha256."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(arrays[name]), allow_pickle=False)
    tmp.replace(out)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=repo / "models" / "resemblyzer-ge2e" / "ge2e.npz")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(repo))
    from mediaanon import models

    source = models.resolve("resemblyzer")  # raises unless the sha256 matches the manifest
    digest = write_npz(load_state(source.file("pretrained.pt")), args.out)
    print(f"source {source.file('pretrained.pt')} sha256 {source.sha256}")
    print(f"wrote {args.out} sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
