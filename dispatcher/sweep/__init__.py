"""The periodic sweep: nothing committed to the contact log is left behind, and nothing
whose outcome is unknown is settled by guessing.

- ``cron``: the arq cron job. Enqueues due messages that have no job (committed while
  Redis was down, or whose job was lost), then runs the two below.
- ``settle``: a send left ``sending`` by a worker that died, or ``unknown`` after a
  timeout, is settled by asking the provider — taken (exactly one unclaimed record, and
  no identical send of ours that it could also be) → ``sent``; never taken → queued
  again while tries last; anything else stays ``unknown``, with the reason.
- ``deliveries``: a text whose delivery callback never came has its status asked.
"""

from dispatcher.sweep.cron import sweep

__all__ = ["sweep"]
