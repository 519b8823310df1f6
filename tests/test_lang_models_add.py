"""``mediaanon models add NAME DIR``: a CTranslate2 folder registered in the user manifest resolves by name,
is verified by hash like the shipped models, and shows in ``models list`` with size and languages."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediaanon import models
from mediaanon.catalog import user
from mediaanon.errors import ModelError


@pytest.fixture
def manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "models.yaml"
    monkeypatch.setenv("MEDIAANON_USER_MANIFEST", str(path))
    return path


def ct2_folder(root: Path) -> Path:
    d = root / "large-v3-turbo"
    d.mkdir()
    (d / "model.bin").write_bytes(os.urandom(4096))
    (d / "config.json").write_text('{"alignment_heads": []}', encoding="utf-8")
    (d / "tokenizer.json").write_text("{}", encoding="utf-8")
    return d


def test_add_resolves_by_name_and_is_verified(tmp_path: Path, manifest: Path) -> None:
    folder = ct2_folder(tmp_path)
    entry = user.add("whisper-large-v3-turbo", folder, languages=("multi",), licence="MIT")
    assert manifest.is_file() and list(entry["files"])[0] == "model.bin"
    r = models.resolve("whisper-large-v3-turbo")
    assert r.path == folder.resolve() and r.origin == "user"
    assert r.sha256 == models.sha256_file(folder / "model.bin")
    assert ("whisper-large-v3-turbo", "ok") == models.verify_all()[-1][:2]
    (folder / "model.bin").write_bytes(os.urandom(4096))  # changed after registration
    with pytest.raises(ModelError, match="sha256"):
        models.resolve("whisper-large-v3-turbo")


def test_add_refuses_what_is_not_a_model_folder_or_a_shipped_name(tmp_path: Path, manifest: Path) -> None:
    folder = ct2_folder(tmp_path)
    (folder / "config.json").unlink()
    with pytest.raises(ModelError, match="config.json missing"):
        user.add("mine", folder)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelError, match="shipped model name"):
        user.add("whisper-base", folder)
    with pytest.raises(ModelError, match="not a folder"):
        user.add("mine", tmp_path / "nothing")
    assert not manifest.exists()


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mediaanon", "models", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env})


def test_cli_add_then_list_shows_size_and_languages(tmp_path: Path) -> None:
    env = {"MEDIAANON_USER_MANIFEST": str(tmp_path / "models.yaml")}
    folder = ct2_folder(tmp_path)
    run = cli("add", "fi-finetune", str(folder), "--language", "fi", "--licence", "Apache-2.0", env=env)
    assert run.returncode == 0, run.stderr
    assert "fi-finetune: registered" in run.stdout
    listing = cli("list", env=env).stdout.splitlines()
    row = next(line for line in listing if line.startswith("fi-finetune "))
    assert " fi " in row and "Apache-2.0" in row and "user:" in row
    shipped = next(line for line in listing if line.startswith("spacy_fi_experimental_web_md "))
    assert "102 MB" in shipped and " fi " in shipped
    bad = cli("add", "only-name", env=env)
    assert bad.returncode == 2 and "NAME DIR" in bad.stderr


@pytest.mark.slow
def test_a_registered_real_ctranslate2_folder_loads_in_faster_whisper(tmp_path: Path, manifest: Path) -> None:
    """Round trip with real weights: tiny.en copied out of its package, added, resolved and loaded."""
    import shutil

    src = models.resolve("whisper-tiny.en").path
    dst = tmp_path / "tiny"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    user.add("my-tiny", dst, languages=("en",), licence="MIT")
    from faster_whisper import WhisperModel

    m = WhisperModel(str(models.resolve("my-tiny").path), device="cpu", compute_type="int8", local_files_only=True)
    assert m.model.is_multilingual is False
