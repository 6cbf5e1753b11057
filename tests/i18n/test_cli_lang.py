"""`dispatcher compliance explain --lang`: every rule's answer in plain language."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.pop("TWILIO_ACCOUNT_SID", None)
    return subprocess.run(
        [sys.executable, "-m", "dispatcher", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip


def test_explain_in_chinese_after_quiet_hours_begin(tmp_path: Path) -> None:
    assert run_cli("migrate", cwd=tmp_path).returncode == 0
    ask = ("compliance", "explain", "--debtor", "D-1", "--to", "+1 212 555 0134")
    late = ("--at", "2026-11-28T21:02:00-05:00")

    chinese = run_cli(*ask, *late, "--lang", "zh-CN", cwd=tmp_path)
    english = run_cli(*ask, *late, "--lang", "en-US", cwd=tmp_path)

    assert chinese.returncode == 0, chinese.stderr
    assert (
        "[延后] 允许联系时段：不在 America/New_York 的允许时段 [08:00, 21:00) 之内；下一个允许"
        "时间是 2026年11月29日 08:00（America/New_York，UTC-05:00）。" in chinese.stdout
    )
    assert "依据：12 CFR 1006.6(b)(1)(i)" in chinese.stdout
    assert "[Deferred] Allowed hours: outside the allowed hours [08:00, 21:00)" in english.stdout
