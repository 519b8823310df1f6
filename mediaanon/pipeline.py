"""Pipelines: an ordered list of stages read from a YAML preset or file.

A preset is a YAML mapping::

    description: one line for `mediaanon pipelines`
    stages:
      - transcribe: {engine: faster-whisper}
      - redact_transcript: {}
    output: {media: false}

Loading checks everything that can be checked without media (unknown keys,
unknown stages, option types, the requires/assigns dataflow) and *builds* the
stages, which resolves and loads their models: a missing model stops the run
before the first recording (DESIGN principle 2).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from mediaanon.errors import ConfigError
from mediaanon.models import SAFE_LOADER
from mediaanon.options import build_options, filled
from mediaanon.registry import STAGES, stage_class
from mediaanon.resources import pipelines_dir
from mediaanon.stage import MEDIA_FACTS, RunContext, Stage

log = logging.getLogger(__name__)

TOP_KEYS = {"description", "stages", "output"}
DEFAULT_PRESET = "interview"  # faces + transcript + redaction + bleeping; audio inputs skip the faces


@dataclass(frozen=True)
class OutputOptions:
    """How the bundle's media and transcript files are written."""

    media: Literal["auto", "always", "never"] = "auto"  # auto: when a stage changed audio/video/image
    audio_format: Literal["flac", "wav", "m4a", "mp3"] = "flac"  # for audio inputs
    transcript_formats: tuple[str, ...] = ("json", "txt", "srt", "vtt")
    max_duration_drift: float = 0.25  # seconds the output may differ from the input before failing
    report: bool = True  # write report.html (verdict, contact sheet, transcript, bleeps) into each bundle

    def validate(self) -> None:
        bad = set(self.transcript_formats) - {"json", "txt", "srt", "vtt"}
        if bad:
            raise ValueError(f"transcript_formats: unknown {', '.join(sorted(bad))}")


@dataclass
class PipelineSpec:
    """A parsed, validated pipeline description (no models loaded yet)."""

    name: str
    description: str
    stages: list[tuple[str, dict[str, Any]]]
    output: dict[str, Any] = field(default_factory=dict)


@dataclass
class Pipeline:
    """Built stages, ready to run on recordings."""

    spec: PipelineSpec
    stages: list[Stage]
    output: OutputOptions

    def filled(self) -> dict[str, Any]:
        """The effective configuration, defaults included (goes into the log)."""
        return {
            "name": self.spec.name,
            "stages": [{s.name: filled(s.options)} for s in self.stages],
            "output": filled(self.output),
        }

    def close(self) -> None:
        for s in self.stages:
            s.close()


def list_presets() -> dict[str, str]:
    """Preset name -> one-line description."""
    out = {}
    for p in sorted(pipelines_dir().glob("*.yaml")):
        try:
            out[p.stem] = load_spec(p.stem).description
        except ConfigError as exc:
            out[p.stem] = f"(invalid: {exc.one_line()})"
    return out


