"""The encoder runs on one torch thread and the caller's setting comes back afterwards."""
from __future__ import annotations

import pytest

from mediaanon.speakers.diarize import one_torch_thread


def test_one_torch_thread_inside_and_restored_after_even_on_error():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with pytest.raises(RuntimeError):
            with one_torch_thread():
                assert torch.get_num_threads() == 1
                raise RuntimeError("encoder failed")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
