"""Turn the command line's INPUT arguments into a list of recordings to process.

Files are taken as given (a non-media file then fails with a clear error);
folders are searched recursively for files with media extensions, and the
relative folder structure is kept in the bundle ids so a study tree is
mirrored under OUTDIR.  Hidden files and our own staging folders are skipped.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mediaanon.bundle import hash_id, stem_id
from mediaanon.errors import InputError

MEDIA_EXTENSIONS = {
    ".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mts", ".m2ts", ".mpg", ".mpeg", ".wmv", ".3gp",
    ".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".wma", ".aif", ".aiff",
    ".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff",
}


@dataclass(frozen=True)
class InputItem:
    source: Path
    relative_dir: Path  # "" for files given directly; the sub-folder inside a folder argument
    id: str = ""  # a bundle id chosen by the study's manifest; "" to derive one


def discover(args: list[str | Path]) -> tuple[list[InputItem], list[tuple[str, str]]]:
    """Expand INPUT arguments; return (items, problems) — problems do not stop the others."""
    items: list[InputItem] = []
    problems: list[tuple[str, str]] = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            found = [
                q for q in sorted(p.rglob("*"))
                if q.is_file() and q.suffix.lower() in MEDIA_EXTENSIONS
                and not any(part.startswith(".") for part in q.relative_to(p).parts)
            ]
            if not found:
                problems.append((p.name or str(p), "directory contains no media files"))
            items += [InputItem(q, q.parent.relative_to(p)) for q in found]
        elif p.exists():
            problem = _unreadable(p)
            if problem:
                problems.append((p.name, problem))
            else:
                items.append(InputItem(p, Path("")))
        elif p.is_symlink():
            problems.append((p.name, "input is a symbolic link that leads nowhere (broken or looping)"))
        else:
            problems.append((p.name, "input not found"))
    return items, problems


def _unreadable(p: Path) -> str:
    """Why a file given on the command line cannot be read, or "" (said before a tool gives a vaguer error)."""
    try:
        with p.open("rb"):
            return ""
    except PermissionError:
        return "input is not readable (permission denied)"
    except IsADirectoryError:
        return ""
    except OSError as exc:
        return f"input cannot be opened ({exc.strerror or type(exc).__name__})"


def bundle_id(item: InputItem, mode: str, key: bytes | None) -> str:
    """``stem``: the file stem; ``hash``: keyed hash of the content.  Folder
    structure is mirrored for stems only (folder names can be PII too).
    An id given by a manifest row wins."""
    if item.id:
        return item.id
    if mode == "hash":
        if key is None:
            raise InputError("--id-from hash needs a study key")
        return hash_id(item.source, key)
    rel = item.relative_dir.as_posix()
    return f"{rel}/{stem_id(item.source)}" if rel not in ("", ".") else stem_id(item.source)
