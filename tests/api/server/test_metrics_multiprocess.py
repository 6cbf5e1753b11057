"""/metrics in multiprocess mode: what worker processes counted, added up by the server's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

COUNT_SENDS = """
import sys
from pathlib import Path
from dispatcher.metrics import record_send, share_between_processes
from dispatcher.settings import Settings
share_between_processes(Settings.from_env({}, data_dir=Path(sys.argv[1])))
for _ in range(int(sys.argv[2])):
    record_send("sms", "sent")
"""

SCRAPE = """
import os, sys
from dispatcher.metrics import render
os.environ["PROMETHEUS_MULTIPROC_DIR"] = sys.argv[1]
sys.stdout.write(render([]).decode())
"""


def python(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_counts_of_several_processes_add_up_and_outlive_them(tmp_path: Path) -> None:
    python(COUNT_SENDS, str(tmp_path), "3")
    python(COUNT_SENDS, str(tmp_path), "4")  # a second worker, both ended by now

    scraped = python(SCRAPE, str(tmp_path / "metrics"))

    assert 'dispatcher_sends_total{channel="sms",outcome="sent"} 7.0' in scraped.splitlines()
    assert "_created" not in scraped
