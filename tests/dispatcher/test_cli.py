"""The README's first command: `dispatcher demo` on the embedded default (SQLite + a Redis
server the program starts itself), in a fresh directory, with nothing else configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from channels.outbox import read_outbox


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.pop("TWILIO_ACCOUNT_SID", None)
    return subprocess.run(
        [sys.executable, "-m", "dispatcher", *args],
        cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=240,
    )  # fmt: skip


COLLECTOR_PHONES = {"+8613900001717", "+8613900002121"}


def test_the_demo_runs_on_the_embedded_default(tmp_path: Path) -> None:
    done = run_cli("demo", "--bulk", "60", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Enqueued the same batch again: 0 new messages" in out
    assert "hold.active" in out  # the opted-out debtor was blocked
    # What is sent or deferred depends on the time of day in each debtor's zone.
    by_status = out.split("All messages by status: ")[1].splitlines()[0]
    totals = {status: int(n) for status, n in (p.split() for p in by_status.split(", "))}
    assert sum(totals.values()) == 61
    assert totals["blocked"] == 10  # the opted-out debtor, whatever the hour
    assert set(totals) <= {"sent", "deferred", "blocked", "queued"}
    outbox = read_outbox(tmp_path / "var" / "demo" / "outbox.jsonl")
    notices = [m for m in outbox if m["destination"] in COLLECTOR_PHONES]  # of the visit
    assert len(outbox) - len(notices) == totals.get("sent", 0)
    # a collector's call, an expired collector refused, a letter PDF, visits checked
    # the reason in the call's language (by the hour), so only the rule and the collector
    assert any("collector.credential: " in line and "c-99" in line for line in out.splitlines())
    pdfs = list((tmp_path / "var" / "demo" / "print-room").rglob("*.pdf"))
    assert len(pdfs) == (1 if "print_room" in out else 0)  # unless quiet hours defer it
    assert ("The letter, as the print room gets it:" in out) == bool(pdfs)
    assert not (tmp_path / "var" / "demo" / "redis.sock").exists()  # its Redis was stopped


def test_migrate_then_a_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    assert run_cli("migrate", cwd=tmp_path).returncode == 0
    assert (tmp_path / "var" / "dispatcher.sqlite").exists()

    bad = run_cli("migrate", cwd=tmp_path, HTTP_PORT="eighty")
    assert bad.returncode == 2
    assert "HTTP_PORT" in bad.stderr


@pytest.mark.parametrize("processes", [1, 2])
def test_serve_answers_health_checks_on_the_embedded_default(
    tmp_path: Path, processes: int
) -> None:
    import socket
    import time
    import urllib.request

    from tests.dispatcher.conftest import free_port

    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    server = subprocess.Popen(
        [sys.executable, "-m", "dispatcher", "serve"],
        cwd=tmp_path, env={**clean, "HTTP_PORT": str(port), "HTTP_PROCESSES": str(processes)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as response:
                    body = response.read().decode()
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.2)
        checks = json.loads(body)["checks"]
        assert checks["database"] == "ok" and checks["redis"] == "ok", body
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert not (tmp_path / "var" / "redis.sock").exists()
    with socket.socket() as sock:  # every server process is gone: the port is free again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past closed connections
        sock.bind(("127.0.0.1", port))
        sock.listen()


def test_compliance_explain_shows_each_rule_at_the_edge_of_quiet_hours(tmp_path: Path) -> None:
    assert run_cli("migrate", cwd=tmp_path).returncode == 0
    ask = ("compliance", "explain", "--debtor", "D-1", "--to", "+1 212 555 0134", "--at")

    before = run_cli(*ask, "2026-11-28T20:58:00-05:00", cwd=tmp_path)
    after = run_cli(*ask, "2026-11-28T21:02:00-05:00", cwd=tmp_path)

    assert before.returncode == 0, before.stderr
    assert before.stdout.startswith("ALLOW")
    assert after.stdout.startswith("DEFER")
    assert "next allowed 2026-11-29T08:00:00-05:00 America/New_York" in after.stdout
    assert "12 CFR 1006.6(b)(1)(i)" in after.stdout
    naive = run_cli(*ask, "2026-11-28T21:02:00", cwd=tmp_path)
    assert naive.returncode == 2 and "--at: needs a UTC offset" in naive.stderr


def test_compliance_lint_passes_the_shipped_templates(tmp_path: Path) -> None:
    done = run_cli("compliance", "lint", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problem(s)" in done.stdout
