"""Typed keys for what the application holds."""

from aiohttp import web

from dispatcher.process.deps import Deps

__all__ = ["DEPS"]

DEPS = web.AppKey("deps", Deps)
