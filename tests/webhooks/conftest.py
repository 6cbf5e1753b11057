"""The HTTP API's stack (tests/api/conftest.py) for the outbound events' tests."""

from __future__ import annotations

from tests.api.conftest import api  # noqa: F401
from tests.dispatcher.conftest import stack, stack_options  # noqa: F401
