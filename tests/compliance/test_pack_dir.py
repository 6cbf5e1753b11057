"""RULE_PACKS_DIR: a deployment's pack files, read before the built-in ones, checked at
start-up (file, line, rule, field) and by `compliance lint`, and named in every verdict."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from compliance import Decision
from compliance.caps import FrequencyCapRule
from compliance.packs import (
    BUILTIN_DIR,
    PackFormatError,
    load_packs,
    pack_dir_problems,
    use_pack_dir,
)
from dispatcher.cli import main
from dispatcher.process.deps import default_rules
from dispatcher.settings import Settings
from tests.compliance.calls.log import Attempt, FakeLog, subject

NOW = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def builtin_packs_after() -> Iterator[None]:
    yield
    use_pack_dir(None)


def org_with_limit(directory: Path, limit: str) -> Path:
    directory.mkdir(exist_ok=True)
    text = (BUILTIN_DIR / "org.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2026.3"', 'version = "acme-1"')
    text = text.replace("limit = 3\n", f"limit = {limit}\n", 1)
    (directory / "org.toml").write_text(text, encoding="utf-8")
    return directory


async def test_the_deployments_pack_is_used_and_named_in_the_verdict(tmp_path: Path) -> None:
    mine = org_with_limit(tmp_path / "packs", "1")
    default_rules(Settings.from_env({}, data_dir=tmp_path, rule_packs_dir=mine))
    assert load_packs(["org"]).versions == {"org": "acme-1"}

    facts = FakeLog([Attempt(NOW - timedelta(hours=2), None, channel="sms")])
    result = await FrequencyCapRule().check(subject(NOW, facts, channel="sms"))
    assert result.decision is Decision.DEFER and "org:texts_per_day: 1 of 1" in result.reason
    assert result.inputs["pack_versions"]["org"] == "acme-1"
    assert result.inputs["pack_files"]["org"] == str(mine / "org.toml")
    assert result.inputs["pack_files"]["us-regf"] == str(BUILTIN_DIR / "us-regf.toml")


def test_a_malformed_file_stops_start_up_naming_file_line_rule_and_field(tmp_path: Path) -> None:
    mine = org_with_limit(tmp_path / "packs", '"3"')
    settings = Settings.from_env({}, data_dir=tmp_path, rule_packs_dir=mine)
    with pytest.raises(PackFormatError) as refused:
        default_rules(settings)
    text = (mine / "org.toml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, ln in enumerate(text, 1) if ln == 'limit = "3"')
    assert refused.value.line == line and refused.value.field == "limit"
    assert str(refused.value).startswith(
        f"{mine / 'org.toml'}:{line}: rule caps[0] 'texts_per_day'"
    )
    assert load_packs(["org"]).versions == {"org": "2026.3"}  # the built-in packs stay


def test_compliance_lint_checks_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = org_with_limit(tmp_path / "packs", '"3"')
    assert [e.field for e in pack_dir_problems(mine)] == ["limit"]
    monkeypatch.setenv("RULE_PACKS_DIR", str(mine))
    monkeypatch.setenv("DISPATCHER_DATA_DIR", str(tmp_path))
    assert main(["compliance", "lint"]) == 1
    assert f"{mine / 'org.toml'}:" in capsys.readouterr().out
