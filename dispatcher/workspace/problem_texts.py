"""A coded problem as a person reads it: its text from the catalogs, by its code, in the
reader's language — the text the API answers with (``problems.field.<code>``), or a
page's own words for the code where the page has them (the desk's form).

What a problem names that has words of its own (a disposition kind, a status, a channel,
a call's result, a civility category) is named in the reader's words too
(``dispatcher.i18n.terms``). A problem without a code is shown as raised, in English.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from dispatcher.api.problems import field_problem_in
from dispatcher.errors import FieldProblem
from dispatcher.i18n import Translator, has_key
from dispatcher.i18n.terms import named_terms

__all__ = ["problem_text", "shown_params"]


def shown_params(params: Mapping[str, Any], t: Translator) -> dict[str, Any]:
    """``params`` with each value that names a term in the reader's words."""
    return named_terms(params, t.locale)


def problem_text(problem: FieldProblem, t: Translator, *, own: str | None = None) -> str:
    """The problem in the reader's language; ``own``: a catalog area whose text for the
    code (``<own>.<code>``) a page prefers to the API's."""
    if problem.code is None:
        return problem.problem
    params = shown_params(problem.params or {}, t)
    if own is not None and has_key(t.locale, f"{own}.{problem.code}"):
        return t(f"{own}.{problem.code}", **params)
    return field_problem_in(dataclasses.replace(problem, params=params), t.locale)
