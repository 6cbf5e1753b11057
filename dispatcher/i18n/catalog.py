"""Catalogs of people-facing text: ``catalogs/<area>.<locale>.toml``, one pair per area.

A key is ``<area>.<path>``: ``reasons.hours.quiet`` is the table path ``hours.quiet`` in
``reasons.<locale>.toml``. Values are ``str.format`` strings with named placeholders only
(``{until}``); every locale of an area has the same keys and the same placeholders
(``tests/i18n`` checks this), so a missing translation fails the tests, not a page.
"""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dispatcher.i18n.locales import LOCALES

__all__ = [
    "CATALOG_DIR",
    "MissingParameter",
    "UnknownKey",
    "catalog",
    "has_key",
    "placeholders",
    "translate",
]

CATALOG_DIR = Path(__file__).with_name("catalogs")


class UnknownKey(KeyError):
    """No text for this key in this locale."""


class MissingParameter(KeyError):
    """The text names a placeholder that the caller did not pass."""


@dataclass(frozen=True)
class Catalog:
    """Every area's text for one locale, flattened to dotted keys."""

    locale: str
    texts: Mapping[str, str]


@functools.cache
def catalog(locale: str) -> Catalog:
    if locale not in LOCALES:
        raise ValueError(f"locale {locale!r} is not one of {', '.join(LOCALES)}")
    texts: dict[str, str] = {}
    for path in sorted(CATALOG_DIR.glob(f"*.{locale}.toml")):
        area = path.name.removesuffix(f".{locale}.toml")
        with path.open("rb") as fh:
            _flatten(area, tomllib.load(fh), texts, path)
    return Catalog(locale, texts)


def _flatten(prefix: str, table: Mapping[str, Any], into: dict[str, str], path: Path) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, Mapping):
            _flatten(key, value, into, path)
        elif isinstance(value, str):
            into[key] = value
        else:
            raise ValueError(f"{path.name}: {key} is {type(value).__name__}, not text")


def has_key(locale: str, key: str) -> bool:
    return key in catalog(locale).texts


def translate(locale: str, key: str, /, **params: object) -> str:
    """The text for ``key`` in ``locale`` with ``params`` filled in; extra params are ignored."""
    try:
        text = catalog(locale).texts[key]
    except KeyError:
        raise UnknownKey(f"no {locale} text for {key!r}") from None
    try:
        return text.format_map(params)
    except KeyError as exc:
        raise MissingParameter(f"{locale} {key!r} needs parameter {exc.args[0]!r}") from None


def placeholders(text: str) -> frozenset[str]:
    """The named placeholders in a catalog text (``{until}`` → ``until``)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)
