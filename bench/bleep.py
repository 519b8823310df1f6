"""Benchmark: is spoken PII still recognisable after bleep_pii, and what else is lost?

    python bench/bleep.py            # 8 synthetic interviews (espeak-ng, 8 voices) + the AMI clip
    python bench/bleep.py --quick    # 3 synthetic interviews + the AMI clip

Each synthetic interview alternates an interviewer and a participant (two espeak-ng voices) and
contains names, phone numbers spoken digit by digit, e-mail addresses spoken as "dot"/"at", street
addresses and dates; the real AMI clip has "I'm Abigail Claflin … you can call me Abbie".  Each
recording goes through the real stages — ``transcribe`` (faster-whisper tiny.en), ``redact_transcript``,
``bleep_pii`` (its own leak check on) — and the bleeped audio is then transcribed once more and
searched for the *known* PII strings of the script (not only those the redaction found), with
the same fuzzy/phonetic matcher as the leak check.

Figures: PII items still recognisable after bleeping (target 0; before bleeping for reference),
and the share of the other words that are still recognised (words of the script outside PII
aligned as correct in the re-transcription, over those recognised in the original transcription;
target >= 0.8).  Peer baseline in the same run: the naive bleep that proofs of concept use —
exactly the ASR word times of the redacted words, no padding, no widening of untimed tokens.

Re-voicing (``anonymize_voice`` method ``revoice``, skipped with ``--no-revoice``): the same
recordings are also re-voiced from the redacted transcript after the bleep, and the re-voiced
audio is transcribed and searched in the same way: PII items still recognisable (target 0) and
the share of other words kept.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media"))
AMI = MEDIA / "audio" / "lhotse" / "ami_ES2011a.Headset-0-40s-46s.wav"
AMI_PII = ["Abigail", "Claflin", "Abbie"]
SHOW = False
AMI_TEXT = "I'm {Abigail} {Claflin} you can call me {Abbie}"

# {braces} mark PII.  Phone numbers are written digit by digit so espeak says them that way.
SCRIPTS = [
    ("en-us", "en+f3", [
        "Thank you for joining us today. Could you introduce yourself?",
        "Sure. My name is {Jonathan Miller} and I work as a nurse in {Springfield}.",
        "What is the best way to reach you after the interview?",
        "You can call me on {5 5 5, 0 1 4 2} or write to {john dot miller at gmail dot com}.",
        "And where did you grow up?",
        "I grew up at {42 Elm Street}, near the old train station, with my sister {Emily}.",
    ]),
    ("en-gb", "en+m7", [
        "Let us start with your background. How long have you lived here?",
        "I moved here in {March 2019} with my partner {Priya Raman}.",
        "Do you remember the name of your first employer?",
        "Yes, I worked for {Harold Benson} at a bakery on {Mill Lane} for three years.",
        "Is there a number where the study team can reach you?",
        "My mobile is {0 7 7 0 0, 9 0 0 1 2 3}, mornings are best.",
    ]),
    ("en+f3", "en-gb-scotland", [
        "Can you tell me about the community centre?",
        "It was run by {Margaret Sullivan} and later by her son {Daniel}.",
        "How did you hear about this project?",
        "My doctor, {doctor Ahmed Khan}, gave me a leaflet at the clinic.",
        "Could you spell your e-mail for the consent form?",
        "It is {grace dot okafor at outlook dot com}, and I was born on {the fourth of July 1988}.",
    ]),
    ("en+m7", "en-us", [
        "What did you do before you retired?",
        "I taught history at {Lincoln High School} for twenty years.",
        "Which of your colleagues do you still see?",
        "Mostly {Robert Chen} and {Susan Park}; we meet every Friday.",
        "Where do you live now?",
        "At {17 Harbor Road}, apartment {3 B}. My phone is {2 1 2, 4 8 6, 3 3 0 9}.",
    ]),
    ("en-029", "en+f4", [
        "Please describe a typical day at work.",
        "I open the shop at eight. My manager, {Carlos Mendez}, arrives at nine.",
        "Do you have family nearby?",
        "My brother {Tomas} lives in {Riverside}, just across the bridge.",
        "How can we send you the transcript?",
        "Send it to {tomas dot mendez at yahoo dot com} or call {3 1 0, 5 5 5, 7 7 2 1}.",
    ]),
    ("en-gb-x-rp", "en+m3", [
        "How did the flooding affect your neighbourhood?",
        "Badly. The water reached {Willow Crescent} and the house of {Mrs Patel}.",
        "Who organised the clean up?",
        "A man called {Oliver Grant} from the council, and my neighbour {Fiona}.",
        "Can we contact you for a follow up?",
        "Yes, my number is {0 1 6 1, 4 9 6, 0 0 5 8}.",
    ]),
    ("en-us+f2", "en-gb", [
        "Tell me about your first job.",
        "I was a cashier at {Walmart} in {Dayton, Ohio}, when I was sixteen.",
        "Who trained you there?",
        "A lady named {Barbara Wilson}. She was very patient with me.",
        "What is your date of birth, for our records?",
        "{The twelfth of March 1975}. And my email is {barb dot fan at hotmail dot com}.",
    ]),
    ("en-gb-scotland", "en-us+m2", [
        "What brought you to the city?",
        "A job offer from {Siemens}, and my wife {Anna Kowalski} found work here too.",
        "Do you still keep in touch with your old friends?",
        "With {Michael Brown}, yes. He lives at {9 Queen Street} in {Glasgow}.",
        "Is there anything you would like to add?",
        "Only that my daughter {Sophie} starts school in {September}.",
    ]),
]


@dataclass
class Outcome:
    name: str
    items: int
    heard_before: int  # PII items recognisable in the original audio
    leaks_ours: int
    leaks_naive: int
    other_before: int  # non-PII script words recognised in the original
    other_ours: int
    other_naive: int
    bleeped_s: float
    duration_s: float
    stage_leaks: int
    unflagged: int  # leaks of items the redaction never marked (so nothing was bleeped there)
    leaks_revoice: int = 0  # PII items recognisable in the re-voiced audio (method=revoice)
    other_revoice: int = 0


def words_of(script: str) -> list[tuple[str, bool]]:
    """(canonical token, is_pii) for every word of a {braced} script line."""
    from mediaanon.audio.leakcheck import tokens

    out = []
    for part in re.split(r"(\{[^}]*\})", script):
        pii = part.startswith("{")
        out += [(t, pii) for t in tokens(part.strip("{}"))]
    return out


def synthesize(lines: list[str], voices: tuple[str, str], dst: Path) -> None:
    """Alternate two voices with 0.7 s pauses; 22.05 kHz mono WAV."""
    import soundfile as sf

    pieces = []
    with tempfile.TemporaryDirectory() as d:
        for i, line in enumerate(lines):
            p = Path(d) / f"{i}.wav"
            subprocess.run(["espeak-ng", "-v", voices[i % 2], "-s", "155", "-w", str(p), line.replace("{", "").replace("}", "")],
                           check=True, capture_output=True)
            x, sr = sf.read(str(p), dtype="float32")
            pieces += [x, np.zeros(int(0.7 * sr), np.float32)]
    sf.write(str(dst), np.concatenate([np.zeros(int(0.5 * sr), np.float32)] + pieces), sr, subtype="PCM_16")


def recognised(script_words: list[tuple[str, bool]], hypothesis: str) -> int:
    """Non-PII script words aligned as 'equal' with the hypothesis tokens."""
    import jiwer

    from mediaanon.audio.leakcheck import tokens

    ref = [t for t, _ in script_words]
    hyp = tokens(hypothesis)
    if not hyp:
        return 0
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    hits = 0
    for chunk in out.alignments[0]:
        if chunk.type == "equal":
            hits += sum(1 for i in range(chunk.ref_start_idx, chunk.ref_end_idx) if not script_words[i][1])
    return hits


def naive_intervals(rec) -> list:
    """The peer: exactly the redacted words' ASR times, nothing added."""
    from mediaanon.audio.bleep import Interval, word_map

    words, _, _ = word_map(rec.transcript)
    out = []
    for i, s in enumerate(rec.pii):
        hit = [w for w in words if w.start_char < s.end and s.start < w.end_char]
        if hit:
            out.append(Interval(min(w.start for w in hit), max(w.end for w in hit), (i,)))
    return out


