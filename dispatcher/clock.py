"""Time, in one replaceable place: tests swap the clock, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "FrozenClock", "ShiftedClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at


class ShiftedClock:
    """Real time, moved so that it read ``starts_at`` when the clock was made (demos, tests)."""

    def __init__(self, starts_at: datetime) -> None:
        self._offset = starts_at - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def move_to(self, at: datetime) -> None:
        """Read ``at`` now, and run on from there (a test whose visit day has come)."""
        self._offset = at - datetime.now(UTC)
