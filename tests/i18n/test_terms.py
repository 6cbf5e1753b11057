"""A problem that names a term (a civility category, a status, a channel) names it in the
reader's words in Chinese; the English stays the problem as raised, word for word."""

from __future__ import annotations

from dispatcher.api.problems import field_problem_in
from dispatcher.errors import FieldProblem
from dispatcher.i18n.terms import named_terms


def civility_finding() -> FieldProblem:
    return FieldProblem(
        "template", "civility: '坐牢' (arrest_crime) at 3-5", code="template.approval.civility",
        params={"phrase": "'坐牢'", "category": "arrest_crime", "start": 3, "end": 5},
    )  # fmt: skip


def test_an_approval_finding_names_its_civility_category_in_chinese() -> None:
    chinese = field_problem_in(civility_finding(), "zh-CN")

    assert chinese == "文明用语：'坐牢'（拘捕或犯罪），位于第 3–5 个字符"
    assert "arrest_crime" in field_problem_in(civility_finding(), "en-US")


def test_a_value_without_words_of_its_own_stays_as_it_is() -> None:
    params = {"category": "no_such_category", "channel": "sms", "other": "arrest_crime"}

    assert named_terms(params, "zh-CN") == {
        "category": "no_such_category", "channel": "短信", "other": "arrest_crime",
    }  # fmt: skip
