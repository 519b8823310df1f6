"""French: dates, ages and street addresses as Whisper writes spoken French.

Ages need their cue ("j'ai 43 ans", "à 92 ans", "il a 12 ans"): a bare
"dix ans" is as often a duration ("depuis dix ans", "pendant dix ans"),
which is not personal data.
"""
from __future__ import annotations

import re

from mediaanon.redaction.languages.common import regex, words_of
from mediaanon.redaction.spans import Candidate

MONTHS = ("janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août", "aout", "septembre",
          "octobre", "novembre", "décembre", "decembre")
UNITS = ("un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "treize",
         "quatorze", "quinze", "seize", "vingt", "trente", "quarante", "cinquante", "soixante", "cent", "premier", "et")
NUMBER = rf"(?:\d{{1,3}}|(?:{words_of(UNITS)})(?:[- ](?:{words_of(UNITS)}))*)"
DAY = rf"(?:\d{{1,2}}|1er|premier|{words_of(UNITS)}(?:-{words_of(UNITS)})*)"
DATE = re.compile(
    rf"(?<!\w)(?:{DAY}\s+)(?:{words_of(MONTHS)})(?:\s+(?:19|20)\d{{2}})?(?!\w)"
    rf"|(?<!\w)(?:{words_of(MONTHS)})\s+(?:19|20)\d{{2}}(?!\w)"
    rf"|(?<=\ben\s)(?:{words_of(MONTHS)})(?!\w)|(?<=\bmois\sde\s)(?:{words_of(MONTHS)})(?!\w)"
    rf"|(?<=\bmois\sd')(?:{words_of(MONTHS)})(?!\w)", re.IGNORECASE)
AGE_CUE = r"(?:j'ai|j’ai|j'avais|j’avais|il a|elle a|il avait|elle avait|on a|a|avait|à|âgée? de|l'âge de|l’âge de)"
AGE_CUES = re.compile(rf"(?i)(?<!\w){AGE_CUE}\s+$")
STREET = r"(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|allee|impasse|quai|route|cours|square|rond-point)"
ADDRESS = re.compile(
    rf"(?<!\w)\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+{STREET}\s+(?:(?:de la|du|des|de l'|de l’|de|d'|d’|la|le|les)\s*)?"
    rf"(?-i:[A-ZÉÈÀÂÎ][\w'’-]+)(?:\s+(?-i:[A-ZÉÈÀÂÎ][\w'’-]+))*", re.IGNORECASE)

INSTITUTION = re.compile(
    r"(?<!\w)(?:école|ecole|collège|college|lycée|lycee|université|universite|hôpital|hopital|clinique|médiathèque|"
    r"bibliothèque|mairie|CHU|centre hospitalier|EHPAD|crèche|maternelle|IUT|fac)\s+(?:(?:de la|du|des|de l'|de l’|de|d'|d’)\s*)?"
    r"[A-ZÉÈÀÂÎ][\w'’-]+(?:\s+[A-ZÉÈÀÂÎ][\w'’-]+)*")
RELATION = re.compile(
    r"(?i:\b(?:fils|fille|mari|femme|frère|frere|sœur|soeur|mère|mere|père|pere|voisin|voisine|copain|copine|ami|amie|"
    r"cousin|cousine|docteur|médecin|chef|patron|patronne)\s+)([A-ZÉÈÀÂÎ][\w'’-]+)")


def rules(text: str, keep_months: bool) -> list[Candidate]:
    out = regex(DATE, text, "DATE", 0.85, "date_fr")
    if keep_months:
        out = [c for c in out if re.search(r"\d|" + DAY, text[c.start:c.end], re.I)]
    out += _ages(text)
    out += regex(ADDRESS, text, "ADDRESS", 0.85, "address_fr")
    out += regex(INSTITUTION, text, "ORGANIZATION", 0.8, "institution_fr")
    out += regex(RELATION, text, "PERSON", 0.75, "relation_name_fr", group=1)
    return out


def _ages(text: str) -> list[Candidate]:
    """``NUMBER ans`` after an age cue; variable-width look-behind is not in ``re``, so check the cue by hand."""
    out = []
    for m in re.finditer(rf"(?i)(?<!\w){NUMBER}\s+ans(?!\w)", text):
        if AGE_CUES.search(text[max(0, m.start() - 20):m.start()]):
            out.append(Candidate(m.start(), m.end(), "AGE", 0.85, "age_fr"))
    return out
