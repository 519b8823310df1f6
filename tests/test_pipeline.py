"""Pipeline files and options: every broken config is an error, never a fallback."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from mediaanon import pipeline as pl
from mediaanon import registry
from mediaanon.errors import ConfigError
from mediaanon.options import build_options, filled
from mediaanon.stage import RunContext

from _stages import TEST_STAGES

DATA = Path(__file__).parent / "data" / "pipelines"


@pytest.fixture(autouse=True)
def test_stages(monkeypatch):
    for k, v in TEST_STAGES.items():
        monkeypatch.setitem(registry.STAGES, k, v)


@pytest.mark.parametrize("name, message", [
    ("unknown_stage", "unknown stage 'summon_demons'"),
    ("unknown_option", "unknown option(s) gian"),
    ("bad_type", "test_gain.gain: expected float, got 'loud'"),
    ("not_yaml", "cannot parse YAML"),
    ("unknown_top", "unknown key(s) outputs"),
    ("empty_stages", "'stages' must be a non-empty list"),
    ("bad_output", "output.audio_format: must be one of"),
    ("duplicate", "listed twice"),
])
def test_broken_pipeline_files_are_errors(name, message):
    with pytest.raises(ConfigError) as err:
        pl.load(DATA / f"{name}.yaml", RunContext())
    assert message in str(err.value)


def test_every_preset_parses_and_names_registered_stages():
    names = pl.list_names()
    assert {"interview", "interview-voice", "transcript", "faces", "voice"} <= set(names)
    for n in names:
        spec = pl.load_spec(n)
        assert spec.description
        for stage, _ in spec.stages:
            assert stage in registry.STAGES, f"preset {n} names {stage}, not registered"


def test_default_preset_exists():
    assert pl.DEFAULT_PRESET in pl.list_names()


def test_overrides_apply_and_validate():
    spec = pl.parse_spec({"stages": ["test_gain"]}, "t")
    pl.apply_overrides(spec, ["test_gain.gain=0.25", "output.audio_format=wav"])
    p = pl.build(spec, RunContext())
    assert p.stages[0].options.gain == 0.25 and p.output.audio_format == "wav"
    assert p.filled()["output"]["transcript_formats"] == ["json", "txt", "srt", "vtt"]
    with pytest.raises(ConfigError, match="no stage 'nope'"):
        pl.apply_overrides(pl.parse_spec({"stages": ["test_gain"]}, "t"), ["nope.x=1"])
    with pytest.raises(ConfigError, match="expected stage.option=value"):
        pl.apply_overrides(pl.parse_spec({"stages": ["test_gain"]}, "t"), ["gain=1"])


def test_refused_and_required_facts_are_checked_at_load(monkeypatch):
    from mediaanon.stage import Stage

    @dataclass(frozen=True)
    class O:
        pass

    class NeedsPii(Stage):
        name = "needs_pii"
        Options = O
        requires = frozenset({"pii"})

    class Transforms(Stage):
        name = "transforms"
        Options = O
        assigns = frozenset({"voice_transformed"})

    class Refuses(Stage):
        name = "refuses"
        Options = O
        refuses = frozenset({"voice_transformed"})

    with pytest.raises(ConfigError, match="requires pii"):
        pl.check_dataflow([NeedsPii])
    with pytest.raises(ConfigError, match="must run before"):
        pl.check_dataflow([Transforms, Refuses])
    pl.check_dataflow([Refuses, Transforms])


@dataclass(frozen=True)
class Opts:
    mode: Literal["tone", "silence"] = "tone"  # fill
    level: float = -20.0  # dB
    count: int = 3
    flag: bool = False
    name: str | None = None
    pads: tuple[float, float] = (0.1, 0.2)
    kinds: tuple[str, ...] = ("a",)

    def validate(self):
        if self.count < 0:
            raise ValueError("count must be >= 0")


def test_options_coercion_from_strings():
    o = build_options(Opts, {"mode": "silence", "level": "-12.5", "count": "4", "flag": "yes", "name": "none",
                             "pads": "0.2,0.3", "kinds": "a,b"}, "x")
    assert o == Opts("silence", -12.5, 4, True, None, (0.2, 0.3), ("a", "b"))
    assert filled(o)["pads"] == [0.2, 0.3]


@pytest.mark.parametrize("values, message", [
    ({"mode": "beep"}, "must be one of"),
    ({"count": 1.5}, "expected an integer"),
    ({"flag": "maybe"}, "expected true/false"),
    ({"count": -1}, "count must be >= 0"),
    ({"pads": [1, 2, 3]}, "expected 2 values"),
    ({"level": True}, "expected a number"),
])
def test_options_errors(values, message):
    with pytest.raises(ConfigError, match=message):
        build_options(Opts, values, "x")
