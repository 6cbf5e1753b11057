"""The demo shows a message's times on its debtor's clock: the zone the gate decided in,
or before any verdict the number's, when the number tells one zone."""

from __future__ import annotations

from dispatcher.demo.run import _zone_of


def test_the_zone_the_gate_decided_in_comes_first() -> None:
    message = {"verdict": {"time_zone": "America/Chicago"}, "destination": "+8613800138000"}
    assert _zone_of(message) == "America/Chicago"


def test_before_any_verdict_the_numbers_zone() -> None:
    assert _zone_of({"verdict": None, "destination": "+8613800138000"}) == "Asia/Shanghai"


def test_a_number_with_several_zones_or_none_is_shown_in_utc() -> None:
    assert _zone_of({"verdict": None, "destination": "+12085550100"}) is None  # Idaho: two
    assert _zone_of({"verdict": None, "destination": "+999"}) is None
