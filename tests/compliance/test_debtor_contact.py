"""The debtor's contact data in the rules: hours in every zone the number AND the address
indicate, Massachusetts' caps by number type, the no-work-contact hold, TCPA consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from compliance import Decision, HoldFact
from compliance.caps import FrequencyCapRule
from compliance.hours import ContactHoursRule, debtor_zones, locate
from compliance.hours.zones import region_zones
from compliance.packs import BUILTIN_DIR, PackFormatError, PackLoader, read_pack
from compliance.rules import HoldsRule
from compliance.rules.consent import AutomatedToMobileConsentRule
from dispatcher.contactlog.session import debtor_session
from tests.compliance.calls.log import (
    NEW_YORK_NUMBER,
    Attempt,
    FakeLog,
    insert_attempts,
    subject,
)

EASTERN = ZoneInfo("America/New_York")
WORK_NUMBER = "+12125550199"
MA_PACKS = ("us-regf", "org", "us-ma")


def eastern(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026 (Eastern Standard Time), New York wall clock."""
    return datetime(2026, 11, day, hour, minute, tzinfo=EASTERN)


def located_text(now: datetime, facts: Any = None, **overrides: Any) -> Any:
    """A text to a New York mobile of a debtor with no zone on record: the address decides."""
    fields: dict[str, Any] = {
        "channel": "sms", "debtor_time_zone": None, "destination_type": "mobile",
        "debtor_address_country": "US", "debtor_address_region": "CA",
    }  # fmt: skip
    return subject(now, facts or FakeLog(), **{**fields, **overrides})


# -- hours: every zone the number and the address indicate ---------------------------------


async def test_an_eastern_mobile_and_a_pacific_address_allow_11_to_21_eastern() -> None:
    rule = ContactHoursRule()

    inside = await rule.check(located_text(eastern(4, 11)))
    late_inside = await rule.check(located_text(eastern(4, 20, 59)))
    early = await rule.check(located_text(eastern(4, 10, 30)))
    at_nine = await rule.check(located_text(eastern(4, 21)))

    assert inside.decision is Decision.ALLOW and late_inside.decision is Decision.ALLOW
    assert early.decision is Decision.DEFER and early.until == eastern(4, 11)
    assert at_nine.decision is Decision.DEFER and at_nine.until == eastern(5, 11)
    assert inside.inputs["zones"] == ["America/New_York", "America/Los_Angeles"]
    assert inside.inputs["zone_source"] == "phone number and address US-CA"
    assert inside.inputs["zone_origins"] == {
        "America/New_York": ["phone number"],
        "America/Los_Angeles": ["address US-CA"],
    }


async def test_a_time_zone_on_record_still_wins_over_number_and_address() -> None:
    result = await ContactHoursRule().check(
        located_text(eastern(4, 10, 30), debtor_time_zone="America/New_York")
    )
    assert result.decision is Decision.ALLOW
    assert result.inputs["zone_origins"] == {"America/New_York": ["record"]}


async def test_a_split_state_address_is_checked_in_each_of_its_zones() -> None:
    # Texas: Central, and Mountain in El Paso. With a New York number: 10:00-21:00 Eastern.
    rule = ContactHoursRule()
    early = await rule.check(located_text(eastern(4, 9, 30), debtor_address_region="TX"))
    assert early.decision is Decision.DEFER and early.until == eastern(4, 10)
    assert early.inputs["zone_origins"] == {
        "America/New_York": ["phone number"],
        "America/Chicago": ["address US-TX"],
        "America/Denver": ["address US-TX"],
    }
    # Idaho alone (an address, no usable number): Boise and Los Angeles.
    zones, source = debtor_zones("+80012345678", None, address_country="US", address_region="ID")
    assert set(zones) == {"America/Boise", "America/Los_Angeles"} and source == "address US-ID"


def test_every_state_and_split_state_has_real_zones() -> None:
    states = (
        "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE "
        "NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
    ).split()
    known = available_timezones()
    for state in states:
        zones = region_zones("US", state)
        assert zones and set(zones) <= known, state
    for split in "ID OR KY TN IN FL TX KS NE ND SD MI AK".split():
        assert len(region_zones("US", split) or ()) >= 2, split
    assert region_zones("US", "ZZ") is None


