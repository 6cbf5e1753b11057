"""The garbage collector of a worker process, once started: start-up frozen, a wider
first generation. In a process of its own: frozen objects are never freed."""

from __future__ import annotations

import json
import subprocess
import sys

from dispatcher.process.collector import FIRST_GENERATION

REPORT = """
import gc, json
from dispatcher.process import collector
defaults = gc.get_threshold()
collector.settle()
now, frozen = gc.get_threshold(), gc.get_freeze_count()
print(json.dumps({"defaults": defaults, "now": now, "frozen": frozen}))
"""


def test_settle_freezes_what_start_up_built_and_widens_the_first_generation() -> None:
    out = subprocess.run([sys.executable, "-c", REPORT], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)

    assert report["frozen"] > 1000  # the modules imported so far, at least
    assert report["now"] == [FIRST_GENERATION, *report["defaults"][1:]]
    assert FIRST_GENERATION > report["defaults"][0]
