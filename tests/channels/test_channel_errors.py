"""A provider's error as our vocabulary carries it: its code fits the contact log's column."""

from __future__ import annotations

from channels.base import MAX_CODE_LENGTH, PermanentChannelError, TransientChannelError


def test_a_providers_long_free_text_code_is_cut_and_kept_whole_in_the_text() -> None:
    code = "address_verification_failed_for_the_recipient_line_2"  # a provider's free text
    refused = PermanentChannelError(code, "the address could not be verified")

    assert refused.code == code[:MAX_CODE_LENGTH]
    assert refused.text == f"{code}: the address could not be verified"


def test_a_short_code_is_kept_as_it_is() -> None:
    busy = TransientChannelError("429", "too many requests", http_status=429)

    assert (busy.code, busy.text, busy.http_status) == ("429", "too many requests", 429)
