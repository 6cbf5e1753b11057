"""The civility filter: no violence, threats, insults, disclosure or false authority.

Lexicons are data (``lexicons/<locale>.toml``); the scanner normalises a text against
evasion and finds every lexicon phrase in one pass; the rule blocks a message that has
one; the linter checks templates and free text before they are used::

    scanner = CivilityScanner.from_lexicons(("zh-CN", "en-US"))   # once, at start-up
    gate = ComplianceGate([..., CivilityRule(scanner, lawful_action_templates)])
    lint_catalog(TemplateCatalog(), scanner)                      # in CI
"""

from compliance.civility.lexicon import Boundary, Category, Entry, Lexicon, LexiconError, Mode
from compliance.civility.lint import LintProblem, check_free_text, lint_catalog
from compliance.civility.rule import CivilityRule
from compliance.civility.scanner import DEFAULT_LOCALES, CivilityScanner, Finding

__all__ = [
    "DEFAULT_LOCALES",
    "Boundary",
    "Category",
    "CivilityRule",
    "CivilityScanner",
    "Entry",
    "Finding",
    "Lexicon",
    "LexiconError",
    "LintProblem",
    "Mode",
    "check_free_text",
    "lint_catalog",
]
