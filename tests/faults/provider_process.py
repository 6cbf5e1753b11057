"""The faulty fake Twilio in a process of its own, so our workers reach it over the network.

    python -m tests.faults.provider_process [--port 0]

Prints one JSON line, ``{"port": ...}``, once it listens; serves until SIGTERM / SIGINT.
Faults are switched through its ``/_faults/...`` routes (see ``faulty_twilio``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from dispatcher.process.embedded_redis import stop_with_parent
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from tests.faults.faulty_twilio import FaultyTwilio


async def serve(port: int) -> None:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    fake = FaultyTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, port=port)
    await fake.start()
    print(json.dumps({"port": int(fake.base_url.rsplit(":", 1)[1])}), flush=True)
    try:
        await stopped.wait()
    finally:
        await fake.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    stop_with_parent()
    asyncio.run(serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
