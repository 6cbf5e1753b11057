"""The `dispatcher` command: run a worker or the server, migrate, create API keys, run the demo."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import signal
import sys
from datetime import UTC, datetime

from compliance import ComplianceGate
from dispatcher.clock import SystemClock
from dispatcher.contactlog.approvals import TemplateApprovals
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.keys import NameTaken, Role, create_key
from dispatcher.contactlog.migrate import upgrade
from dispatcher.contactlog.store import ContactLog
from dispatcher.debtors.phones import e164
from dispatcher.demo.run import run_demo
from dispatcher.errors import DispatcherError, InvalidRequest
from dispatcher.explain import explain
from dispatcher.metrics import share_between_processes
from dispatcher.process.deps import default_rules
from dispatcher.process.logs import configure_cli_logging
from dispatcher.process.runtime import redis_url_for
from dispatcher.process.worker import create_worker
from dispatcher.proof.cli import add_audit_parser, run_audit
from dispatcher.retention.cli import add_retention_parser, run_retention_command
from dispatcher.settings import Settings
from dispatcher.stats.cli import add_stats_parser, run_stats
from dispatcher.web.serve import serve
from dispatcher.webhooks.cli import add_webhooks_parser, run_webhooks
from dispatcher.workspace.cli import add_people_parser, run_people
from templates import TemplateCatalog
from templates.approvals import DEFAULT_REGISTER, approve_all

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_cli_logging(args.command, verbose=args.verbose)  # one JSON line per event
    # SIGTERM unwinds like Ctrl-C, so an embedded Redis this process started is stopped.
    # `worker` and `serve` replace this while they run, to stop gracefully instead.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return _run(Settings.from_env(), args)
    except DispatcherError as exc:
        print(f"dispatcher: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dispatcher", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create or upgrade the contact log's tables")
    worker = commands.add_parser("worker", help="run a pipeline worker")
    worker.add_argument("--burst", action="store_true", help="stop when no job is due")
    commands.add_parser("serve", help="run the HTTP server (API, webhooks, health)")
    _add_keys_parser(commands)
    _add_compliance_parser(commands)
    demo = commands.add_parser("demo", help="run the pipeline end to end on the embedded default")
    demo.add_argument("--bulk", type=int, default=200, help="how many reminders to enqueue")
    add_audit_parser(commands)
    add_retention_parser(commands)
    add_people_parser(commands)
    add_webhooks_parser(commands)
    add_stats_parser(commands)
    return parser


def _add_keys_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="HTTP API keys")
    keys_create = keys.add_subparsers(dest="keys_command", required=True).add_parser(
        "create", help="create a key; its secret is printed once"
    )
    keys_create.add_argument("--role", required=True, choices=[str(r) for r in Role])
    keys_create.add_argument("--name", required=True, help="who holds it, e.g. ops-alice")


def _add_compliance_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compliance = commands.add_parser("compliance", help="explain decisions, lint templates")
    compliance_commands = compliance.add_subparsers(dest="compliance_command", required=True)
    explain_command = compliance_commands.add_parser(
        "explain", help="what the gate would decide, without sending anything"
    )
    explain_command.add_argument("--message", help="a stored message's id")
    explain_command.add_argument("--debtor", help="a debtor reference (with --to)")
    explain_command.add_argument("--to", help="the destination (with --debtor)")
    explain_command.add_argument("--account", help="the account (debt) reference")
    explain_command.add_argument("--channel", default="sms")
    explain_command.add_argument("--at", help="ISO time with offset (default: now)")
    explain_command.add_argument(
        "--json", action="store_true", help="print the full verdict as JSON"
    )
    explain_command.add_argument(
        "--lang", choices=("zh-CN", "en-US"),
        help="every rule's answer in plain language, times on the debtor's clock",
    )  # fmt: skip
    compliance_commands.add_parser("lint", help="check every template against the lexicons")
    approvals = compliance_commands.add_parser(
        "approvals", help="which template versions compliance approved (templates/approvals.toml)"
    )
    approvals.add_argument(
        "--approve-by", metavar="NAME", help="approve every unapproved version, as NAME"
    )


def _run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the chosen command; its exit code."""
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
    elif args.command == "worker":
        share_between_processes(settings)  # /metrics adds up every worker's counts
        _worker(settings, burst=args.burst)
    elif args.command == "serve":
        share_between_processes(settings)
        asyncio.run(_migrate_quietly(settings))
        serve(settings)
    elif args.command == "keys":
        asyncio.run(_create_key(settings, name=args.name, role=Role(args.role)))
    elif args.command == "compliance":
        return asyncio.run(_compliance(settings, args))
    elif args.command == "demo":
        asyncio.run(run_demo(settings, bulk=args.bulk))
    elif args.command == "audit":
        return run_audit(settings, args)
    elif args.command == "retention":
        return run_retention_command(settings, args)
    elif args.command == "people":
        return asyncio.run(run_people(settings, args))
    elif args.command == "webhooks":
        return run_webhooks(settings)
    elif args.command == "stats":
        return run_stats(settings, args)
    return 0


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.effective_database_url)
    await upgrade(engine)
    await engine.dispose()
    print(f"contact log is up to date: {engine.url.render_as_string(hide_password=True)}")


