"""Benchmark: offline diarization (``diarize_speakers``) against a one-speaker guess, same run.

    python bench/diarize.py            # every set below, with the transcript's word times (~5 min on 2 CPUs)
    python bench/diarize.py --quick    # sample.wav, the stereo clip and two stitched dialogues per pool
    python bench/diarize.py --split dev  # the dev dialogues, with the pyannote and stereo evaluation files
    python bench/diarize.py --split tune  # only the 40 extra dev-speaker dialogues to tune on (not in the targets)
    python bench/diarize.py --split heldout-extra  # the same 40 from the held-out speakers (never tuned on)
    python bench/diarize.py --no-asr   # VAD regions only (no transcription, no overhead figure)
    python bench/diarize.py --split dev --cache /tmp/t  # keep transcripts: reruns while tuning skip ASR

DER follows pyannote.metrics (``DiarizationErrorRate(collar=0, skip_overlap=False)``: no collar,
overlapped speech scored, optimal one-to-one label mapping), computed by ``mediaanon.speakers.der``
(checked against pyannote.metrics in ``tests/test_speakers_der.py``).  Sets:

- ``pyannote/``: ``sample.wav`` (2 speakers) and the AMI excerpts ``tests_dev00/tst00/trn01`` with
  ``tests_debug.*.rttm``;
- ``fasterwhisper_stereo_diarization.wav``: one speaker per channel (reference from each channel's
  energy: where that channel's voice is audible);
- dialogues stitched from LibriSpeech test-other (``bench/dialogues.py``): 3 two-speaker and 3
  three-speaker per speaker pool; the ``dev`` pool was used for tuning, the ``heldout`` pool never was.
  These 17 recordings are the issue's sets (the default run).  Two larger sets, 40 dialogues each of
  1-4 speakers, long (14-20 turns) and short (7-9 turns): ``--split tune`` from the dev speakers (tuned
  on) and ``--split heldout-extra`` from the held-out speakers (never tuned on): three dialogues per
  size flip with one borderline speaker count, so changes are judged on these too.

The one-speaker baseline labels the same speech regions our VAD finds with a single speaker.
The single-label floor is the DER of the reference itself with one speaker per instant (where two
talk at once, the one already talking): what any diarizer that labels one speaker at a time, ours
included, must miss in overlapped speech.  Ours minus the floor is what the method itself gets wrong.
Overhead: diarization CPU seconds / transcribe CPU seconds (faster-whisper tiny.en, CPU) on the same audio.
As in the pipeline, Silero VAD runs once per recording, inside the engine: the diarization derives its own
regions from the probabilities the transcript carries (``Transcript.speech_probs``), so the overhead counts
Silero once; with ``--no-asr`` the diarization runs Silero itself.
Every figure is one line; summary lines are time-weighted (sum of errors / sum of reference speech).
"""
from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dialogues import dialogues, tuning_dialogues  # noqa: E402

from mediaanon.audio import wavio  # noqa: E402
from mediaanon.speakers import der, rttm  # noqa: E402
from mediaanon.speakers.diarize import Diarizer  # noqa: E402
from mediaanon.speakers.records import Turn  # noqa: E402
from mediaanon.speakers.regions import speech_regions  # noqa: E402

MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media")) / "audio"


def load16(path: Path) -> tuple[np.ndarray, np.ndarray]:
    x, r = sf.read(str(path), dtype="float32", always_2d=True)
    chans = np.stack([wavio.resample(x[:, c], r, 16000) for c in range(x.shape[1])], axis=1).astype(np.float32)
    return chans.mean(1), chans


def items(quick: bool, split: str | None) -> list[tuple[str, str, np.ndarray, np.ndarray | None, list[Turn]]]:
    """(name, group, mono, channels or None, reference turns)."""
    if split in ("tune", "heldout-extra"):
        return [(d.name, f"stitched-{d.speakers}spk-{split}", d.audio, None, d.turns)
                for d in tuning_dialogues(MEDIA / "librispeech_test-other", "dev" if split == "tune" else "heldout")]
    out = []
    p = MEDIA / "pyannote"
    refs = {}
    for f in ("sample.rttm", "tests_debug.development.rttm", "tests_debug.test.rttm", "tests_debug.train.rttm"):
        refs.update(rttm.read(p / f))
    files = [("sample.wav", "sample")] + ([] if quick else [("tests_dev00.wav", "dev00"), ("tests_tst00.wav", "tst00"),
                                                            ("tests_trn01.wav", "trn01")])
    if split in (None, "dev"):
        for wav, fid in files:
            mono, _ = load16(p / wav)
            out.append((wav, "pyannote-3spk+" if len({t.speaker for t in refs[fid]}) > 2 else "pyannote-2spk",
                        mono, None, refs[fid]))
        mono, chans = load16(MEDIA / "fasterwhisper_stereo_diarization.wav")
        out.append(("stereo_clip", "stereo", mono, chans, stereo_reference(chans)))
    for d in dialogues(MEDIA / "librispeech_test-other"):
        if split and d.split != split:
            continue
        if quick and not d.name.endswith("-1"):
            continue
        out.append((d.name, f"stitched-{d.speakers}spk-{d.split}", d.audio, None, d.turns))
    return out


