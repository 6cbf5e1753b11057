"""A person's choice wins; else Accept-Language by q; else en-US (programs send no header)."""

from __future__ import annotations

import pytest

from dispatcher.i18n import DEFAULT_LOCALE, negotiate


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("en-US;q=0.8,en;q=0.7,zh-CN;q=0.95", "zh-CN"),  # q decides, not order
        ("zh-Hans-CN", "zh-CN"),
        ("zh-TW", "zh-CN"),  # the only Chinese we write
        ("en-GB", "en-US"),
        ("fr-FR, de;q=0.9, zh;q=0.1", "zh-CN"),  # first supported, however low
        ("fr-FR", "en-US"),
        ("zh-CN;q=0, en;q=0.5", "en-US"),  # q=0 means "not this"
        ("*", "en-US"),
        ("", "en-US"),
        ("zh;q=oops, en", "en-US"),  # a malformed q counts as 0
        (" zh-cn ; q=1 ", "zh-CN"),
    ],
)
def test_accept_language(header: str, expected: str) -> None:
    assert negotiate(header) == expected


def test_no_header_is_the_default() -> None:
    assert negotiate(None) == DEFAULT_LOCALE == "en-US"


def test_a_persons_choice_wins_over_the_header() -> None:
    assert negotiate("zh-CN", preferred="en-US") == "en-US"
    assert negotiate("en-US", preferred="zh") == "zh-CN"


def test_an_unsupported_choice_falls_back_to_the_header() -> None:
    assert negotiate("zh-CN", preferred="fr-FR") == "zh-CN"


def test_the_default_can_be_given() -> None:
    assert negotiate("fr", default="zh-CN") == "zh-CN"
