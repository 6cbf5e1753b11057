"""Rates on realistic texts: no benign text flagged, every known-bad text caught."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from compliance.civility import CivilityScanner

HERE = Path(__file__).parent


def lines(name: str) -> list[str]:
    text = (HERE / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def unescape(text: str) -> str:
    """The corpus writes invisible characters as \\uXXXX escapes."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)


def test_no_benign_text_is_flagged(
    scanner: CivilityScanner, record_property: Callable[[str, object], None]
) -> None:
    texts = lines("benign_corpus.txt")
    assert len(texts) >= 150
    assert sum(any(ord(c) > 0x2E80 for c in t) for t in texts) >= 75  # both languages
    flagged = {text: scanner.scan(text) for text in texts}
    flagged = {text: findings for text, findings in flagged.items() if findings}
    rate = len(flagged) / len(texts)
    record_property("false_positive_rate", rate)
    print(f"\nbenign corpus: {len(flagged)}/{len(texts)} flagged, false-positive rate {rate:.2%}")
    assert flagged == {}


def test_every_known_bad_text_is_caught_in_its_category(
    scanner: CivilityScanner, record_property: Callable[[str, object], None]
) -> None:
    cases = [line.split("\t", 1) for line in lines("forbidden_corpus.tsv")]
    assert len(cases) >= 60
    missed = []
    for category, text in cases:
        findings = scanner.scan(unescape(text))
        if category not in {f.category for f in findings}:
            missed.append((category, text, [f.describe() for f in findings]))
    rate = 1 - len(missed) / len(cases)
    record_property("detection_rate", rate)
    print(f"\nforbidden corpus: {len(cases) - len(missed)}/{len(cases)} caught, rate {rate:.2%}")
    assert missed == []
