"""The HTTP API fixtures, for the statistics endpoints."""

from tests.api.conftest import api  # noqa: F401
from tests.dispatcher.conftest import stack, stack_options  # noqa: F401
