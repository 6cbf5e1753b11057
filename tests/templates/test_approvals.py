"""Only template versions compliance approved are sent; editing a template withdraws it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from compliance import Decision
from compliance.rules.approved import ApprovedTemplateRule
from dispatcher.enqueue.requests import MessageRequest, validate_batch
from dispatcher.errors import InvalidRequest
from templates import TemplateCatalog
from templates.approvals import ApprovalRegister, approve_all
from tests.compliance.test_gate import subject

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
REMINDER = "Hello {{ debtor_name }}, please call us. Reply STOP to stop texts to this number."


def catalog_at(root: Path, *, approved: bool) -> TemplateCatalog:
    (root / "sms" / "en-US").mkdir(parents=True, exist_ok=True)
    (root / "sms" / "en-US" / "hello.j2").write_text(REMINDER, encoding="utf-8")
    catalog = TemplateCatalog(root)
    text = approve_all(
        ApprovalRegister([]), catalog.list(), by="compliance:ann", on=date(2026, 11, 28)
    )
    (root / "approvals.toml").write_text(text if approved else "", encoding="utf-8")
    catalog.reload()
    return catalog


def request() -> MessageRequest:
    return MessageRequest(
        channel="sms", template="hello", locale="en-US", destination="+12025550123",
        debtor_ref="D-1", variables={"debtor_name": "Ann"},
    )  # fmt: skip


def validate(catalog: TemplateCatalog) -> None:
    validate_batch(
        [request()], catalog=catalog, now=NOW, max_sms_segments=6, validity=timedelta(hours=72)
    )


def test_every_shipped_template_version_is_approved() -> None:
    catalog = TemplateCatalog()
    missing = [
        f"{t.channel}/{t.locale}/{t.name} {t.version}"
        for t in catalog.list()
        if not catalog.approvals.find(t.channel, t.name, t.locale, t.version)
    ]
    assert missing == [], "run `dispatcher compliance approvals` and have compliance approve"


def test_the_cease_confirmation_letters_may_go_after_a_cease() -> None:
    assert TemplateCatalog().approvals.allowed_after_cease == frozenset({"cease_confirmation"})


def test_an_approved_version_is_accepted_at_enqueue(tmp_path: Path) -> None:
    validate(catalog_at(tmp_path, approved=True))


def test_an_unapproved_version_is_refused_at_enqueue_naming_the_template(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest) as refused:
        validate(catalog_at(tmp_path, approved=False))
    [problem] = refused.value.problems
    assert problem.field == "template"
    assert "sms/en-US/hello version" in problem.problem and "not approved" in problem.problem


def test_editing_a_template_withdraws_its_approval(tmp_path: Path) -> None:
    catalog = catalog_at(tmp_path, approved=True)
    (tmp_path / "sms" / "en-US" / "hello.j2").write_text(REMINDER + " Now!", encoding="utf-8")
    catalog.reload()
    with pytest.raises(InvalidRequest):
        validate(catalog)


def test_approving_again_keeps_the_marks_of_the_earlier_version(tmp_path: Path) -> None:
    catalog = catalog_at(tmp_path, approved=True)
    marked = (
        (tmp_path / "approvals.toml")
        .read_text()
        .replace("allowed_after_cease = false", "allowed_after_cease = true")
    )
    (tmp_path / "approvals.toml").write_text(marked, encoding="utf-8")
    (tmp_path / "sms" / "en-US" / "hello.j2").write_text(REMINDER + " Now!", encoding="utf-8")
    catalog.reload()
    text = approve_all(catalog.approvals, catalog.list(), by="compliance:bo", on=date(2026, 12, 1))
    (tmp_path / "approvals.toml").write_text(text, encoding="utf-8")
    catalog.reload()
    [approval] = catalog.approvals.approvals
    assert approval.approved_by == "compliance:bo" and approval.allowed_after_cease


async def test_the_gate_rule_blocks_a_version_no_one_approved(tmp_path: Path) -> None:
    catalog = catalog_at(tmp_path, approved=True)
    rule = ApprovedTemplateRule(lambda: catalog.approvals)
    [info] = catalog.list()
    approved = await rule.check(
        subject(template_name="hello", template_version=info.version, now=NOW)
    )
    assert approved.decision is Decision.ALLOW
    assert approved.inputs["approved_by"] == "compliance:ann"
    other = await rule.check(subject(template_name="hello", template_version="0" * 16, now=NOW))
    assert other.decision is Decision.BLOCK and "not approved" in other.reason
