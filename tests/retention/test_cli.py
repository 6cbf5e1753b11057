"""`dispatcher retention policy|close|plan|run` from the command line (the embedded SQLite)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from dispatcher.cli import main
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'log.sqlite'}"

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DISPATCHER_DATA_DIR", str(tmp_path))
    return url


def test_a_closed_debtor_is_planned_with_what_blocks_it(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["retention", "policy", "portfolio", "cards", "30", "--by", "ops:ann"]) == 0
    assert main(["retention", "close", "D-1", "--closed-at", "2026-12-01T00:00:00+08:00",
                 "--portfolio", "cards", "--by", "ops:ann"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["retention", "plan", "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)
    assert planned["debtor_ref"] == "D-1" and planned["due"] is False
    assert planned["closed_at"] == "2026-11-30T16:00:00+00:00"
    assert planned["policy"] == "portfolio cards: 30 days after the account closed"
    assert planned["blocked_by"] == [
        "the debtor's packs are not known: its minimum record-keeping is not known"
    ]
    assert main(["retention", "run", "--by", "ops:bo"]) == 0
    assert capsys.readouterr().out == "nothing is due\n"


def test_a_closing_time_without_its_offset_is_refused_naming_the_field(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["retention", "close", "D-1", "--closed-at", "2026-12-01", "--by", "ops:ann"])
    assert "--closed-at: '2026-12-01': give a time with its offset" in capsys.readouterr().err
