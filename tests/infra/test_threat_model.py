"""docs/threat-model.md stays true: every test it names exists, and it covers each STRIDE category on each
data flow it lists and each attack of issue 12."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "threat-model.md"
REF = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_threat_model_names_only_tests_that_exist():
    refs = REF.findall(DOC.read_text(encoding="utf-8"))
    assert len(refs) >= 40
    missing = [f"{f}::{t}" for f, t in refs if not (ROOT / f).exists() or t not in _tests_in(ROOT / f)]
    assert missing == []


def test_threat_model_covers_stride_on_every_flow_and_every_attack_of_issue_12():
    text = DOC.read_text(encoding="utf-8")
    flows = re.split(r"^## \d\. ", text, flags=re.M)[1:]
    assert len(flows) == 7
    letters = set()
    for flow in flows:
        letters |= {c for row in re.findall(r"^\| ([STRIDE/]+) \|", flow, flags=re.M) for c in row.split("/")}
    assert letters == set("STRIDE")
    attacks = text.split("## Issue 12's attacks, and their outcome now")[1]
    for attack in ("Relationship hijack", "Sender bypass", "Shared outboxes", "Minimisation leaks",
                   "Re-identification", "9999-12-31", "2.75 MB", "trailing", "Audit writable", "Ingest order",
                   "Cross-agency oracle"):
        assert attack in attacks, attack
