"""``dispatcher people``: accounts for the workspace, and collectors' debtors.

    dispatcher people add ann --role compliance --name "王安"       # asks for the password
    dispatcher people add cole --role collector --collector c-17
    dispatcher people passwd ann
    dispatcher people lock cole            # --unlock to undo; locking ends its sessions
    dispatcher people assign c-17 D-1 D-2  # collector c-17 sees debtors D-1 and D-2

Passwords are read from the terminal, or from standard input with ``--password-stdin``
(one line), never from the command line (it would show in ``ps`` and shell history).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import timedelta

from dispatcher.clock import SystemClock
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.errors import InvalidRequest
from dispatcher.settings import Settings
from dispatcher.workspace.access.assignments import Assignments
from dispatcher.workspace.access.people import Lockout, PeopleStore
from dispatcher.workspace.access.roles import PersonRole

__all__ = ["add_people_parser", "run_people"]


def add_people_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    people = commands.add_parser("people", help="people who sign in to the workspace")
    sub = people.add_subparsers(dest="people_command", required=True)
    add = sub.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", action="append", required=True, choices=list(PersonRole))
    add.add_argument("--name", help="the name shown on pages (default: the username)")
    add.add_argument("--collector", help="a collector's id (required with --role collector)")
    add.add_argument("--locale", choices=["zh-CN", "en-US"])
    add.add_argument("--password-stdin", action="store_true")
    passwd = sub.add_parser("passwd", help="set a new password")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    lock = sub.add_parser("lock", help="lock an account (ends its sessions)")
    lock.add_argument("username")
    lock.add_argument("--unlock", action="store_true", help="unlock it instead")
    assign = sub.add_parser("assign", help="let a collector see these debtors")
    assign.add_argument("collector_id")
    assign.add_argument("debtor_refs", nargs="+")


async def run_people(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.effective_database_url)
    clock = SystemClock()
    try:
        await upgrade(engine)
        store = PeopleStore(
            engine, clock,
            lockout=Lockout(settings.workspace_lockout_failures,
                            timedelta(minutes=settings.workspace_lockout_min)),
            session_length=timedelta(hours=settings.workspace_session_h),
        )  # fmt: skip
        command = args.people_command
        if command == "add":
            person = await store.add(
                args.username, _password(args.password_stdin),
                roles={PersonRole(r) for r in args.role}, display_name=args.name,
                collector_id=args.collector, locale=args.locale,
            )  # fmt: skip
            print(f"added {person.username} ({', '.join(sorted(person.roles))})")
        elif command == "passwd":
            await store.set_password(args.username, _password(args.password_stdin))
            print(f"password of {args.username} changed")
        elif command == "lock":
            await store.lock(args.username, locked=not args.unlock)
            print(f"{args.username} {'unlocked' if args.unlock else 'locked'}")
        elif command == "assign":
            assignments = Assignments(engine, clock)
            added = await assignments.assign(
                args.collector_id, args.debtor_refs, by=f"cli:{getpass.getuser()}"
            )
            print(f"{args.collector_id}: {added} debtor(s) assigned")
    finally:
        await engine.dispose()
    return 0


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise InvalidRequest.of("password", "the two entries differ")
    return first
