"""Per-speaker voice choice: ``anonymize_voice.speakers`` transforms only the chosen speakers' turns."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from mediaanon.errors import StageError
from mediaanon.hooks import no_hook
from mediaanon.stage import RunContext
from mediaanon.speakers.records import Diarization, Turn


def _stage_and_recording(media, tmp_path, speakers, diarization):
    from mediaanon.media.probe import probe
    from mediaanon.recording import Recording
    from mediaanon.stages import anonymize_voice

    src = media("audio/fasterwhisper_stereo_diarization.wav")  # 5 s, speech throughout on the left channel
    rec = Recording("talk", src, probe(src), tmp_path)
    rec.speakers = diarization
    stage = anonymize_voice.AnonymizeVoice({"seed": 1, "similarity": False, "speakers": speakers},
                                           RunContext(study_key=b"k"))
    return src, rec, stage


D = Diarization([Turn(0.0, 2.5, "Interviewer"), Turn(2.6, 5.0, "Participant")], ["Interviewer", "Participant"],
                "embeddings")


def test_only_the_chosen_speaker_is_transformed(media, tmp_path):
    src, rec, stage = _stage_and_recording(media, tmp_path, "Participant", D)
    summary = stage(rec, no_hook)
    x, rate = sf.read(str(src), dtype="float32", always_2d=True)
    y, _ = sf.read(str(rec.audio_tracks[0]), dtype="float32", always_2d=True)
    assert y.shape == x.shape
    cut = int(2.5 * rate)  # up to the fade before 2.6 s the interviewer is untouched, bit for bit
    assert np.array_equal(y[:cut], x[:cut])
    a, b = int(2.7 * rate), int(4.5 * rate)
    assert np.sqrt(np.mean((y[a:b] - x[a:b]) ** 2)) > 0.1 * np.sqrt(np.mean(x[a:b] ** 2))
    assert summary["speakers_transformed"] == ["Participant"] and summary["seconds_transformed"] == 2.4
    stage.close()


def test_choice_needs_a_diarization_and_known_labels(media, tmp_path):
    _, rec, stage = _stage_and_recording(media, tmp_path, "S2", None)
    with pytest.raises(StageError, match="diarize_speakers"):
        stage(rec, no_hook)
    _, rec, stage = _stage_and_recording(media, tmp_path, "S2", D)
    with pytest.raises(StageError, match="S2 not found"):
        stage(rec, no_hook)
