"""One family of exceptions, each carrying the exit code a script should see.

Why a hierarchy with exit codes on it: the CLI maps an exception to a code in
one place, and the runner turns any of them into a ``.failed.json`` record
whose message is a single line.  Messages must never contain PII: they name
files by bundle id, stages by name and options by key, never transcript text.
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # at least one recording failed; the others are done
EXIT_USAGE = 2  # bad command line, option or pipeline file: nothing was run
EXIT_MODEL = 3  # a model is missing or its hash does not match
EXIT_REVIEW = 4  # every recording done, but some bundles need a person's review (verdict "review")


class MediaanonError(Exception):
    """Base class; ``exit_code`` tells the CLI what to return."""

    exit_code = EXIT_FAILED

    def one_line(self) -> str:
        """The message on one line, as written to failure records."""
        return " ".join(str(self).split())


class UsageError(MediaanonError):
    """A bad command line, option value or pipeline: fix the invocation."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A pipeline file or ``--set`` option that does not validate."""


class ModelError(MediaanonError):
    """A model is not installed, not found, or fails its sha256 check."""

    exit_code = EXIT_MODEL


class InputError(MediaanonError):
    """An input recording that cannot be processed (missing, corrupt, no audio)."""


class StageError(MediaanonError):
    """A stage failed on a recording; the recording gets no bundle."""


class PrivacyCheckError(StageError):
    """A verification found residual PII (faces, spoken names) under ``strict``."""


class FFmpegError(MediaanonError):
    """ffmpeg/ffprobe returned non-zero.

    Carries the argv and the tail of stderr for debugging (ffmpeg-python's
    ``Error``), but ``str()`` stays a one-liner without the paths' contents.
    """

    def __init__(self, message: str, argv: list[str] | None = None, stderr: str = ""):
        super().__init__(message)
        self.argv = list(argv or [])
        self.stderr = stderr
