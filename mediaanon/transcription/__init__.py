"""Speech recognition: Whisper engines behind one small interface.

Public API (what stages and checks import)::

    from mediaanon.transcription import load_engine, TranscribeOptions
    engine = load_engine({"model": "whisper-tiny.en"}, context)   # or TranscribeOptions(...)
    transcript = engine.transcribe(audio)   # 16 kHz mono float32 -> records.Transcript
    engine.models_used                       # [ModelUse(...)] for the processing log
    engine.describe()                        # effective engine/model/device/compute type

Importing this package registers the converters that derive openai-whisper
checkpoints and join split model files (:mod:`.convert`).
"""
from mediaanon.transcription.engine import ENGINES, Engine, RunStats, load_engine, pick_device
from mediaanon.transcription.options import TranscribeOptions

__all__ = ["ENGINES", "Engine", "RunStats", "TranscribeOptions", "load_engine", "pick_device"]
