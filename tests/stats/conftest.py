"""The HTTP API, workspace and browser fixtures, for the statistics endpoints and page."""

from tests.api.conftest import api  # noqa: F401
from tests.dispatcher.conftest import stack, stack_options  # noqa: F401
from tests.workspace.browser.conftest import chromium  # noqa: F401
from tests.workspace.conftest import browser, people  # noqa: F401
