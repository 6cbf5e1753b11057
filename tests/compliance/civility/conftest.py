from __future__ import annotations

import pytest

from compliance.civility import CivilityScanner


@pytest.fixture(scope="session")
def scanner() -> CivilityScanner:
    """The shipped zh-CN and en-US lexicons, built once (as a worker does at start-up)."""
    return CivilityScanner.from_lexicons(("zh-CN", "en-US"))
