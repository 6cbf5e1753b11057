"""The template linter and the free-text check."""

from __future__ import annotations

from pathlib import Path

from compliance.civility import CivilityScanner, check_free_text, lint_catalog
from templates import TemplateCatalog


def test_the_shipped_templates_lint_clean(scanner: CivilityScanner) -> None:
    catalog = TemplateCatalog()
    assert catalog.list(), "the real catalog has templates"
    assert lint_catalog(catalog, scanner) == []


def write(root: Path, relative: str, source: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


def test_a_bad_template_is_reported_by_file_line_and_column(
    scanner: CivilityScanner, tmp_path: Path
) -> None:
    write(tmp_path, "sms/en-US/reminder.j2", "Hello {{ debtor_name }}, please call us.")
    source = "【{{ company_name }}】{{ debtor_name }}您好，\n再不还款就爆通訊錄。回复TD退订"
    bad = write(tmp_path, "sms/zh-CN/reminder.j2", source)
    start = source.index("爆")
    [problem] = lint_catalog(TemplateCatalog(tmp_path), scanner)
    assert (problem.channel, problem.name, problem.locale) == ("sms", "reminder", "zh-CN")
    assert (problem.path, problem.line, problem.column) == (bad, 2, 6)
    assert problem.finding.phrase == "爆通讯录"
    assert problem.finding.matched_text == "爆通訊錄"
    assert (problem.finding.start, problem.finding.end) == (start, start + 4)
    assert str(problem) == f"{bad}:2:6: '爆通讯录' (third_party_disclosure) at {start}–{start + 4}"


def test_literal_text_inside_jinja_expressions_is_checked(
    scanner: CivilityScanner, tmp_path: Path
) -> None:
    write(tmp_path, "sms/en-US/notice.j2", '{{ "FINAL NOTICE" if late else "" }} Hi {{ name }}')
    [problem] = lint_catalog(TemplateCatalog(tmp_path), scanner)
    assert problem.finding.phrase == "final notice"


def test_a_marked_lawful_action_template_may_name_the_action(
    scanner: CivilityScanner, tmp_path: Path
) -> None:
    write(tmp_path, "letter/zh-CN/litigation_notice.html.j2", "<p>我们已向法院起诉。</p>")
    catalog = TemplateCatalog(tmp_path)
    assert [p.finding.phrase for p in lint_catalog(catalog, scanner)] == ["法院", "起诉"]
    marked = frozenset({"litigation_notice"})
    assert lint_catalog(catalog, scanner, lawful_action_templates=marked) == []


def test_free_text_never_gets_the_lawful_action_allowance(scanner: CivilityScanner) -> None:
    assert [f.phrase for f in check_free_text("我们已起诉，F*CK", scanner)] == ["已起诉", "fuck"]
    assert check_free_text("您好，感谢您的还款。Thank you!", scanner) == []
