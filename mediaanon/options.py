"""Typed, frozen options for stages, built from YAML dicts or ``--set`` strings.

Why strict: Presidio silently falls back to its defaults when a config does
not parse; we refuse instead.  An unknown key, a wrong type or a value outside
its allowed set is a :class:`~mediaanon.errors.ConfigError` raised before any
media is touched.  The *filled* options (defaults included) are what the
processing log records (spaCy's filled config).
"""
from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Mapping, TypeVar

from mediaanon.errors import ConfigError

T = TypeVar("T")


def build_options(cls: type[T], values: Mapping[str, Any] | T | None, where: str) -> T:
    """Return ``cls(**values)`` after checking keys and coercing types.

    ``values`` may already be an instance (faster-whisper accepts a dataclass
    or a dict).  ``where`` names the stage for error messages.
    """
    if values is None:
        values = {}
    if isinstance(values, cls):
        return values
    if not isinstance(values, Mapping):
        raise ConfigError(f"{where}: options must be a mapping, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    kwargs = {name: coerce(hints[name], value, f"{where}.{name}") for name, value in values.items()}
    try:
        inst = cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    check = getattr(inst, "validate", None)
    if check is not None:
        try:
            check()
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return inst


def coerce(hint: Any, value: Any, where: str) -> Any:
    """Coerce ``value`` (possibly a string from ``--set``) to ``hint``."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        if isinstance(value, str) and value.lower() in ("none", "null") and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return coerce(arg, value, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: invalid value")
    if origin is typing.Literal:
        if value in args:
            return value
        for a in args:  # "--set x=0.8" arrives as a string
            if isinstance(a, (int, float)) and not isinstance(a, bool) and isinstance(value, str):
                try:
                    if type(a)(value) == a:
                        return a
                except ValueError:
                    pass
        raise ConfigError(f"{where}: must be one of {', '.join(map(repr, args))}, got {value!r}")
    if origin in (tuple, list):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return tuple(coerce(args[0], v, where) for v in value)
        if origin is tuple and args:
            if len(args) != len(value):
                raise ConfigError(f"{where}: expected {len(args)} values, got {len(value)}")
            return tuple(coerce(a, v, where) for a, v in zip(args, value))
        return tuple(value)
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "no", "off", "0"):
            return False
        raise ConfigError(f"{where}: expected true/false, got {value!r}")
    if hint in (int, float):
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        try:
            out = hint(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}") from None
        if hint is int and isinstance(value, float) and value != out:
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return out
    if hint is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{where}: expected text, got {value!r}")
        return str(value)
    return value


def filled(options: Any) -> dict[str, Any]:
    """The options as a plain dict with defaults included, for the log."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(options).items()}
