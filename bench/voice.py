"""Benchmark: how well do the voice transforms hide the speaker, and what do they cost ASR?

    python bench/voice.py              # 10 speakers x 10 utterances, baselines + our trade-off curve (~10 min)
    python bench/voice.py --quick      # McAdams baselines + our default only
    python bench/voice.py --agreement  # adds WER against the originals' transcripts on all 100 (slow)
    python bench/voice.py --quick --only-revoice  # McAdams 0.8 anchor + re-voicing only

Speaker verification on ``audio/librispeech_test-other`` (10 speakers x 10 utterances): per
speaker the first 3 utterances enroll (mean of L2-normalised Resemblyzer d-vectors), the other 7
are trials scored by cosine against every enrolled speaker (70 target, 630 non-target trials).
EER for three attackers:

- original: nothing transformed (the attack works: EER ~0 %);
- ignorant: enrolls with original speech, trials are transformed;
- lazy-informed: knows the method and transforms the enrollment too — each utterance with its
  own random draw, as our stage draws per recording.

Every method runs in the same process on the same utterances: McAdams α=0.8 (VoicePrivacy B2),
McAdams α drawn in [0.5, 0.9] per utterance (VPC 2022/2024), SoX ``pitch -400`` (the peer tool
researchers use; skipped without sox), WORLD with a random pitch shift ±5 st and formant ratio in
[0.85, 1.18], and our ``anonymize_voice`` settings (draws from ``stages.anonymize_voice.draw``).
Utility: WER of faster-whisper tiny.en (``mediaanon.transcription``) on clips with a reference
transcript (LibriSpeech, JFK, VCTK, SpeechBrain, LJ Speech), original vs transformed; and, with
``--agreement``, the WER of the transformed LibriSpeech utterances against the transcript of the
originals (ASR agreement over all 100).  Our settings are also run with the McAdams α range
widened step by step: the trade-off curve between protection and ASR cost.

Re-voicing (``method=revoice``, skipped with ``--no-revoice``): each utterance is transcribed by
the same tiny.en engine the pipeline uses (no redaction: LibriSpeech holds few PII and the
question here is the voice), cut into phrases and spoken by the synthetic voice in the original
timing; its real-time factor (synthesis, fitting and rendering; not the transcription the
pipeline does anyway) is printed on its own line.  EER with 70 target trials moves by a few points between
random draws: read differences under ~5 points as noise.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media"))
RATE = 16000
WER_CLIPS = [  # manifest transcripts usable as references
    "audio/librispeech_test-other/1688/1688-142285-0000.flac", "audio/librispeech_test-other/1688/1688-142285-0001.flac",
    "audio/librispeech_test-other/1688/1688-142285-0002.flac", "audio/lhotse/2412-153948-0000.flac",
    "audio/librispeech_misc/116-288045-0000.flac", "audio/whisper_jfk.flac", "audio/vctk/p225_001.wav",
    "audio/vctk/p225_002.wav", "audio/vctk/p226_001.wav", "audio/vctk/p226_002.wav", "audio/vctk/p227_001.wav",
    "audio/lhotse/ljspeech_LJ002-0020.wav", "audio/lhotse/ljspeech_LJ002-0035.wav",
] + [f"audio/speechbrain/spk{s}_snt{i}.wav" for s in (1, 2) for i in range(1, 6)]

Transform = Callable[[np.ndarray, int, str], np.ndarray]  # (audio, rate, utterance id) -> audio


@dataclass
class Result:
    name: str
    ignorant: float
    lazy: float
    same_speech: float
    seconds: float
    wer: float | None = None
    agreement_wer: float | None = None


def load(path: Path) -> np.ndarray:
    import soundfile as sf

    from mediaanon.audio.wavio import resample

    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return resample(x.mean(axis=1), sr, RATE).astype(np.float32)


def references() -> dict[str, str]:
    """Reference texts from the shared media manifest (notes and quotes stripped)."""
    entries = {e["path"]: e.get("transcript", "") for e in json.loads((MEDIA / "manifest.json").read_text())}
    out = {}
    for rel in WER_CLIPS:
        text = entries.get(rel, "")
        harvard = re.search(r'\[Harvard: "([^"]+)"\]', text)
        text = harvard.group(1) if harvard else re.split(r" \(|\[", text)[0]
        text = text.strip().strip('"')
        if text and (MEDIA / rel).exists():
            out[rel] = text
    return out


def normalise(text: str) -> str:
    text = text.lower().replace("mister", "mr").replace("mr.", "mr")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(text.replace("'", "").split())


def wer(refs: list[str], hyps: list[str]) -> float:
    import jiwer

    pairs = [(normalise(r), normalise(h)) for r, h in zip(refs, hyps) if normalise(r)]
    return 100.0 * jiwer.wer([r for r, _ in pairs], [h or "<empty>" for _, h in pairs])


def eer_pair(speakers: list[str], base: list[np.ndarray], anon: list[np.ndarray]) -> tuple[float, float]:
    from mediaanon.audio.similarity import eer, verification_scores

    def run(enroll_emb, trial_emb):
        enroll, trials = {}, []
        for spk in sorted(set(speakers)):
            idx = [i for i, s in enumerate(speakers) if s == spk]
            m = np.mean([enroll_emb[i] for i in idx[:3]], axis=0)
            enroll[spk] = m / np.linalg.norm(m)
            trials += [(spk, trial_emb[i]) for i in idx[3:]]
        return 100.0 * eer(*verification_scores(enroll, trials))

    return run(base, anon), run(anon, anon)


def sox_pitch(cents: int) -> Transform | None:
    exe = shutil.which("sox")
    if exe is None:
        return None

    def f(x: np.ndarray, sr: int, _uid: str) -> np.ndarray:
        import soundfile as sf

        with tempfile.TemporaryDirectory() as d:
            src, dst = Path(d) / "in.wav", Path(d) / "out.wav"
            sf.write(str(src), x, sr, subtype="FLOAT")
            subprocess.run([exe, "-q", str(src), str(dst), "pitch", str(cents)], check=True)
            y, _ = sf.read(str(dst), dtype="float32")
        return y[: len(x)] if len(y) >= len(x) else np.pad(y, (0, len(x) - len(y)))

    return f


_WORLD_CACHE: dict = {}


def stage_transform(**options) -> Transform:
    """Our stage's own draw + transform, one draw per utterance (= per recording).

    Draws of the pitch target and formant ratio do not depend on the α range, so
    the WORLD part is computed once per utterance and shared by the points of the
    trade-off curve (``voice.transform_mono`` with ``world_output``).
    """
    from mediaanon.audio import voice
    from mediaanon.options import build_options
    from mediaanon.stages.anonymize_voice import VoiceOptions, draw

    o = build_options(VoiceOptions, {"seed": 7, **options}, "anonymize_voice")

    def f(x: np.ndarray, sr: int, uid: str) -> np.ndarray:
        s = draw(o, b"bench-study-key", uid).settings
        world = None
        if s.world.active:
            key = (uid, sr, s.world)
            if key not in _WORLD_CACHE:
                _WORLD_CACHE[key] = voice.world_transform(x.astype(np.float64), sr, s.world)
            world = _WORLD_CACHE[key]
        return voice.transform_mono(x.astype(np.float64), sr, s, world_output=world).astype(np.float32)

    return f


REVOICE_NAME = "revoice (Piper joe-medium speaks the ASR transcript)"
REVOICE_TIME = {"seconds": 0.0, "cpu": 0.0, "audio": 0.0}


def revoice_transform(engine) -> Transform:
    """The stage's re-voicing path on one utterance: transcribe, phrases, synthesise, render at ``sr``."""
    import soundfile as sf

    from mediaanon.audio.revoice import phrases
    from mediaanon.audio.revoice.engine import Revoicer, RevoiceSettings

    revoicer = Revoicer(None, "cpu")
    cache: dict[str, list] = {}

    def f(x: np.ndarray, sr: int, uid: str) -> np.ndarray:
        if uid not in cache:
            t = engine.transcribe(x)  # the bench holds every clip at 16 kHz, what the engine takes
            segs = [{"id": s.id, "start": s.start, "end": s.end, "text": s.text.strip()} for s in t.segments]
            cache[uid] = [t, segs]
        t, segs = cache[uid]
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "in.wav"
            sf.write(str(src), x, sr, subtype="FLOAT")
            started, cpu = time.perf_counter(), time.process_time()
            cut, _ = phrases.split(t, [], segs)
            (out,), _summary = revoicer.revoice(uid, "en", cut, [src], Path(d), RevoiceSettings())
            REVOICE_TIME["seconds"] += time.perf_counter() - started
            REVOICE_TIME["cpu"] += time.process_time() - cpu
            REVOICE_TIME["audio"] += len(x) / sr
            y, _ = sf.read(str(out), dtype="float32")
        return y

    return f