def process(name: str, path: Path, script: str, stages, engine, workdir: Path) -> Outcome:
    from mediaanon.audio import bleep, leakcheck, wavio
    from mediaanon.hooks import no_hook
    from mediaanon.media.probe import probe
    from mediaanon.recording import Recording

    scratch = workdir / name
    scratch.mkdir()
    rec = Recording(name, path, probe(path), scratch)
    (original_track,) = rec.original_audio_tracks()
    summaries = [stage(rec, no_hook) for stage in stages[:3]]
    bleeped_track = rec.audio_tracks[0]
    revoiced_track = None
    if len(stages) > 3:  # anonymize_voice method=revoice, from the redacted transcript
        stages[3](rec, no_hook)
        revoiced_track = rec.audio_tracks[0]
    pii_texts = [m.strip("{}") for m in re.findall(r"\{[^}]*\}", script)]
    items = [leakcheck.Needle("PII", t) for t in pii_texts]
    script_words = words_of(script)
    original = rec.transcript
    heard_before = len({x.type + str(i) for i, n in enumerate(items) for x in leakcheck.find_leaks(original, [n])})
    bleeped = wavio.read(bleeped_track)
    source = wavio.read(original_track)
    naive = bleep.apply(source.samples, source.sample_rate, naive_intervals(rec))
    naive_path = wavio.write(scratch / "naive.wav", wavio.Track(naive, source.sample_rate))

    b = summaries[2]
    bleeps = [bleep.Interval(a, z, ()) for a, z in b["ranges"]]

    def leaks_in(p: Path, show: bool = False) -> tuple[int, str, int]:
        hyp = engine.transcribe(rec.speech_of(p))
        found = [(item, leakcheck.find_leaks(hyp, [item], intervals=bleeps)) for item in items]
        if show and SHOW:  # synthetic scripts only hold invented PII; opt-in diagnostics
            for item, leaks in found:
                for x in leaks:
                    heard = " ".join(w.word for s in hyp.segments for w in s.words if w.end > x.t0 and w.start < x.t1)
                    print(f"    leak in {name}: {item.text!r} heard as {heard!r} at {x.t0:.2f}-{x.t1:.2f} s "
                          f"(score {x.score:.0f}); redaction spans: {[(s.t0, s.t1) for s in rec.pii]}")
        unflagged = sum(1 for _, leaks in found if leaks and not any(x.in_bleep for x in leaks))
        return sum(1 for _, leaks in found if leaks), hyp.text, unflagged

    ours, ours_text, unflagged = leaks_in(bleeped_track, show=True)
    naive_leaks, naive_text, _ = leaks_in(naive_path)
    out = Outcome(name, len(items), heard_before, ours, naive_leaks, recognised(script_words, original.text),
                  recognised(script_words, ours_text), recognised(script_words, naive_text), b["seconds"],
                  bleeped.duration, b["leak_check"]["leaks"], unflagged)
    if revoiced_track is not None:
        out.leaks_revoice, revoice_text, _ = leaks_in(revoiced_track, show=True)
        out.other_revoice = recognised(script_words, revoice_text)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 synthetic interviews + AMI")
    ap.add_argument("--no-revoice", action="store_true", help="skip the re-voiced (method=revoice) variant")
    ap.add_argument("--show-leaks", action="store_true", help="print the invented PII strings that leak (diagnostics)")
    args = ap.parse_args()
    global SHOW
    SHOW = args.show_leaks
    if shutil.which("espeak-ng") is None:
        print("bleep: espeak-ng not installed; synthetic interviews skipped")
        scripts = []
    else:
        scripts = SCRIPTS[:3] if args.quick else SCRIPTS
    from mediaanon.stage import RunContext
    from mediaanon.stages.anonymize_voice import AnonymizeVoice
    from mediaanon.stages.bleep_pii import BleepPii
    from mediaanon.stages.redact_transcript import RedactTranscript
    from mediaanon.stages.transcribe import Transcribe
    from mediaanon.transcription import load_engine

    ctx = RunContext()
    stages = [Transcribe({}, ctx), RedactTranscript({}, ctx), BleepPii({}, ctx)]
    if not args.no_revoice:
        stages.append(AnonymizeVoice({"method": "revoice", "similarity": False}, ctx))
    engine = load_engine({}, ctx)
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        for i, (v1, v2, lines) in enumerate(scripts):
            wav = work / f"interview_{i}.wav"
            synthesize(lines, (v1, v2), wav)
            outcomes.append(process(f"synth{i}", wav, " ".join(lines), stages, engine, work))
            print(summary_line(outcomes[-1], f"{v1}/{v2}"), flush=True)
        if AMI.exists():
            outcomes.append(process("ami", AMI, AMI_TEXT, stages, engine, work))
            print(summary_line(outcomes[-1], "real AMI headset"), flush=True)
        else:
            print("bleep: AMI clip not present; skipped")
    for s in stages:
        s.close()
    if not outcomes:
        return 0
    tot = lambda f: sum(getattr(o, f) for o in outcomes)  # noqa: E731
    print(f"bleep.pii_items_recognisable_after {tot('leaks_ours')} of {tot('items')} (before bleeping {tot('heard_before')}; "
          f"naive word-time bleep {tot('leaks_naive')}; {len(outcomes)} recordings; target 0)")
    print(f"bleep.flagged_items_recognisable_after {tot('leaks_ours') - tot('unflagged')} (items the redaction marked but the "
          f"bleep did not cover; the other {tot('unflagged')} were never marked as PII by redact_transcript, so not bleeped)")
    kept = tot("other_ours") / max(1, tot("other_before"))
    naive_kept = tot("other_naive") / max(1, tot("other_before"))
    print(f"bleep.other_words_kept {kept:.3f} ({tot('other_ours')} of {tot('other_before')} recognised non-PII words; "
          f"naive {naive_kept:.3f}; target >= 0.8)")
    print(f"bleep.leaks_ratio_vs_naive {tot('leaks_ours') / max(1, tot('leaks_naive')):.2f} "
          f"(ours {tot('leaks_ours')}, naive {tot('leaks_naive')}); bleeped {tot('bleeped_s'):.1f} s of {tot('duration_s'):.1f} s; "
          f"stage leak check reported {tot('stage_leaks')}; {time.perf_counter() - started:.0f} s")
    if not args.no_revoice:
        print(f"bleep.revoice_pii_items_recognisable {tot('leaks_revoice')} of {tot('items')} (re-voiced from the redacted "
              f"transcript; bleeped {tot('leaks_ours')}; before {tot('heard_before')}; target 0)")
        print(f"bleep.revoice_other_words_kept {tot('other_revoice') / max(1, tot('other_before')):.3f} "
              f"({tot('other_revoice')} of {tot('other_before')}; bleeped {kept:.3f})")
    return 0


def summary_line(o: Outcome, what: str) -> str:
    return (f"  {o.name} ({what}, {o.duration_s:.1f} s): {o.items} PII items, heard before {o.heard_before}, "
            f"after ours {o.leaks_ours}, after naive {o.leaks_naive}; other words {o.other_ours}/{o.other_before} "
            f"(naive {o.other_naive}); stage leak check {o.stage_leaks}; never marked {o.unflagged}; "
            f"re-voiced: {o.leaks_revoice} PII, other words {o.other_revoice}")


if __name__ == "__main__":
    raise SystemExit(main())