def test_an_address_outside_the_us_and_canada_means_every_zone_of_its_country() -> None:
    where = locate(NEW_YORK_NUMBER, None, address_country="AU", address_region="NSW")
    assert "Australia/Sydney" in where.zones and "Australia/Perth" in where.zones
    assert where.origins["America/New_York"] == ["phone number"]
    assert where.source == "phone number and address country AU"


# -- Massachusetts: personal and other numbers counted apart ------------------------------


def ma_text(now: datetime, log: FakeLog, destination: str, kind: str | None) -> Any:
    return subject(
        now, log, channel="sms", packs=MA_PACKS, destination=destination,
        destination_type=kind, other_numbers=(WORK_NUMBER,),
    )  # fmt: skip


async def test_a_work_number_gets_2_per_30_days_and_personal_numbers_keep_2_per_7() -> None:
    now = eastern(25, 12)
    texts = [
        Attempt(now - timedelta(days=20), None, channel="sms", destination=WORK_NUMBER),
        Attempt(now - timedelta(days=10), None, channel="sms", destination=WORK_NUMBER),
        Attempt(now - timedelta(days=1), None, channel="sms", destination=NEW_YORK_NUMBER),
    ]
    log, rule = FakeLog(texts), FrequencyCapRule()

    to_work = await rule.check(ma_text(now, log, WORK_NUMBER, "work"))
    to_mobile = await rule.check(ma_text(now, log, NEW_YORK_NUMBER, "mobile"))

    assert to_work.decision is Decision.DEFER
    assert "us-ma:other_numbers" in to_work.reason and "2 of 2" in to_work.reason
    # the first work text leaves the rolling 30-day window 30 × 24 h after it was sent
    assert to_work.until == now + timedelta(days=10)
    assert to_mobile.decision is Decision.ALLOW  # 1 personal text this week; work ones not counted
    counted = {c["cap"]: c.get("count") for c in to_mobile.inputs["caps"]}
    assert counted["us-ma:personal_numbers"] == 1
    assert "us-ma:other_numbers" not in counted
    assert to_mobile.inputs["other_kind_of_number"][0]["cap"] == "us-ma:other_numbers"

    log.attempts.append(Attempt(now - timedelta(hours=2), None, channel="sms"))
    full = await rule.check(ma_text(now, log, NEW_YORK_NUMBER, "mobile"))
    assert full.decision is Decision.DEFER and "us-ma:personal_numbers" in full.reason
    untyped = await rule.check(ma_text(now, log, "+12125550142", None))  # personal: strict
    assert untyped.decision is Decision.DEFER and "us-ma:personal_numbers" in untyped.reason


async def test_the_log_counts_by_number_as_the_plain_reading_does(engine: AsyncEngine) -> None:
    now = datetime(2026, 11, 25, 17, tzinfo=UTC)
    log = [
        Attempt(now - timedelta(days=d), None, channel="sms", destination=number)
        for d, number in ((1, WORK_NUMBER), (2, NEW_YORK_NUMBER), (3, "+12125550142"))
    ]
    await insert_attempts(engine, *log)
    fake, since = FakeLog(log), now - timedelta(days=7)
    kinds = frozenset({"sms.sent"})
    for narrowing, expected in (
        ({"destinations": (WORK_NUMBER,)}, 1),
        ({"excluding": (WORK_NUMBER,)}, 2),
        ({"destinations": ()}, 0),
        ({}, 3),
    ):
        async with debtor_session(engine, "D-1") as session:
            real = await session.count_attempts(
                debtor_ref="D-1", counts=kinds, since=since, **narrowing
            )
        plain = await fake.count_attempts(debtor_ref="D-1", counts=kinds, since=since, **narrowing)
        assert real == plain and real.count == expected, narrowing


# -- the no-work-contact hold ---------------------------------------------------------------


def not_at_work(destination: str | None = None) -> HoldFact:
    at = datetime(2026, 11, 1, tzinfo=UTC)
    return HoldFact("no_work_contact", None, destination, "not at work", "api", "cp", at)