def methods(quick: bool) -> list[tuple[str, Transform]]:
    from mediaanon.audio import voice
    from mediaanon.stages.anonymize_voice import VoiceOptions

    rng_of = lambda uid, salt: np.random.default_rng(abs(hash((uid, salt))) % (1 << 32))  # noqa: E731
    default = VoiceOptions()
    out: list[tuple[str, Transform]] = [
        ("McAdams a=0.8 (VPC B2)", lambda x, sr, uid: voice.mcadams(x, sr, 0.8).astype(np.float32)),
        ("McAdams a~U[0.5,0.9] (VPC 2022/24)", stage_transform(method="mcadams", alpha_range=(0.5, 0.9))),
    ]
    sox = sox_pitch(-400)
    if sox is not None and not quick:
        out.append(("SoX pitch -4 st", sox))
    if not quick:
        out.append(("WORLD pitch~U[-5,5] st, formant~U[0.85,1.18]", lambda x, sr, uid: voice.world_shift(
            x, sr, rng_of(uid, 1).uniform(-5, 5), rng_of(uid, 2).uniform(0.85, 1.18)).astype(np.float32)))
        out.append(("ours world only (pitch target, formant, colour)", stage_transform(method="world")))
        for lo in (0.8, 0.7, 0.6, 0.5):
            if (lo, 0.9) != tuple(default.alpha_range):
                out.append((f"ours world + McAdams a~U[{lo},0.9]", stage_transform(alpha_range=(lo, 0.9))))
    a0, a1 = default.alpha_range
    out.append((f"ours default (world + McAdams a~U[{a0},{a1}])", stage_transform()))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="baselines + our default only")
    ap.add_argument("--agreement", action="store_true",
                    help="also transcribe all 100 utterances: WER of transformed vs original transcripts (slow)")
    ap.add_argument("--no-asr", action="store_true", help="skip every WER measurement")
    ap.add_argument("--no-revoice", action="store_true", help="skip method=revoice")
    ap.add_argument("--only-revoice", action="store_true", help="the McAdams 0.8 anchor and method=revoice only")
    args = ap.parse_args()
    folder = MEDIA / "audio" / "librispeech_test-other"
    if not folder.is_dir():
        print(f"voice: skipped, {folder} not present")
        return 0
    from mediaanon.audio.similarity import SpeakerEncoder  # GE2E on onnxruntime: no torch needed

    files = sorted(folder.glob("*/*.flac"))
    speakers = [f.name.split("-")[0] for f in files]
    uids = [f.stem for f in files]
    audio = [load(f) for f in files]
    enc = SpeakerEncoder()
    embed = lambda xs: [_or_zero(enc.embed(x)) for x in xs]  # noqa: E731
    base = embed(audio)
    engine = None
    refs = {} if args.no_asr else references()
    ref_audio = {rel: load(MEDIA / rel) for rel in refs}
    if not args.no_asr or not args.no_revoice:
        from mediaanon.transcription import load_engine

        engine = load_engine({"model": "whisper-tiny.en", "vad": False}, None)
    transcribe = lambda xs: [" ".join(s.text for s in engine.transcribe(x).segments) for x in xs]  # noqa: E731
    base_wer = wer(list(refs.values()), transcribe(list(ref_audio.values()))) if engine and refs else None
    base_hyp = transcribe(audio) if engine and args.agreement else None
    o_ign, o_lazy = eer_pair(speakers, base, base)
    print(f"voice.original.eer {o_ign:.1f} % (Resemblyzer, {len(set(speakers))} speakers x {len(files) // len(set(speakers))} "
          f"utterances, 3 enroll / rest trials)" + (f"; WER {base_wer:.1f} % on {len(refs)} reference clips" if base_wer is not None else ""))
    results: list[Result] = []
    started = time.perf_counter()
    todo = methods(args.quick)
    if args.only_revoice:
        todo = todo[:1]
    if not args.no_revoice:
        todo.append((REVOICE_NAME, revoice_transform(engine)))
    for name, fn in todo:
        t = time.perf_counter()
        anon = [np.asarray(fn(x, RATE, uid), dtype=np.float32) for x, uid in zip(audio, uids)]
        seconds = time.perf_counter() - t
        assert all(len(a) == len(x) for a, x in zip(anon, audio)), name
        emb = embed(anon)
        ign, lazy = eer_pair(speakers, base, emb)
        same = float(np.mean([float(np.dot(a, b)) for a, b in zip(base, emb)]))
        r = Result(name, ign, lazy, same, seconds)
        if engine is not None and refs:
            r.wer = wer(list(refs.values()), transcribe([np.asarray(fn(x, RATE, rel), np.float32) for rel, x in ref_audio.items()]))
            if base_hyp is not None:
                r.agreement_wer = wer(base_hyp, transcribe(anon))
        results.append(r)
        print(line(r, base_wer, results[0]), flush=True)
    if REVOICE_TIME["audio"]:
        print(f"voice.revoice.rtf {REVOICE_TIME['seconds'] / REVOICE_TIME['audio']:.3f} wall "
              f"({REVOICE_TIME['cpu'] / REVOICE_TIME['audio']:.3f} CPU-seconds per second, all threads; synthesis + fitting "
              f"+ rendering, {REVOICE_TIME['audio']:.0f} s of audio on {os.cpu_count()} CPU cores; target <= 0.5)")
    ok = [r for r in results if r.wer is None or base_wer is None or r.wer - base_wer <= 5.0]
    best = max(ok or results, key=lambda r: (min(r.ignorant / 40, r.lazy / 25, 1.0), r.ignorant + r.lazy))
    print(f"voice.best_within_wer_budget [{best.name}] ignorant {best.ignorant:.1f} %, lazy-informed {best.lazy:.1f} % "
          f"(targets 40 / 25 %)" + (f", WER +{best.wer - base_wer:.1f} points (target <= 5)" if best.wer is not None and base_wer is not None else "")
          + f"; whole run {time.perf_counter() - started:.0f} s")
    return 0


def _or_zero(e: np.ndarray | None) -> np.ndarray:
    """No speech left for Resemblyzer's VAD: the attacker gets nothing (cosine 0)."""
    return np.zeros(256, np.float32) if e is None else e


def line(r: Result, base_wer: float | None, anchor: Result) -> str:
    ratio = r.ignorant / anchor.ignorant if anchor.ignorant else float("nan")
    s = (f"voice.eer [{r.name}] ignorant {r.ignorant:.1f} % lazy-informed {r.lazy:.1f} % "
         f"(x{ratio:.2f} vs McAdams 0.8 ignorant; same-speech cosine {r.same_speech:.3f}; {r.seconds:.0f} s for 767 s audio)")
    if r.wer is not None and base_wer is not None:
        s += f"; WER {r.wer:.1f} % (+{r.wer - base_wer:.1f})"
    if r.agreement_wer is not None:
        s += f"; WER vs original transcript {r.agreement_wer:.1f} %"
    return s


if __name__ == "__main__":
    raise SystemExit(main())
