"""What approving a template checks, on a catalog of our own: the sandbox render, the
civility filter and the content the locale's packs require (Reg F: "Reply STOP")."""

from __future__ import annotations

from pathlib import Path

from compliance.approval_checks import approval_findings
from compliance.civility import CivilityScanner
from templates import TemplateCatalog


def catalog_with(tmp_path: Path, source: str) -> TemplateCatalog:
    folder = tmp_path / "sms" / "en-US"
    folder.mkdir(parents=True)
    (folder / "nudge.j2").write_text(source, encoding="utf-8")
    return TemplateCatalog(tmp_path)


def findings(catalog: TemplateCatalog, **variables: object) -> list[tuple[str, str]]:
    found = approval_findings(
        catalog, CivilityScanner.from_lexicons(), channel="sms", name="nudge",
        locale="en-US", sample_variables=variables, max_sms_segments=6,
    )  # fmt: skip
    return [(f.field, f.problem) for f in found]


def test_a_clean_text_with_its_opt_out_passes(tmp_path: Path) -> None:
    catalog = catalog_with(tmp_path, "Hi {{ name }}, please call us. Reply STOP to opt out.")
    assert findings(catalog, name="Maria") == []


def test_every_finding_is_named(tmp_path: Path) -> None:
    catalog = catalog_with(tmp_path, "Pay now {{ name }} or we will have you arrested.")
    found = findings(catalog, name="Maria")
    assert any(f == "template" and p.startswith("civility:") and "arrest" in p for f, p in found)
    assert ("template", "content.required: us-regf:text_opt_out: the text must contain "
            "'Reply STOP'") in found  # fmt: skip


def test_a_sample_the_sandbox_refuses_is_named(tmp_path: Path) -> None:
    catalog = catalog_with(tmp_path, "{{ name.__class__.__mro__ }} Reply STOP")
    [(field, problem)] = findings(catalog, name="Maria")
    assert field == "variables" and "sandbox" in problem
    [(field, _)] = findings(catalog_with(tmp_path / "b", "Hi {{ name }}. Reply STOP"))
    assert field == "variables.name"