def _worker(settings: Settings, *, burst: bool) -> None:
    with redis_url_for(settings) as redis_url:
        asyncio.run(_migrate_quietly(settings))
        run = asyncio.run
        if settings.worker_uvloop:
            import uvloop

            run = uvloop.run
        run(_run_worker(settings, redis_url=redis_url, burst=burst))


async def _run_worker(settings: Settings, *, redis_url: str, burst: bool) -> None:
    # Built inside the running loop: arq's Worker takes the current loop for its tasks and
    # signal handlers (SIGTERM: finish running jobs within WORKER_STOP_GRACE_S, then exit).
    worker = create_worker(settings, redis_url=redis_url, own_process=True)
    if burst:
        await worker.run_until_idle()
    else:
        await worker.run_until_stopped()


async def _migrate_quietly(settings: Settings) -> None:
    if not settings.database_url:  # the embedded default creates its SQLite file on first use
        engine = create_engine(settings.effective_database_url)
        await upgrade(engine)
        await engine.dispose()


async def _create_key(settings: Settings, *, name: str, role: Role) -> None:
    await _migrate_quietly(settings)
    try:
        created = await create_key(
            settings.effective_database_url, name=name, role=role,
            created_by=f"cli:{getpass.getuser()}",
        )  # fmt: skip
    except (ValueError, NameTaken) as exc:
        raise InvalidRequest.of("--name", str(exc)) from None
    print(f"key {created.record.id} {name!r} ({role}); shown once, store it now:", file=sys.stderr)
    print(created.secret)


async def _compliance(settings: Settings, args: argparse.Namespace) -> int:
    if args.compliance_command == "lint":
        from compliance.civility import CivilityScanner, lint_catalog
        from compliance.packs import pack_dir_problems

        problems: list[object] = [*lint_catalog(TemplateCatalog(), CivilityScanner.from_lexicons())]
        if settings.rule_packs_dir is not None:  # the deployment's packs: file:line, rule, field
            problems += pack_dir_problems(settings.rule_packs_dir)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0

    if args.compliance_command == "approvals":
        return _approvals(args.approve_by)

    at = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
    if at.tzinfo is None:
        raise InvalidRequest.of("--at", "needs a UTC offset, e.g. 2026-11-28T20:58:00-05:00")
    # Explaining reads the contact log only: no Redis, no provider.
    # The worker's gate: one catalog for the rules and the approvals given over the API.
    engine, clock = create_engine(settings.effective_database_url), SystemClock()
    catalog = TemplateCatalog()
    try:
        verdict = await explain(
            ContactLog(engine, clock), catalog, ComplianceGate(default_rules(settings, catalog)),
            at=at, message_id=args.message, debtor_ref=args.debtor,
            destination=e164(args.to) if args.to else None, channel=args.channel,
            account_ref=args.account, approvals=TemplateApprovals(engine, clock, catalog),
        )  # fmt: skip
    except ValueError as exc:
        raise InvalidRequest.of("arguments", str(exc)) from None
    finally:
        await engine.dispose()
    if args.json:
        print(json.dumps(verdict.to_json(), ensure_ascii=False, indent=2))
    elif args.lang:
        from dispatcher.i18n import explain_results

        for line in explain_results(verdict.to_json(), args.lang, None, include_allowed=True):
            print(f"[{line.decision_label}] {line.line(args.lang)}")
    else:
        print(f"{verdict.decision.value.upper()} at {at.isoformat()}")
        for result in verdict.results:
            until = f" until {result.until.isoformat()}" if result.until else ""
            print(f"  {result.decision.value:<5}  {result.rule_id:<28} {result.reason}{until}")
            print(f"         {'':<28} {result.citation}")
    return 0


def _approvals(approve_by: str | None) -> int:
    catalog = TemplateCatalog()
    register, templates = catalog.approvals, catalog.list()
    missing = [t for t in templates if not register.find(t.channel, t.name, t.locale, t.version)]
    for t in templates:
        state = "NOT APPROVED" if t in missing else "approved"
        print(f"{state:<12}  {t.channel}/{t.locale}/{t.name}  {t.version}")
    if approve_by and missing:
        text = approve_all(register, templates, by=approve_by, on=datetime.now(UTC).date())
        DEFAULT_REGISTER.write_text(text, encoding="utf-8")
        print(f"approved {len(missing)} version(s) as {approve_by} in {DEFAULT_REGISTER}")
        return 0
    print(f"{len(missing)} template version(s) not approved")
    return 1 if missing else 0