def stereo_reference(chans: np.ndarray) -> list[Turn]:
    """Each channel's voice from its energy (-35 dB below its peak, 10 ms frames, gaps < 0.3 s bridged)."""
    turns = []
    hop = 160
    for c in range(chans.shape[1]):
        x = chans[:, c]
        m = len(x) // hop
        e = 10 * np.log10((x[: m * hop].reshape(m, hop) ** 2).mean(1) + 1e-12)
        on = e > e.max() - 35
        start = None
        for i, v in enumerate(list(on) + [False]):
            if v and start is None:
                start = i
            elif not v and start is not None:
                if turns and turns[-1].speaker == f"ch{c}" and start * 0.01 - turns[-1].end < 0.3:
                    turns[-1] = Turn(turns[-1].start, i * 0.01, f"ch{c}")
                else:
                    turns.append(Turn(start * 0.01, i * 0.01, f"ch{c}"))
                start = None
    return turns


def single_label(ref: list[Turn]) -> list[Turn]:
    """The reference with one speaker per instant: in overlap, the one whose turn started first."""
    bounds = sorted({t.start for t in ref} | {t.end for t in ref})
    out: list[Turn] = []
    for a, b in zip(bounds, bounds[1:]):
        active = [t for t in ref if t.start <= a and t.end >= b]
        if not active:
            continue
        spk = min(active, key=lambda t: t.start).speaker
        if out and out[-1].speaker == spk and abs(out[-1].end - a) < 1e-9:
            out[-1] = Turn(out[-1].start, b, spk)
        else:
            out.append(Turn(a, b, spk))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--split", choices=("dev", "heldout", "tune", "heldout-extra"))
    ap.add_argument("--no-asr", action="store_true")
    ap.add_argument("--speakers", default="auto")
    ap.add_argument("--cache", type=Path, help="keep transcripts here (pickles) so a rerun skips ASR; "
                    "the overhead figure then needs a run without it")
    args = ap.parse_args()
    diarizer = Diarizer()
    engine = None
    if not args.no_asr:
        from mediaanon.transcription import load_engine

        engine = load_engine({"device": "cpu"})
    groups: dict[str, list] = {}
    asr_s = dia_s = asr_cpu = dia_cpu = 0.0
    for name, group, mono, chans, ref in items(args.quick, args.split):
        transcript = None
        cached = args.cache / f"{name}.pkl" if args.cache else None
        if engine is not None and cached is not None and cached.exists():
            transcript = pickle.loads(cached.read_bytes())
        elif engine is not None:
            t0, c0 = time.perf_counter(), time.process_time()
            transcript = engine.transcribe(mono)
            asr_s += time.perf_counter() - t0
            asr_cpu += time.process_time() - c0
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_bytes(pickle.dumps(transcript))
        t0, c0 = time.perf_counter(), time.process_time()
        hyp = diarizer.diarize(mono, transcript, args.speakers,
                               channels=(chans[:, 0], chans[:, 1]) if chans is not None and chans.shape[1] == 2 else None)
        dia_s += time.perf_counter() - t0
        dia_cpu += time.process_time() - c0
        ours = der.der(ref, hyp.turns)
        one = der.der(ref, [Turn(a, b, "one") for a, b in speech_regions(mono, transcript)])
        floor = der.der(ref, single_label(ref))
        n_ref = len({t.speaker for t in ref})
        ok = len(hyp.speakers) == n_ref
        groups.setdefault(group, []).append((ours, one, ok, floor))
        print(f"DER {name} [{group}]: ours {ours.der:.1%} (miss {ours.missed / ours.total:.1%} fa "
              f"{ours.false_alarm / ours.total:.1%} conf {ours.confusion / ours.total:.1%}) | single-label floor "
              f"{floor.der:.1%} | one-speaker "
              f"{one.der:.1%} | ratio {ours.der / one.der if one.der else float('nan'):.2f} | speakers "
              f"{len(hyp.speakers)}/{n_ref} {'ok' if ok else 'WRONG'} | {hyp.method}", flush=True)
    total_ok = total_n = 0
    for group, rows in sorted(groups.items()):
        tot = sum(r[0].total for r in rows)
        ours = sum(r[0].der * r[0].total for r in rows) / tot
        parts = {k: sum(getattr(r[0], k) for r in rows) / tot for k in ("missed", "false_alarm", "confusion")}
        one = sum(r[1].der * r[1].total for r in rows) / sum(r[1].total for r in rows)
        floor = sum(r[3].der * r[3].total for r in rows) / sum(r[3].total for r in rows)
        ok = sum(r[2] for r in rows)
        total_ok += ok
        total_n += len(rows)
        print(f"SUMMARY DER {group}: ours {ours:.1%} | one-speaker {one:.1%} | ratio {ours / one if one else float('nan'):.2f}"
              f" | count right {ok}/{len(rows)} ({len(rows)} recordings) | miss {parts['missed']:.1%} fa "
              f"{parts['false_alarm']:.1%} conf {parts['confusion']:.1%} | single-label floor {floor:.1%}")
    print(f"SUMMARY speaker count right: {total_ok}/{total_n} = {total_ok / max(total_n, 1):.0%}")
    if engine is not None and asr_cpu > 0:
        print(f"SUMMARY overhead: diarization {dia_cpu:.1f} CPU s / transcribe {asr_cpu:.1f} CPU s = "
              f"{dia_cpu / asr_cpu:.1%} (wall {dia_s:.1f} s / {asr_s:.1f} s = {dia_s / asr_s:.1%}; "
              f"faster-whisper tiny.en, CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
