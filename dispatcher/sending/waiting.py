"""How a message waits without costing: its debtor's turn in this process, and parking
under a pause (no job re-checks it until the pause is lifted)."""

from __future__ import annotations

import asyncio
import weakref

from compliance import Verdict
from compliance.rules.pause import PauseRule
from dispatcher.sending.sending_log import DecisionWindow

__all__ = ["debtor_turn", "parking_pause"]


def debtor_turn(debtor_ref: str) -> asyncio.Lock:
    """This process's turn at a debtor's decision window, where the sending log does not
    line them up itself (SQLAlchemy's, ``SendingLog.lines_up_debtors``). A burst of jobs for
    one debtor waits here, holding nothing, instead of each holding a database connection
    while it waits for the debtor's lock (50 such jobs are more than the pool's 10 + 10, and
    every other debtor's jobs would wait for a connection). Other processes are kept out by
    the database lock, as before."""
    key = (id(asyncio.get_running_loop()), debtor_ref)
    turn = _DEBTOR_TURNS.get(key)
    if turn is None:
        turn = _DEBTOR_TURNS[key] = asyncio.Lock()
    return turn


# Held only while some job uses them: a debtor's lock goes when its last job is done.
_DEBTOR_TURNS: weakref.WeakValueDictionary[tuple[int, str], asyncio.Lock] = (
    weakref.WeakValueDictionary()
)


async def parking_pause(session: DecisionWindow, verdict: Verdict) -> int | None:
    """The pause to park a deferred message under: the first of those deferring it, when
    the pause rule decides the deferral and that pause is still in force."""
    deciding = verdict.deciding
    if deciding is None or deciding.rule_id != PauseRule.id:
        return None
    pauses = deciding.inputs.get("pauses") or ()  # none: the pause state could not be read
    if not pauses:
        return None
    pause_id = int(pauses[0]["id"])
    return pause_id if await session.pause_in_force(pause_id) else None
