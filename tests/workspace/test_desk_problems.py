"""The desk's disposition and call problems in the collector's language (zh-CN and en-US):
every problem the real checkers can give for what the form sends carries a code whose text
the catalogs have in both languages, and the desk shows them, and a refusal, in Chinese
and in English."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientSession, CookieJar

from compliance import CollectorFact
from dispatcher.calls_and_visits.dispositions.fields import checked_fields, default_scanner
from dispatcher.contactlog.models import Message
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.enqueue.early_refusal import EnqueueFacts, early_problems
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.enqueue.template_problems import render_problem
from dispatcher.errors import FieldProblem
from dispatcher.i18n import LOCALES, Translator, has_key
from dispatcher.workspace.access.people import PeopleStore
from dispatcher.workspace.desk.problems import field_label, localized_problems
from templates import TemplateCatalog, TemplateRenderError
from tests.dispatcher.conftest import Stack
from tests.i18n.english import english_words
from tests.workspace.conftest import Browser
from tests.workspace.test_desk import CN_MOBILE, desk_with_a_debtor, stack_options  # noqa: F401

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")

# What the desk's form can send that the checker refuses: one case per sentence.
FORM_CASES: list[tuple[str, dict[str, Any]]] = [
    ("promise_to_pay", {"amount": "-5", "currency": "C1", "date": "Friday"}),
    ("promise_to_pay", {"amount": "5", "currency": "CNY", "date": "2026-11-01"}),
    ("promise_to_pay", {"amount": "5", "date": "2026-12-09", "reminder_variables": "x"}),
    ("callback_requested", {"callback_at": "tomorrow"}),
    ("callback_requested", {"callback_at": "2026-12-05T10:00"}),
    ("callback_requested", {"callback_at": "2026-11-30T10:00+08:00"}),
    ("dispute", {"amount": "5", "note": "x" * 2001}),
    ("refused", {"note": "再不还钱就让你坐牢"}),
    ("no_such_kind", {}),
]


def checker_problems() -> list[FieldProblem]:
    message = Message(id="M" * 26, variables={})
    found: list[FieldProblem] = []
    for kind, details in FORM_CASES:
        _, problems = checked_fields(
            kind, details, message, now=NOW, zones=[SHANGHAI], scanner=default_scanner()
        )
        found += problems
    return found


def reminder_problems() -> list[FieldProblem]:
    """The promise's reminder text without the variables it needs, as the follow-up's
    check names it (``reminder_variables.<name>``)."""
    try:
        TemplateCatalog().render("sms", "promise_to_pay_reminder", "zh-CN", {})
    except TemplateRenderError as exc:
        problem = render_problem("reminder_variables", exc)
        return [FieldProblem(f"reminder_variables.{exc.variable}", problem.problem,
                             code=problem.code, params=problem.params)]  # fmt: skip
    raise AssertionError("the reminder rendered without its variables")


def collector_problems() -> list[FieldProblem]:
    """Every problem the collector checks give at the call's enqueue: unknown, inactive,
    untrained, trained later, credential expired."""
    today = NOW.date()
    facts = [
        CollectorFact("c-1", "A", False, date(2026, 1, 1), None),
        CollectorFact("c-2", "B", True, None, None),
        CollectorFact("c-3", "C", True, today + timedelta(days=30), None),
        CollectorFact("c-4", "D", True, date(2026, 1, 1), today - timedelta(days=1)),
    ]
    known = EnqueueFacts(debtors={}, collectors={f.collector_id: f for f in facts}, now=NOW)
    found: list[FieldProblem] = []
    for collector_id in ["c-1", "c-2", "c-3", "c-4", "c-9"]:
        call = MessageRequest(
            channel="voice", template="collector_call", destination=CN_MOBILE, debtor_ref="D",
            collector_id=collector_id,
        )  # fmt: skip
        found += early_problems(call, "", known, latest=NOW)
    return found


def _data(problem: FieldProblem) -> list[str]:
    """What a problem names that came from the form or the records (a value sent, a
    collector's id, a list of choices): shown as it is."""
    return [str(v) for v in (problem.params or {}).values()]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_problem_the_form_can_meet_is_in_the_reader_s_language(locale: str) -> None:
    t = Translator(locale)
    problems = checker_problems() + reminder_problems() + collector_problems()
    assert len(problems) >= 18  # each case gave its problems
    for problem in problems:
        assert problem.code is not None, f"no code: {problem}"
        shown = localized_problems([problem], t)[problem.field]
        texts = (f"desk.problem.{problem.code}", f"problems.field.{problem.code}")
        assert any(has_key(locale, key) for key in texts), f"no text for {problem.code}"
        assert field_label(problem.field, t) != problem.field or problem.field == "kind"
        if locale == "zh-CN":
            left = english_words(shown, data=_data(problem))
            assert not left, f"English in {shown!r} ({problem.code}): {left}"
    if locale == "zh-CN":
        every = localized_problems(checker_problems(), t)
        assert every["amount"].startswith("请填写大于 0 的金额，例如 500.00")
        assert every["date"].endswith("2026-11-01 已经过去")
        assert "拘捕或犯罪" in every["note"] and "坐牢" in every["note"]


async def _disposition_pages(stack: Stack, http: ClientSession) -> tuple[str, str]:
    """A bad promise, then a second disposition of the same call: the two pages."""
    browser = Browser(http, stack.settings.public_base_url)
    await browser.sign_in("cole")
    await browser.get("/workspace/desk")
    _, _, response = await browser.post(
        "/workspace/desk/call", {"target": f"{CN_MOBILE}|D-CN", "company_name": "安信资产"}
    )
    call_id = response.url.query["placed"]
    assert await stack.log.transition(
        call_id, expect={MessageStatus.QUEUED}, to=MessageStatus.SENT,
        source=EventSource.WORKER, result="answered",
    )  # fmt: skip
    path = f"/workspace/desk/calls/{call_id}/disposition"
    await browser.get("/workspace/desk")
    status, invalid, _ = await browser.post(
        path, {"kind": "promise_to_pay", "amount": "-5", "currency": "CNY", "date": "2026-11-01"}
    )
    assert status == 422
    status, _, _ = await browser.post(path, {"kind": "right_party", "note": "spoke"})
    assert status == 200
    status, refused, _ = await browser.post(path, {"kind": "dispute"})
    assert status == 409
    return invalid, refused


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", ["金额：请填写大于 0 的金额", "承诺还款日期：2026-11-01 已经过去",
                   "这通电话已记录结果（已与债务人本人通话，由 c-17 记录）"]),
        ("en-US", ["Amount: give an amount greater than 0",
                   "Promised date: 2026-11-01 is in the past",
                   "This call already has its disposition (Spoke with the debtor, recorded"]),
    ],
)  # fmt: skip
async def test_the_desk_says_what_is_wrong_in_the_collector_s_language(
    people: PeopleStore, stack: Stack, language: str, expected: list[str]
) -> None:
    # Given a collector with a placed call, reading the desk in ``language``
    await desk_with_a_debtor(stack)
    async with ClientSession(
        cookie_jar=CookieJar(unsafe=True), headers={"Accept-Language": language}
    ) as http:
        # When they send a bad promise, then a second disposition for the call
        invalid, refused = await _disposition_pages(stack, http)
    # Then each problem, and the refusal, is in their language, the field named by its label
    page = invalid + refused
    for text in expected:
        assert text in page
    assert "must be a number greater than 0" not in page
    assert "a disposition is recorded once" not in refused or language == "en-US"
