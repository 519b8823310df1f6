"""blur_faces runs on its own thread alongside the audio stages (runner.Alongside)."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from mediaanon import runner
from mediaanon.hooks import no_hook


class Fake:
    def __init__(self, name, requires=(), assigns=(), fail=False, gate=None):
        self.name, self.requires, self.assigns = name, frozenset(requires), frozenset(assigns)
        self.fail, self.gate, self.thread = fail, gate, None

    def applies_to(self, rec):
        return True

    def __call__(self, rec, hook):
        self.thread = threading.current_thread().name
        if self.gate is not None:
            assert self.gate.wait(10)  # the audio stages must run while this one is still going
        if self.fail:
            raise RuntimeError("boom")
        return {"ran": self.name}


def rec():
    return SimpleNamespace(id="r", facts=set())


def test_blur_faces_runs_alongside_and_the_log_keeps_pipeline_order():
    gate = threading.Event()
    faces = Fake("blur_faces", assigns={"faces_blurred"}, gate=gate)

    class Last(Fake):
        def __call__(self, r, hook):
            out = super().__call__(r, hook)
            gate.set()
            return out

    audio = [Fake("transcribe", assigns={"transcript"}), Last("redact_transcript", requires={"transcript"})]
    pipe = SimpleNamespace(stages=[faces, *audio])
    r = rec()
    aside = runner.Alongside.start(pipe, r, {}, no_hook)
    assert aside is not None and aside.stage is faces
    logs = [aside.entry] + [runner.run_stage(s, r, no_hook) for s in audio]
    aside.finish()
    assert [e["name"] for e in logs] == ["blur_faces", "transcribe", "redact_transcript"]
    assert all(e["status"] == "done" and "cpu_seconds" in e for e in logs)
    assert faces.thread == "stage-blur_faces" and audio[0].thread == threading.current_thread().name
    assert {"faces_blurred", "transcript"} <= r.facts


def test_not_alongside_when_another_stage_needs_it_or_it_is_alone():
    faces = Fake("blur_faces", assigns={"faces_blurred"})
    needs = Fake("later", requires={"faces_blurred"})
    assert runner.Alongside.start(SimpleNamespace(stages=[faces, needs]), rec(), {}, no_hook) is None
    assert runner.Alongside.start(SimpleNamespace(stages=[faces]), rec(), {}, no_hook) is None
    assert runner.Alongside.start(SimpleNamespace(stages=[faces, Fake("transcribe")]), rec(),
                                  {"blur_faces": "no video"}, no_hook) is None


def test_its_error_is_raised_by_finish():
    faces = Fake("blur_faces", fail=True)
    aside = runner.Alongside.start(SimpleNamespace(stages=[faces, Fake("transcribe")]), rec(), {}, no_hook)
    with pytest.raises(RuntimeError, match="boom"):
        aside.finish()
