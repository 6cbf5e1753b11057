"""`dispatcher audit ...`: seal, verify, prove (inclusion, consistency), export the
checkpoints, print the public key, protect the sealed tables (PostgreSQL)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dispatcher.contactlog.database import create_engine
from dispatcher.proof.appendonly import grant_application_role, install_triggers, protected_tables
from dispatcher.proof.checkpoint import (
    Checkpoint,
    load_public_key,
    load_signing_key,
    public_key_pem,
)
from dispatcher.proof.prove import NothingSealed, prove_consistency, prove_message
from dispatcher.proof.seal import LAG, seal_pending
from dispatcher.proof.verify import load_checkpoints, verify_log
from dispatcher.settings import Settings

__all__ = ["add_audit_parser", "run_audit"]


def add_audit_parser(commands: Any) -> None:
    audit = commands.add_parser("audit", help="seal the contact log, verify it, prove entries")
    sub = audit.add_subparsers(dest="audit_command", required=True)
    seal = sub.add_parser("seal", help="seal every settled event into signed checkpoints")
    seal.add_argument("--lag", type=float, default=LAG.total_seconds(),
                      help="seconds an event must be old to be sealed (default 30)")  # fmt: skip
    verify = sub.add_parser("verify", help="check every entry, root, signature and chain link")
    verify.add_argument("--witness", type=Path, help="checkpoints exported earlier")
    verify.add_argument("--public-key", type=Path, help="PEM (default: from the signing key)")
    prove = sub.add_parser("prove", help="print inclusion proofs of a message's events (JSON)")
    prove.add_argument("message_id")
    consistency = sub.add_parser(
        "consistency", help="prove the checkpoint of NEW_SIZE extends that of OLD_SIZE (JSON)"
    )
    consistency.add_argument("old_size", type=int)
    consistency.add_argument("new_size", type=int)
    sub.add_parser("public-key", help="print the checkpoints' public key (PEM)")
    export = sub.add_parser("export-checkpoints", help="write the checkpoints to a witness file")
    export.add_argument("file", type=Path)
    protect = sub.add_parser(
        "protect", help="PostgreSQL, as the owner: make every sealed table append-only"
    )
    protect.add_argument("--app-role", help="grant this role what serve and the worker need")


def run_audit(settings: Settings, args: argparse.Namespace) -> int:
    command: str = args.audit_command
    try:
        if command == "public-key":
            print(public_key_pem(load_signing_key(settings).public_key()), end="")
            return 0
        return asyncio.run(_COMMANDS[command](settings, args))
    except (OSError, ValueError, NothingSealed) as exc:  # a key file, a witness, no seal yet
        print(f"dispatcher audit {command}: {exc}", file=sys.stderr)
        return 2


async def _seal(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.effective_database_url)
    try:
        sealed = await seal_pending(
            engine, load_signing_key(settings), now=datetime.now(UTC),
            lag=timedelta(seconds=args.lag), max_blocks=1_000_000,
        )  # fmt: skip
    finally:
        await engine.dispose()
    if not sealed:
        print("nothing new to seal")
    else:
        last = sealed[-1]
        print(f"sealed {len(sealed)} checkpoints; checkpoint {last.number}: "
              f"{last.tree_size} entries, root {last.root}")  # fmt: skip
    return 0


async def _verify(settings: Settings, args: argparse.Namespace) -> int:
    public_key: Ed25519PublicKey = (
        load_public_key(args.public_key)
        if args.public_key
        else load_signing_key(settings, create=False).public_key()
    )
    witness = read_witness(args.witness) if args.witness else []
    engine = create_engine(settings.effective_database_url)
    try:
        report = await verify_log(engine, public_key, witness=witness)
    finally:
        await engine.dispose()
    for finding in report.findings:
        print(finding)
    verdict = "FAILED" if report.findings else "OK"
    print(f"{verdict}: {report.checkpoints} checkpoints, {report.entries} sealed entries, "
          f"{report.events} rows of the sealed tables ({report.unsealed} not yet sealed), "
          f"{len(report.findings)} findings")  # fmt: skip
    return 1 if report.findings else 0


async def _prove(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.effective_database_url)
    try:
        proof = await prove_message(engine, args.message_id)
    finally:
        await engine.dispose()
    print(json.dumps(proof, ensure_ascii=False, indent=2))
    return 0 if proof["entries"] else 1


async def _consistency(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.effective_database_url)
    try:
        proof = await prove_consistency(engine, args.old_size, args.new_size)
    finally:
        await engine.dispose()
    print(json.dumps(proof, indent=2))
    return 0


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.effective_database_url)
    try:
        async with engine.connect() as conn:
            checkpoints = await load_checkpoints(conn)
    finally:
        await engine.dispose()
    write_witness(args.file, checkpoints)
    print(f"wrote {len(checkpoints)} checkpoints to {args.file}")
    return 0


def write_witness(path: Path, checkpoints: list[Checkpoint]) -> None:
    """One JSON object a line: {"body": ..., "signature": ...}."""
    lines = [json.dumps(checkpoint.to_json()) for checkpoint in checkpoints]
    path.write_text("".join(line + "\n" for line in lines))


def read_witness(path: Path) -> list[Checkpoint]:
    checkpoints = []
    for line in path.read_text().splitlines():
        if line.strip():
            saved = json.loads(line)
            checkpoints.append(Checkpoint.from_body(saved["body"], saved["signature"]))
    return checkpoints


async def _protect(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.effective_database_url)
    try:
        if engine.dialect.name != "postgresql":
            print("the embedded SQLite database has no roles: nothing to protect")
            return 0
        tables = protected_tables()
        async with engine.begin() as conn:
            await conn.run_sync(install_triggers, tables)
            if args.app_role:
                await conn.run_sync(grant_application_role, args.app_role)
    finally:
        await engine.dispose()
    print(f"append-only: {', '.join(sorted(tables))}")
    if args.app_role:
        print(f"granted {args.app_role}: SELECT and INSERT on these, UPDATE of closing columns")
    return 0


_COMMANDS = {
    "seal": _seal, "verify": _verify, "prove": _prove, "export-checkpoints": _export,
    "protect": _protect, "consistency": _consistency,
}  # fmt: skip
