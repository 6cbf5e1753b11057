"""Packs compose so that the strictest wins: intersected hours, the binding caps."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from compliance.packs import (
    BUILTIN_DIR,
    PackLoader,
    PackSet,
    load_pack,
    load_packs,
    packs_for,
    strictest_caps,
)

HEADER = 'id = "{id}"\nversion = "{version}"\ntitle = "t"\njurisdiction = "XX"\n'
HOURS = """
[[hours]]
id = "hours"
title = "t"
citation = "{citation}"
status = "V"
channels = {channels}
start = {start}
end = {end}
time_zone = "{zone}"
agreed_times_override = {agreed}
"""
CAP = """
[[caps]]
id = "{id}"
title = "t"
citation = "c"
status = "V"
channels = ["voice"]
limit = {limit}
period_days = {days}
scope = "{scope}"
counts = {counts}
"""


def hours_pack(
    directory: Path,
    pack_id: str,
    start: str,
    end: str,
    *,
    zone: str = "debtor",
    agreed: bool = True,
    channels: str = '["voice", "sms"]',
) -> None:
    text = HEADER.format(id=pack_id, version=f"{pack_id}-1") + HOURS.format(
        citation=f"{pack_id} law",
        channels=channels,
        start=start,
        end=end,
        zone=zone,
        agreed=str(agreed).lower(),
    )
    (directory / f"{pack_id}.toml").write_text(text, encoding="utf-8")


def test_hours_intersect_latest_start_earliest_end_and_record_contributors(
    tmp_path: Path,
) -> None:
    hours_pack(tmp_path, "early", "07:00:00", "20:00:00")
    hours_pack(tmp_path, "late", "09:00:00", "22:00:00", agreed=False)

    hours = PackLoader([tmp_path]).load_packs(["early", "late"]).allowed_hours("sms")

    assert hours is not None
    assert (hours.start, hours.end) == (time(9), time(20))
    assert hours.packs == ("early", "late")
    assert hours.start_from == ("late:hours",)
    assert hours.end_from == ("early:hours",)
    assert hours.citation == "early law; late law"
    assert not hours.agreed_times_override  # one pack does not allow it: strictest wins
    assert hours.debtor_local and hours.fixed_zones == ()


def test_hours_that_do_not_overlap_leave_no_window(tmp_path: Path) -> None:
    hours_pack(tmp_path, "morning", "06:00:00", "10:00:00")
    hours_pack(tmp_path, "evening", "18:00:00", "22:00:00")

    hours = PackLoader([tmp_path]).load_packs(["morning", "evening"]).allowed_hours("voice")

    assert hours is not None and hours.window is None


def test_a_pack_without_hours_for_the_channel_does_not_take_part(tmp_path: Path) -> None:
    hours_pack(tmp_path, "voiceonly", "10:00:00", "12:00:00", channels='["voice"]')
    hours_pack(tmp_path, "both", "08:00:00", "21:00:00")
    packs = PackLoader([tmp_path]).load_packs(["voiceonly", "both"])

    sms, voice = packs.allowed_hours("sms"), packs.allowed_hours("voice")

    assert sms is not None and (sms.start, sms.end, sms.packs) == (time(8), time(21), ("both",))
    assert voice is not None and (voice.start, voice.end) == (time(10), time(12))
    assert packs.allowed_hours("letter") is None


def test_fixed_and_debtor_local_zones_are_both_checked(tmp_path: Path) -> None:
    hours_pack(tmp_path, "fixed", "08:00:00", "22:00:00", zone="Asia/Shanghai")
    hours_pack(tmp_path, "local", "08:00:00", "21:00:00")

    hours = PackLoader([tmp_path]).load_packs(["fixed", "local"]).allowed_hours("sms")

    assert hours is not None
    assert hours.fixed_zones == ("Asia/Shanghai",) and hours.debtor_local
    assert (hours.start, hours.end) == (time(8), time(21))


def test_real_packs_cn_and_org_give_beijing_8_to_22() -> None:
    hours = load_packs(packs_for("CN")).allowed_hours("voice")

    assert hours is not None
    assert (hours.start, hours.end) == (time(8), time(22))
    assert hours.fixed_zones == ("Asia/Shanghai",) and not hours.debtor_local
    assert hours.packs == ("cn",)


def test_real_packs_us_and_uk_intersect_to_8_to_21() -> None:
    hours = load_packs(["us-regf", "uk", "org"]).allowed_hours("sms")

    assert hours is not None
    assert (hours.start, hours.end) == (time(8), time(21))
    assert hours.packs == ("us-regf", "uk")
    assert not hours.agreed_times_override  # uk does not let an agreement override


def test_versions_name_every_pack_once() -> None:
    packs = load_packs(["us-regf", "org", "us-regf", "us-ma"])

    assert packs.ids == ("us-regf", "org", "us-ma")
    assert packs.versions == {
        "us-regf": load_pack("us-regf").version,
        "org": load_pack("org").version,
        "us-ma": load_pack("us-ma").version,
    }


def test_massachusetts_caps_add_to_reg_f_for_calls_and_to_the_company_text_caps() -> None:
    packs = load_packs(packs_for("US", "MA"))

    voice = {c.ref for c in packs.strictest_caps("voice")}
    sms = {c.ref for c in packs.strictest_caps("sms")}

    # Different things counted (Reg F: calls; MA: calls and texts, by kind of number).
    assert voice == {"us-regf:call_frequency", "us-ma:personal_numbers", "us-ma:other_numbers"}
    assert sms == {
        "us-ma:personal_numbers", "us-ma:other_numbers",
        "org:texts_per_day", "org:texts_per_week",  # company policy: per debtor
    }  # fmt: skip


def cap_packs(tmp_path: Path, caps: list[tuple[str, int, int, str, str]]) -> PackSet:
    for pack_id, limit, days, scope, counts in caps:
        text = HEADER.format(id=pack_id, version="1") + CAP.format(
            id="cap", limit=limit, days=days, scope=scope, counts=counts
        )
        (tmp_path / f"{pack_id}.toml").write_text(text, encoding="utf-8")
    return PackLoader([tmp_path]).load_packs([c[0] for c in caps])


CALLS = '["call.answered", "call.unanswered"]'
CALLS_REORDERED = '["call.unanswered", "call.answered"]'


def test_the_smallest_cap_wins_for_the_same_scope_events_and_period(tmp_path: Path) -> None:
    packs = cap_packs(
        tmp_path,
        [
            ("a", 7, 7, "debt", CALLS),
            ("b", 3, 7, "debt", CALLS_REORDERED),
            ("c", 5, 7, "debt", CALLS),
        ],
    )

    assert len(packs.caps("voice")) == 3
    assert [c.pack for c in packs.strictest_caps("voice")] == ["b"]


def test_a_cap_over_a_longer_period_with_no_higher_limit_implies_the_shorter(
    tmp_path: Path,
) -> None:
    packs = cap_packs(tmp_path, [("week", 7, 7, "debt", CALLS), ("month", 2, 30, "debt", CALLS)])

    assert [c.pack for c in packs.strictest_caps("voice")] == ["month"]


def test_caps_neither_implies_both_stay(tmp_path: Path) -> None:
    packs = cap_packs(tmp_path, [("day", 3, 1, "debt", CALLS), ("week", 7, 7, "debt", CALLS)])

    assert [c.pack for c in packs.strictest_caps("voice")] == ["day", "week"]


@pytest.mark.parametrize(
    ("second_scope", "second_counts"),
    [("debtor", CALLS), ("debt", '["call.answered"]')],
)
def test_caps_on_different_scopes_or_events_all_apply(
    tmp_path: Path, second_scope: str, second_counts: str
) -> None:
    packs = cap_packs(
        tmp_path, [("a", 7, 7, "debt", CALLS), ("b", 3, 7, second_scope, second_counts)]
    )

    assert [c.pack for c in packs.strictest_caps("voice")] == ["a", "b"]


def test_identical_caps_keep_the_first(tmp_path: Path) -> None:
    packs = cap_packs(tmp_path, [("a", 3, 7, "debt", CALLS), ("b", 3, 7, "debt", CALLS)])

    assert [c.pack for c in strictest_caps(packs.caps("voice"))] == ["a"]


def test_builtin_dir_is_where_the_packs_are() -> None:
    assert (BUILTIN_DIR / "us-regf.toml").is_file()