@pytest.mark.parametrize("channel", ["voice", "sms"])
async def test_no_work_contact_blocks_calls_and_texts_to_a_work_number(channel: str) -> None:
    log, rule, now = FakeLog(holds=[not_at_work()]), HoldsRule(), eastern(4, 12)

    work = await rule.check(subject(now, log, channel=channel, destination=WORK_NUMBER,
                                    destination_type="work"))  # fmt: skip
    mobile = await rule.check(subject(now, log, channel=channel, destination_type="mobile"))
    home = await rule.check(subject(now, log, channel=channel, destination_type="home"))
    untyped = await rule.check(subject(now, log, channel=channel, destination_type=None))

    assert work.decision is Decision.BLOCK
    assert "no_work_contact hold" in work.reason and "typed work" in work.reason
    assert work.citation.startswith("12 CFR 1006.6(b)(3); Company policy")
    assert mobile.decision is Decision.ALLOW and home.decision is Decision.ALLOW
    assert untyped.decision is Decision.BLOCK  # its type is not on record: fail closed


async def test_no_work_contact_on_one_number_blocks_that_number_whatever_its_type() -> None:
    log = FakeLog(holds=[not_at_work(NEW_YORK_NUMBER)])
    result = await HoldsRule().check(subject(eastern(4, 12), log, destination_type="mobile"))
    assert result.decision is Decision.BLOCK


# -- TCPA: automated calls to mobiles need consent ------------------------------------------


def reminder_call(**overrides: Any) -> Any:
    """An automated voice reminder (no collector) to the debtor's mobile, under Reg F."""
    fields: dict[str, Any] = {"destination_type": "mobile", "collector_ids": ()}
    return subject(eastern(4, 12), FakeLog(), **{**fields, **overrides})


async def test_an_automated_call_to_a_mobile_needs_consent_on_record() -> None:
    rule = AutomatedToMobileConsentRule()

    without = await rule.check(reminder_call())
    with_consent = await rule.check(reminder_call(destination_consent=True))
    collector_call = await rule.check(reminder_call(collector_ids=("c-1",)))
    landline = await rule.check(reminder_call(destination_type="home"))
    untyped = await rule.check(reminder_call(destination_type=None))
    text = await rule.check(reminder_call(channel="sms"))
    china = await rule.check(reminder_call(packs=("cn", "org")))

    assert without.decision is Decision.BLOCK and without.rule_id == "consent.automated_to_mobile"
    assert without.citation == "47 CFR 64.1200"
    assert "us-regf:tcpa_automated_to_mobile" in without.reason
    assert without.inputs["automated"] is True and without.inputs["consent_on_record"] is False
    for allowed in (with_consent, collector_call, landline, untyped, text, china):
        assert allowed.decision is Decision.ALLOW
    assert collector_call.reason == "a collector places this call"


async def test_texts_need_consent_only_where_a_pack_turns_it_on(tmp_path: Path) -> None:
    shipped = (BUILTIN_DIR / "us-regf.toml").read_text(encoding="utf-8")
    turned_on = shipped.replace(
        'channels = ["voice"]\nnumber_types = ["mobile"]',
        'channels = ["voice", "sms"]\nnumber_types = ["mobile"]',
    )
    assert turned_on != shipped
    (tmp_path / "us-regf.toml").write_text(turned_on, encoding="utf-8")
    rule = AutomatedToMobileConsentRule(pack_loader=PackLoader([tmp_path, BUILTIN_DIR]).load_packs)

    text = await rule.check(reminder_call(channel="sms"))
    consented = await rule.check(reminder_call(channel="sms", destination_consent=True))

    assert text.decision is Decision.BLOCK and "a text to a number typed mobile" in text.reason
    assert consented.decision is Decision.ALLOW


@pytest.mark.parametrize(
    ("channels", "types", "field"),
    [('["letter"]', '["mobile"]', "channels"), ('["voice"]', '["pager"]', "number_types")],
)
def test_a_consent_rule_names_phone_types_and_phone_channels_only(
    tmp_path: Path, channels: str, types: str, field: str
) -> None:
    path = tmp_path / "x.toml"
    path.write_text(
        'id = "x"\nversion = "1"\ntitle = "x"\njurisdiction = "X"\n[[consent]]\nid = "c"\n'
        f'title = "c"\ncitation = "c"\nstatus = "V"\nchannels = {channels}\n'
        f"number_types = {types}\n",
        encoding="utf-8",
    )
    with pytest.raises(PackFormatError, match=f"field '{field}'"):
        read_pack(path)