def load_spec(name_or_path: str | Path) -> PipelineSpec:
    """Read a preset by name or a YAML file by path; validate its shape."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") or not path.exists():
        candidate = pipelines_dir() / f"{name_or_path}.yaml"
        if not candidate.exists():
            if path.suffix in (".yaml", ".yml"):
                raise ConfigError(f"pipeline file not found: {path}")
            raise ConfigError(f"unknown preset {name_or_path!r}; presets: {', '.join(sorted(list_names()))}")
        path = candidate
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"pipeline {path.name}: cannot parse YAML ({type(exc).__name__})") from None
    return parse_spec(data, path.stem)


def list_names() -> list[str]:
    return [p.stem for p in pipelines_dir().glob("*.yaml")]


def parse_spec(data: Any, name: str) -> PipelineSpec:
    """Validate the structure of a pipeline mapping (pure; tested as data)."""
    if not isinstance(data, dict):
        raise ConfigError(f"pipeline {name}: top level must be a mapping")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise ConfigError(f"pipeline {name}: unknown key(s) {', '.join(sorted(unknown))}")
    stages_raw = data.get("stages")
    if not isinstance(stages_raw, list) or not stages_raw:
        raise ConfigError(f"pipeline {name}: 'stages' must be a non-empty list")
    stages: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(stages_raw):
        if isinstance(item, str):
            item = {item: {}}
        if not isinstance(item, dict) or len(item) != 1:
            raise ConfigError(f"pipeline {name}: stage #{i + 1} must be 'name' or '{{name: {{options}}}}'")
        (stage_name, opts), = item.items()
        opts = opts or {}
        if not isinstance(opts, dict):
            raise ConfigError(f"pipeline {name}: options of {stage_name} must be a mapping")
        stages.append((str(stage_name), dict(opts)))
    names = [s for s, _ in stages]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(f"pipeline {name}: stage(s) listed twice: {', '.join(sorted(dupes))}")
    output = data.get("output") or {}
    if not isinstance(output, dict):
        raise ConfigError(f"pipeline {name}: 'output' must be a mapping")
    return PipelineSpec(name, str(data.get("description", "")).strip(), stages, dict(output))


def apply_overrides(spec: PipelineSpec, overrides: list[str]) -> PipelineSpec:
    """Apply ``--set stage.option=value`` (or ``output.option=value``) strings."""
    for item in overrides:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise ConfigError(f"--set {item!r}: expected stage.option=value")
        key, value = item.split("=", 1)
        target, option = key.split(".", 1)
        if target == "output":
            spec.output[option] = value
            continue
        for stage_name, opts in spec.stages:
            if stage_name == target:
                opts[option] = value
                break
        else:
            raise ConfigError(f"--set {key}: pipeline {spec.name} has no stage {target!r}")
    return spec


def check_dataflow(classes: list[type[Stage]], options: list[dict[str, Any]] | None = None) -> None:
    """Reject orders in which a stage lacks what it requires or sees what it refuses.

    ``options`` (one mapping per stage) lets a stage require more for some
    settings (``Stage.requires_for``): anonymize_voice with method=revoice
    needs the redacted transcript.
    """
    facts: set[str] = set(MEDIA_FACTS)  # media facts are checked per recording
    for i, cls in enumerate(classes):
        opts = options[i] if options is not None else {}
        requires = cls.requires_for(opts)
        missing = set(requires) - facts
        if missing:
            how = "" if requires == cls.requires else f" (with {', '.join(f'{k}={v}' for k, v in opts.items())})"
            raise ConfigError(
                f"stage {cls.name}{how} requires {', '.join(sorted(missing))}, which no earlier stage provides"
            )
        seen = set(cls.refuses) & facts
        if seen:
            raise ConfigError(f"stage {cls.name} must run before the stage that provides {', '.join(sorted(seen))}")
        facts |= set(cls.assigns)
    if "transcript" in facts and "pii" not in facts:
        raise ConfigError("the pipeline transcribes but has no redact_transcript stage: an unredacted "
                          "transcript is never written")


def build(spec: PipelineSpec, context: RunContext) -> Pipeline:
    """Resolve classes, check the dataflow, build every stage (loads models)."""
    unknown = [n for n, _ in spec.stages if n not in STAGES]
    if unknown:
        stage_class(unknown[0])  # raises the "unknown stage" error before any import
    classes = [stage_class(n) for n, _ in spec.stages]
    check_dataflow(classes, [opts for _, opts in spec.stages])
    output = build_options(OutputOptions, spec.output, "output")
    stages = []
    try:
        for cls, (_, opts) in zip(classes, spec.stages):
            stages.append(cls(opts, context))
    except BaseException:
        for s in stages:
            s.close()
        raise
    return Pipeline(spec, stages, output)


def output_options(name_or_path: str | Path, overrides: list[str] | None = None) -> OutputOptions:
    """The output options a run will use, without building any stage (no model is loaded)."""
    spec = apply_overrides(load_spec(name_or_path), overrides or [])
    return build_options(OutputOptions, spec.output, "output")


def load(name_or_path: str | Path, context: RunContext, overrides: list[str] | None = None) -> Pipeline:
    """Read, override, validate and build a pipeline in one call."""
    spec = apply_overrides(load_spec(name_or_path), overrides or [])
    return build(spec, context)
