"""Benchmark: a Finnish and a French interview clip, made with espeak-ng, transcribed and redacted end to end.

For each language a short scripted answer with personal data (names,
inflected places, an ID, a phone number, a date, an age, an address) is
spoken by espeak-ng (``-v fi`` / ``-v fr``, a separate GPL program, run as a
process), transcribed by ``mediaanon.transcription`` with the given Whisper
model and the language set, and redacted by ``Redactor(language=…)``.

Figures (one line each):
- ``wer``: word error rate of the transcript against the script (lower case,
  punctuation removed; jiwer);
- ``pii_recall``: of the script's PII items whose words Whisper did write
  recognisably (a transcript word >= 80 % similar, or containing the word:
  "omikko" for "Mikko"), the share of which no such word is left in the
  redacted transcript;
- ``pii_transcribed``: how many of the script's PII items Whisper wrote at
  all (a garbled name cannot be found by any redactor, but does not leak
  either: this is the part of recall that depends on the model).
Synthetic speech is easier than a real interview in some ways (clean, no
overlaps) and harder in others (espeak's robotic prosody): read the WER as a
relative figure between models, next to FLEURS.

Usage: python bench/redact_spoken_lang.py [--model whisper-base] [--languages fi,fr]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRIPTS = {
    "fi": ("Minun nimeni on Mikko Virtanen ja asun Tampereella. Olen töissä Nokialla. "
           "Puhelinnumeroni on nolla neljä nolla, yksi kaksi kolme, neljä viisi kuusi seitsemän. "
           "Olen neljäkymmentäseitsemän vuotias ja muutimme Hämeenkatu kahteentoista maaliskuussa.",
           ["Mikko Virtanen", "Tampereella", "Nokialla", "Hämeenkatu", "neljäkymmentäseitsemän",
            "nolla neljä nolla yksi kaksi kolme"]),
    "fr": ("Je m'appelle Marie Dubois et j'habite à Lyon. Je travaille chez Renault depuis le trois avril. "
           "Mon numéro est le zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit. "
           "J'ai quarante-trois ans et mon mari s'appelle Julien.",
           ["Marie Dubois", "Lyon", "Renault", "trois avril", "quarante-trois ans", "Julien", "zéro six douze"]),
}
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def norm(text: str) -> str:
    return " ".join(WORD_RE.findall(text.lower()))


def near(word: str, words: list[str]) -> bool:
    """``word`` is recognisable in ``words``: one of them is >= 80 % similar ("omikko" for "mikko")."""
    from rapidfuzz import fuzz

    return any(fuzz.ratio(word, w) >= 80 or (len(w) > len(word) and fuzz.partial_ratio(word, w) >= 90) for w in words)


def speak(text: str, voice: str, dst: Path) -> None:
    raw = dst.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(raw), "-ar", "16000", "-ac", "1", str(dst)],
                   check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="whisper-base")
    ap.add_argument("--languages", default="fi,fr")
    args = ap.parse_args(argv)

    import jiwer
    import soundfile as sf

    from mediaanon.redaction import Redactor
    from mediaanon.redaction.languages import poor_transcription_warning
    from mediaanon.transcription import load_engine

    with tempfile.TemporaryDirectory() as tmp:
        for code in args.languages.split(","):
            script, pii = SCRIPTS[code]
            wav = Path(tmp) / f"{code}.wav"
            speak(script, code, wav)
            audio, _ = sf.read(wav, dtype="float32")
            engine = load_engine({"model": args.model, "language": code, "device": "cpu"})
            t = time.perf_counter()
            transcript = engine.transcribe(audio)
            sec = time.perf_counter() - t
            hyp = transcript.text
            wer = jiwer.wer(norm(script), norm(hyp))
            redacted = Redactor({"language": code}).redact(hyp).text
            said = norm(hyp).split()
            left = norm(redacted).split()
            written = caught = 0
            for item in pii:
                words = [w for w in norm(item).split() if len(w) >= 3]
                if not any(near(w, said) for w in words):
                    continue
                written += 1
                ok = not any(near(w, left) for w in words)
                caught += ok
                if not ok:
                    print(f"spoken_lang.{code}_leaked {item!r}")
            print(f"spoken_lang.{code}_wer_{args.model} {wer:.3f} ({len(audio) / 16000:.1f} s espeak-ng -v {code} clip; "
                  f"transcribed in {sec:.1f} s on CPU)")
            print(f"spoken_lang.{code}_pii_recall_{args.model} {caught / max(written, 1):.3f} ({caught} of {written} "
                  f"transcribed PII items fully redacted)")
            print(f"spoken_lang.{code}_pii_transcribed_{args.model} {written}/{len(pii)}")
            warning = poor_transcription_warning(code, args.model)
            if warning:
                print(f"spoken_lang.{code}_warning {warning}")
            print(f"spoken_lang.{code}_transcript_{args.model} {hyp.strip()!r}")
            print(f"spoken_lang.{code}_redacted_{args.model} {redacted.strip()!r}")
            engine.close() if hasattr(engine, "close") else None
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
