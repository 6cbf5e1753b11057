"""The HTTP API and workspace fixtures, for the statistics endpoints and page."""

from tests.api.conftest import api  # noqa: F401
from tests.dispatcher.conftest import stack, stack_options  # noqa: F401
from tests.workspace.conftest import browser, people  # noqa: F401
