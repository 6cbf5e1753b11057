"""The fault suite (issue 9): the dispatcher as an operator runs it, under every fault.

Each trial runs real ``dispatcher serve`` and ``dispatcher worker`` processes against a
private PostgreSQL cluster and a private Redis (``servers``), which it may restart, kill
and flush, and against the project's fake Twilio in a process of its own, with faults
switched at run time (``faulty_twilio``, ``provider_process``). It ends with one check
(``checker``): what the provider received against the contact log, per message — no
duplicates, no phantom or hidden sends, nothing lost, at most ``SEND_MAX_TRIES``
creates — and every worker the trial did not kill still running.

    test_worker_kills        22 SIGKILLs over 1,000 texts (fault phase in ``sigkill``)
    test_server_restarts     Redis restarted twice then FLUSHALL; PostgreSQL restarted twice
    test_provider_storms     429/503 storms on a lagging queue; 500/504/drop/timeout after
                             creating; timeout before creating
    test_identical_texts     identical texts to one number, every worker killed mid-send
    test_callback_replays    status callbacks replayed, reordered, late
    test_clock_skew          the provider's clock 10 min behind, then ahead, crash mid-send
    test_calls               calls: a kill mid-placement, a timeout after placing

Run: ``python -m pytest tests/faults`` (about 4 minutes; marker ``faults``). Each trial
prints a one-line summary, repeated in a "fault trials" section at the end of the run.
"""
