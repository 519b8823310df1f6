"""Benchmark: redaction of Finnish and French interview passages, and English under ``strict``.

Data (written for this benchmark, no real people; PII marked ``{TYPE:text}``):
- ``bench/data/redact_fi.jsonl``: 28 dev + 10 held-out + 10 held-out2 Finnish passages,
- ``bench/data/redact_fr.jsonl``: 28 dev + 10 held-out + 10 held-out2 French passages,
  both the way Whisper writes colloquial speech (cased, punctuated, spoken
  forms such as "mä oon", "tota", "euh", "bah"); bare years and countries are
  not marked (the default policy keeps them);
- ``bench/data/redact_en_strict.jsonl``: 12 fresh English passages, all
  held-out, marked as ``strict`` sees them (bare years and countries are PII).
dev, held-out and the English set were committed before any language rule was
written; the rules were tuned on the dev passages only and the held-out
passages were not looked at while tuning.  held-out2 was written after that
tuning pass (harder: brand employers, district schools, hyphenated and rare
names) and has not been tuned on; its misses, looked at only for the report,
are a marking slip (a first "Ilmari" left unmarked, so it counts as an
ordinary word removed), an age whose cue is not adjacent ("täytin silloin
kolmekymmentä") and a title marked inside a name ("Mme Roux").

Figures (one line each, per language and split): recall (a marked span counts
as caught when >= 80 % of its characters are redacted; a leading article or
preposition of a marked span, e.g. French "le", "l'", "en", is not counted),
and the share of other content words (not the language's spaCy stop words)
of which >= 50 % was redacted.

Systems, in one run: ``ours`` (``Redactor(language=…)``), ``ours_rules_only``
(no NER), ``presidio_default`` (Presidio's AnalyzerEngine defaults on the
English pipeline — what a user gets today without a language pipeline).

Usage: python bench/redact_languages.py [--quick] [--show-misses LANG]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from redact import CAUGHT, WORD_REMOVED, covered, load  # noqa: E402

DATA = ROOT / "bench" / "data"
WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
LEADING = {"fr": re.compile(r"^(?:(?:le|la|les|l'|l’|en|au|du|des|un|une)\s*)+", re.IGNORECASE),
           "en": re.compile(r"^(?:(?:the|a|an)\s+)+", re.IGNORECASE)}
SETS = (("fi", "redact_fi.jsonl", None), ("fr", "redact_fr.jsonl", None), ("en", "redact_en_strict.jsonl", "strict"))


def stop_words(code: str) -> set[str]:
    import importlib

    return set(importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS)


def score(code: str, rows: list[dict], redacted: list[list[tuple[int, int]]], stop: set[str]) -> dict:
    caught = total = removed = words = 0
    misses = []
    lead = LEADING.get(code)
    for row, spans in zip(rows, redacted):
        text = row["text"]
        mask = covered(spans, len(text))
        gold_mask = covered([(s, e) for _, s, e in row["gold"]], len(text))
        for typ, s, e in row["gold"]:
            m = lead.match(text[s:e]) if lead else None
            if m and m.end() < e - s:
                s += m.end()
            ok = sum(mask[s:e]) >= CAUGHT * (e - s)
            caught += ok
            total += 1
            if not ok:
                misses.append((row["id"], typ, text[s:e]))
        for m in WORD_RE.finditer(text):
            if m.group().lower() in stop or any(gold_mask[m.start():m.end()]):
                continue
            words += 1
            gone = sum(mask[m.start():m.end()]) >= WORD_REMOVED * (m.end() - m.start())
            removed += gone
            if gone:
                misses.append((row["id"], "removed", m.group()))
    return {"recall": caught / max(total, 1), "spans": total, "removed": removed / max(words, 1), "words": words,
            "misses": misses}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="dev: first 10 passages per language (held-out always whole)")
    ap.add_argument("--show-misses", metavar="LANG", help="list misses and removed words of LANG (fi/fr/en)")
    args = ap.parse_args(argv)

    from mediaanon.redaction import Redactor
    from mediaanon.redaction.engine import load_spacy, presidio_default_analyzer

    presidio = presidio_default_analyzer(load_spacy()[0])
    for code, fname, policy in SETS:
        rows = load(DATA / fname)
        if args.quick:
            dev = [r for r in rows if r["split"] == "dev"][:10]
            rows = dev + [r for r in rows if r["split"] != "dev"]
        stop = stop_words(code)
        opts = {"language": code, **({"policy": policy} if policy else {})}
        systems = {"ours": Redactor(opts), "ours_rules_only": Redactor({**opts, "rules_only": True})}
        outs = {}
        for name, r in systems.items():
            t = time.perf_counter()
            outs[name] = ([[(s.start, s.end) for s in r.redact(row["text"]).spans] for row in rows],
                          (time.perf_counter() - t) / len(rows))
        t = time.perf_counter()
        outs["presidio_default"] = ([[(x.start, x.end) for x in presidio.analyze(text=row["text"], language="en")]
                                     for row in rows], (time.perf_counter() - t) / len(rows))
        label = f"{code}" + (f" under {policy}" if policy else "")
        for split in sorted({r["split"] for r in rows}):
            idx = [i for i, r in enumerate(rows) if r["split"] == split]
            res = {name: score(code, [rows[i] for i in idx], [red[i] for i in idx], stop) for name, (red, _) in outs.items()}
            for name, s in res.items():
                print(f"redact_lang.{code}_{split}_recall_{name} {s['recall']:.3f} ({s['spans']} PII spans in {len(idx)} "
                      f"{label} passages; >= {CAUGHT:.0%} of a span's characters redacted)")
                print(f"redact_lang.{code}_{split}_other_words_removed_{name} {s['removed']:.3f} ({s['words']} content "
                      f"words outside PII)")
                if args.show_misses == code and name == "ours":
                    for pid, typ, text in s["misses"]:
                        print(f"  miss {pid} {typ}: {text!r}")
            ratio = res["ours"]["recall"] / max(res["presidio_default"]["recall"], 1e-9)
            print(f"redact_lang.{code}_{split}_recall_ratio_vs_presidio {ratio:.2f}")
        print(f"redact_lang.{code}_ms_per_passage_ours {outs['ours'][1] * 1000:.1f} (presidio_default "
              f"{outs['presidio_default'][1] * 1000:.1f}; 2-core CPU shared with other jobs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
