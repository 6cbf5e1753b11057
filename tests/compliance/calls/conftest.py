"""The whole-dispatcher fixtures (real worker, Redis, contact log) for the visit tests."""

from tests.dispatcher.conftest import stack, stack_options

__all__ = ["stack", "stack_options"]
