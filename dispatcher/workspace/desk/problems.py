"""The desk's form problems and refusals in the collector's language.

``record_disposition``, the enqueue of a call and the collector checks give each problem
a code (``FieldProblem.code``) and a call that takes no disposition a refusal code
(``OutcomeConflict.code``). The desk shows each by its code: the form's own words where
``desk.<locale>.toml`` has them (``desk.problem.<code>``: what the API says of JSON and
ISO 8601 a collector filling a form does not need), else the API's
(``problems.field.<code>``); a refusal's from ``desk.refusal.<code>``. A problem without
a code is shown as raised, in English — ``tests/workspace/test_desk_problems.py`` provokes
every problem the form can meet and fails on any without a code.
"""

from __future__ import annotations

from collections.abc import Iterable

from dispatcher.calls_and_visits.dispositions import OutcomeConflict
from dispatcher.errors import FieldProblem
from dispatcher.i18n import Translator, has_key
from dispatcher.workspace.problem_texts import problem_text, shown_params

__all__ = ["field_label", "localized_problems", "localized_refusal"]


def field_label(field: str, t: Translator) -> str:
    """``amount`` → the form's label for it; ``reminder_variables.debtor_name`` → the
    reminder's; anything else as it is named."""
    key = f"desk.field.{field.replace('.', '_')}"
    if has_key(t.locale, key):
        return t(key)
    head, dot, rest = field.partition(".")
    if dot and has_key(t.locale, f"desk.field.{head}"):
        return f"{t(f'desk.field.{head}')} · {rest}"
    return field


def localized_problems(problems: Iterable[FieldProblem], t: Translator) -> dict[str, str]:
    """Each problem in the reader's words, by its field: ``{field: what is wrong}``."""
    shown: dict[str, str] = {}
    for problem in problems:
        text = problem_text(problem, t, own="desk.problem")
        shown[problem.field] = f"{shown[problem.field]}; {text}" if problem.field in shown else text
    return shown


def localized_refusal(refusal: OutcomeConflict, t: Translator) -> str:
    """Why the call takes no disposition, in the reader's words."""
    key = f"desk.refusal.{refusal.code}"
    if refusal.code is None or not has_key(t.locale, key):
        return str(refusal)
    return t(key, **shown_params(refusal.params, t))
