"""What each packaged policy keeps and removes, as a table over one English and one Finnish passage."""
from __future__ import annotations

import re

import pytest

from mediaanon.redaction import Redactor
from mediaanon.redaction import policy as pol

pytestmark = pytest.mark.slow

EN = ("My name is Anna Smith. I'm 93 and my son is 47. I was born on 3 March 1931 in Leeds, England, "
      "we moved in 2009 and I taught at Roundhay School in September.")

# fragment -> (hipaa, fsd, ukds, strict): "keep" (stays verbatim), "remove" (gone), or the written replacement
TABLE = {
    "Anna Smith": ("remove", "remove", "remove", "remove"),
    "I'm 93": ("I'm [AGE: 90+]", "I'm [AGE: 90+]", "remove", "remove"),
    "is 47": ("keep", "is [AGE: 40-49]", "remove", "remove"),
    "3 March 1931": ("[DATE: 1931]", "[DATE: 1931]", "[DATE: 1931]", "remove"),
    "Leeds": ("remove", "remove", "remove", "remove"),
    "England": ("keep", "keep", "keep", "remove"),
    "in 2009": ("keep", "keep", "keep", "remove"),
    "Roundhay School": ("remove", "remove", "remove", "remove"),
    "in September": ("keep", "keep", "remove", "remove"),
}
POLICIES = ("hipaa", "fsd", "ukds", "strict")


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    return {name: Redactor({"language": "en", "policy": name}).redact(EN).text for name in POLICIES}


@pytest.mark.parametrize("fragment", sorted(TABLE))
def test_policy_table(outputs: dict[str, str], fragment: str) -> None:
    for name, expect in zip(POLICIES, TABLE[fragment]):
        out = outputs[name]
        if expect == "keep":
            assert fragment in out, f"{name} should keep {fragment!r}: {out}"
        elif expect == "remove":
            assert fragment not in out, f"{name} should remove {fragment!r}: {out}"
            core = fragment.split()[-1]
            assert not re.search(rf"\b{re.escape(core)}\b", out), f"{name} left {core!r}: {out}"
        else:
            assert expect in out, f"{name} should write {expect!r} for {fragment!r}: {out}"


def test_every_packaged_policy_loads_and_documents_itself() -> None:
    assert set(POLICIES) <= set(pol.names())
    for name in pol.names():
        p = pol.load(name)
        assert p.description and p.removes, name


@pytest.mark.parametrize("name,kept,gone", [
    ("fsd", ["[AGE: 40-49]", "vuonna 2009"], ["47-vuotias", "Virtanen", "15. maaliskuuta"]),
    ("strict", [], ["2009", "47-vuotias", "Ruotsissa"]),
])
def test_policies_apply_to_finnish(name: str, kept: list[str], gone: list[str]) -> None:
    pytest.importorskip("spacy_fi_experimental_web_md", reason="install mediaanon[fi]")
    text = "Mä oon Mikko Virtanen, 47-vuotias, synnyin 15. maaliskuuta 1981 ja asuin Ruotsissa vuonna 2009."
    out = Redactor({"language": "fi", "policy": name}).redact(text).text
    for k in kept:
        assert k in out, out
    for g in gone:
        assert g not in out, out
