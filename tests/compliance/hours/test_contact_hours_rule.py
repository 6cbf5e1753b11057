"""ContactHoursRule: the debtor's packs, the debtor's zones, and allow / defer / block."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compliance import CheckSubject, ComplianceGate, Decision, Rule
from compliance.hours import ContactHoursRule, InconvenientTime
from compliance.packs import BUILTIN_DIR, PackLoader, load_pack

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
SHANGHAI = ZoneInfo("Asia/Shanghai")
EASTERN_MOBILE = "+12125550100"  # New York, NY
IDAHO_NUMBER = "+12085550100"  # America/Boise and America/Los_Angeles
BEIJING_MOBILE = "+8613912345678"


class NoFacts:
    async def is_opted_out(self, *, channel: str, destination: str) -> bool:
        return False


def subject(now: datetime, **overrides: Any) -> CheckSubject:
    fields: dict[str, Any] = {
        "message_id": "m-1",
        "channel": "sms",
        "debtor_ref": "D-1",
        "account_ref": "A-1",
        "destination": EASTERN_MOBILE,
        "locale": "en-US",
        "template_name": "reminder",
        "template_version": "1",
        "body": "Hello. Reply STOP to stop texts to this number.",
        "render_error": None,
        "segments": 1,
        "now": now.astimezone(UTC),
        "facts": NoFacts(),
    } | overrides
    return CheckSubject(**fields)


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


RULE = ContactHoursRule()


def test_it_is_a_gate_rule() -> None:
    rule: Rule = RULE

    assert rule.id == "hours.allowed_window" and rule.citation


async def test_a_text_at_20_58_is_allowed_with_what_was_checked() -> None:
    result = await RULE.check(subject(at(NEW_YORK, 2026, 5, 12, 20, 58), packs=("us-regf", "org")))

    assert result.decision is Decision.ALLOW
    assert result.citation == load_pack("us-regf").hours[0].citation
    assert result.inputs["zones"] == ["America/New_York"]
    assert result.inputs["zone_source"] == "phone number"
    assert result.inputs["local_times"] == {"America/New_York": "2026-05-12T20:58:00-04:00"}
    assert result.inputs["window"] == "[08:00, 21:00)"
    assert result.inputs["window_from"] == ["us-regf:inconvenient_times"]
    assert result.inputs["packs"] == ["us-regf", "org"]
    assert result.inputs["pack_versions"] == {
        "us-regf": load_pack("us-regf").version,
        "org": load_pack("org").version,
    }


async def test_a_text_at_21_02_is_deferred_to_08_00_the_next_day() -> None:
    result = await RULE.check(subject(at(NEW_YORK, 2026, 5, 12, 21, 2), packs=("us-regf", "org")))

    assert result.decision is Decision.DEFER
    assert result.until == at(NEW_YORK, 2026, 5, 13, 8)
    assert result.inputs["until_local"] == {"America/New_York": "2026-05-13T08:00:00-04:00"}
    assert "America/New_York" in result.reason


async def test_without_packs_named_the_numbers_country_chooses_them() -> None:
    result = await RULE.check(subject(at(NEW_YORK, 2026, 5, 12, 21, 2)))

    assert result.decision is Decision.DEFER
    assert result.inputs["packs"] == ["us-regf", "org"]


async def test_an_eastern_mobile_with_a_pacific_time_zone_on_record_uses_only_the_record() -> None:
    # 10:30 Eastern is 07:30 Pacific: too early where the debtor lives.
    result = await RULE.check(
        subject(at(NEW_YORK, 2026, 5, 12, 10, 30), debtor_time_zone="America/Los_Angeles")
    )

    assert result.decision is Decision.DEFER
    assert result.until == at(LOS_ANGELES, 2026, 5, 12, 8)
    assert result.inputs["zones"] == ["America/Los_Angeles"]
    assert result.inputs["zone_source"] == "debtor record"
    # ... and at 20:30 Eastern (17:30 Pacific) it is fine, though late in New York.
    late = await RULE.check(
        subject(at(NEW_YORK, 2026, 5, 12, 21, 30), debtor_time_zone="America/Los_Angeles")
    )
    assert late.decision is Decision.ALLOW


async def test_without_a_record_every_zone_of_the_number_must_allow_it() -> None:
    # Idaho numbers may be Mountain (Boise) or Pacific. 08:30 Boise is 07:30 Pacific.
    result = await RULE.check(
        subject(at(ZoneInfo("America/Boise"), 2026, 5, 12, 8, 30), destination=IDAHO_NUMBER)
    )

    assert result.decision is Decision.DEFER
    assert sorted(result.inputs["zones"]) == ["America/Boise", "America/Los_Angeles"]
    assert result.until == at(LOS_ANGELES, 2026, 5, 12, 8)


async def test_a_chinese_debtor_at_21_59_is_allowed_and_at_22_00_deferred_to_08_00() -> None:
    allowed = await RULE.check(
        subject(at(SHANGHAI, 2026, 5, 12, 21, 59), destination=BEIJING_MOBILE, packs=("cn", "org"))
    )
    deferred = await RULE.check(
        subject(at(SHANGHAI, 2026, 5, 12, 22, 0), destination=BEIJING_MOBILE, packs=("cn", "org"))
    )

    assert allowed.decision is Decision.ALLOW
    assert deferred.decision is Decision.DEFER
    assert deferred.until == at(SHANGHAI, 2026, 5, 13, 8)


async def test_china_uses_beijing_time_even_for_a_debtor_recorded_in_urumqi() -> None:
    result = await RULE.check(
        subject(
            at(SHANGHAI, 2026, 5, 12, 21, 30),  # 19:30 in the tz database's Urumqi (UTC+6)
            destination=BEIJING_MOBILE,
            debtor_time_zone="Asia/Urumqi",
        )
    )

    assert result.decision is Decision.ALLOW
    assert result.inputs["zones"] == ["Asia/Shanghai"]
    assert result.inputs["zone_source"] == "pack"
    assert result.inputs["packs"] == ["cn", "org"]


async def test_across_the_spring_forward_night_the_deferral_lands_on_08_00_local() -> None:
    result = await RULE.check(subject(at(NEW_YORK, 2026, 3, 7, 23, 15)))

    assert result.until == datetime(2026, 3, 8, 12, tzinfo=UTC)


async def test_a_channel_no_pack_gives_hours_is_allowed_and_says_so() -> None:
    result = await RULE.check(subject(at(NEW_YORK, 2026, 5, 12, 23), channel="letter"))

    assert result.decision is Decision.ALLOW
    assert "no pack sets allowed hours for letter" in result.reason


async def test_an_unknown_pack_blocks_and_names_the_known_ones() -> None:
    result = await RULE.check(subject(at(NEW_YORK, 2026, 5, 12, 12), packs=("us-regf", "us-ny")))

    assert result.decision is Decision.BLOCK
    assert "'us-ny'" in result.reason and "us-regf" in result.reason


async def test_a_country_without_default_packs_blocks() -> None:
    result = await RULE.check(subject(at(NEW_YORK, 2026, 5, 12, 12), destination="+33612345678"))

    assert result.decision is Decision.BLOCK
    assert "'FR'" in result.reason


async def test_no_record_and_no_zone_from_the_destination_blocks() -> None:
    result = await RULE.check(
        subject(
            at(NEW_YORK, 2026, 5, 12, 12),
            channel="email",
            destination="debtor@example.com",
            packs=("us-regf",),
        )
    )

    assert result.decision is Decision.BLOCK
    assert "not an E.164 phone number" in result.reason


async def test_an_unknown_time_zone_on_record_blocks() -> None:
    result = await RULE.check(
        subject(at(NEW_YORK, 2026, 5, 12, 12), debtor_time_zone="America/Gotham")
    )

    assert result.decision is Decision.BLOCK
    assert "America/Gotham" in result.reason


async def test_windows_that_never_overlap_block_with_a_reason(tmp_path: Path) -> None:
    text = (BUILTIN_DIR / "us-regf.toml").read_text(encoding="utf-8")
    (tmp_path / "narrow.toml").write_text(
        text.replace('id = "us-regf"', 'id = "narrow"').replace("end = 21:00:00", "end = 12:00:00"),
        encoding="utf-8",
    )
    rule = ContactHoursRule(pack_loader=PackLoader([tmp_path]).load_packs)

    # A toll-free number may be in any NANP zone, Guam (UTC+10) to Samoa (UTC-11): no
    # moment is between 08:00 and 12:00 in all of them.
    result = await rule.check(
        subject(datetime(2026, 5, 12, tzinfo=UTC), packs=("narrow",), destination="+18005550100")
    )

    assert result.decision is Decision.BLOCK
    assert "never open in all of" in result.reason
    assert {"Pacific/Guam", "Pacific/Pago_Pago"} <= set(result.inputs["zones"])


async def test_packs_whose_hours_do_not_overlap_block_naming_both(tmp_path: Path) -> None:
    text = (BUILTIN_DIR / "us-regf.toml").read_text(encoding="utf-8")
    for pack_id, start, end in (("mornings", "08:00:00", "12:00:00"),
                                ("afternoons", "13:00:00", "21:00:00")):  # fmt: skip
        (tmp_path / f"{pack_id}.toml").write_text(
            text.replace('id = "us-regf"', f'id = "{pack_id}"')
            .replace("start = 08:00:00", f"start = {start}")
            .replace("end = 21:00:00", f"end = {end}"),
            encoding="utf-8",
        )
    rule = ContactHoursRule(pack_loader=PackLoader([tmp_path]).load_packs)

    result = await rule.check(
        subject(at(NEW_YORK, 2026, 5, 12, 12, 30), packs=("mornings", "afternoons"))
    )

    assert result.decision is Decision.BLOCK
    assert result.code == "hours.no_overlap"
    assert result.params == {"start": "13:00", "end": "12:00"}
    assert "do not overlap (13:00 is not before 12:00)" in result.reason
    assert "afternoons" in result.reason and "mornings" in result.reason


async def test_an_agreed_time_overrides_where_the_packs_allow_it() -> None:
    late = subject(at(NEW_YORK, 2026, 5, 12, 22, 30), packs=("us-regf",))
    agreed_until = at(NEW_YORK, 2026, 5, 12, 23)

    us = RULE.evaluate(late, agreed_until=agreed_until)
    uk = RULE.evaluate(
        subject(
            at(ZoneInfo("Europe/London"), 2026, 5, 12, 22, 30),
            destination="+442071234567",
            packs=("uk",),
        ),
        agreed_until=at(ZoneInfo("Europe/London"), 2026, 5, 12, 23),
    )

    assert us.decision is Decision.ALLOW
    assert us.inputs["agreed_until"] == agreed_until.isoformat()
    assert uk.decision is Decision.DEFER  # uk does not let an agreement override its hours
    assert uk.inputs["agreed_until_ignored"] is True


async def test_inconvenient_times_named_by_the_debtor_defer() -> None:
    result = RULE.evaluate(
        subject(at(NEW_YORK, 2026, 5, 12, 15, 30)),  # a Tuesday
        inconvenient=[InconvenientTime(frozenset(range(5)), time(15), time(17))],
    )

    assert result.decision is Decision.DEFER
    assert result.until == at(NEW_YORK, 2026, 5, 12, 17)
    assert result.inputs["inconvenient"] == ["weekdays [0, 1, 2, 3, 4] [15:00, 17:00)"]


@pytest.mark.parametrize(
    ("local_time", "decision"), [((20, 58), Decision.ALLOW), ((21, 2), Decision.DEFER)]
)
async def test_through_the_gate(local_time: tuple[int, int], decision: Decision) -> None:
    gate = ComplianceGate([ContactHoursRule()])

    verdict = await gate.evaluate(subject(at(NEW_YORK, 2026, 5, 12, *local_time)))

    assert verdict.decision is decision
    if decision is Decision.DEFER:
        assert verdict.until == at(NEW_YORK, 2026, 5, 13, 8)
        assert verdict.to_json()["rule_id"] == "hours.allowed_window"
