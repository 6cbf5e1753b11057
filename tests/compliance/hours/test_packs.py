"""Rule packs load from their files, say what RULES.md says, and refuse malformed files."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from compliance.packs import (
    BUILTIN_DIR,
    EVENTS,
    NoPacksForCountryError,
    NumberKind,
    PackFormatError,
    PackLoader,
    Scope,
    Status,
    UnknownPackError,
    load_pack,
    packs_for,
    read_pack,
)

PACK_IDS = ("cn", "org", "uk", "us-ma", "us-regf")


def test_the_built_in_packs_are_the_five_named() -> None:
    assert PackLoader().known() == PACK_IDS


@pytest.mark.parametrize("pack_id", PACK_IDS)
def test_each_pack_loads_with_id_version_title_and_cited_rules(pack_id: str) -> None:
    pack = load_pack(pack_id)

    assert pack.id == pack_id
    assert pack.version and pack.title and pack.jurisdiction
    assert pack.rules
    for rule in pack.rules:
        assert rule.pack == pack_id
        assert rule.citation
        assert rule.channels
        if rule.status is Status.SECONDARY:
            assert rule.source, f"{rule.ref} is S and must name its source"


@pytest.mark.parametrize("pack_id", PACK_IDS)
def test_files_with_s_rules_say_their_numbers_are_configurable_defaults(pack_id: str) -> None:
    pack = load_pack(pack_id)
    if any(r.status is Status.SECONDARY for r in pack.rules):
        assert "CONFIGURABLE DEFAULT" in pack.file.read_text(encoding="utf-8")


def test_cn_hours_are_8_to_22_beijing_time_unless_agreed() -> None:
    (hours,) = load_pack("cn").hours

    assert (hours.window.start, hours.window.end) == (time(8), time(22))
    assert hours.time_zone == "Asia/Shanghai"
    assert hours.agreed_times_override
    assert {"voice", "sms", "visit"} <= set(hours.channels)
    assert hours.status is Status.SECONDARY


def test_cn_caps_3_conversations_per_debtor_and_6_unanswered_per_number_a_day() -> None:
    caps = {c.id: c for c in load_pack("cn").caps}

    conversations = caps["effective_conversations"]
    assert (conversations.limit, conversations.period_days) == (3, 1)
    assert conversations.scope is Scope.DEBTOR
    assert conversations.counts == {"call.conversation", "call.robot_answered"}
    unanswered = caps["unanswered_attempts"]
    assert (unanswered.limit, unanswered.period_days) == (6, 1)
    assert unanswered.scope is Scope.PHONE_NUMBER
    assert "call.unanswered" in unanswered.counts
    assert "call.answered" not in unanswered.counts
    assert unanswered.exemptions == {"debtor_agreed"}
    assert {c.time_zone for c in caps.values()} == {"Asia/Shanghai"}


def test_cn_records_keep_recordings_2_years_and_records_5() -> None:
    records = {r.id: r for r in load_pack("cn").records}

    assert records["call_recordings"].keep_years == 2
    assert records["call_recordings"].must_record
    assert records["collection_records"].keep_years == 5
    assert set(records["visit_recordings"].media) == {"audio", "video"}


def test_us_regf_hours_are_8_to_21_at_the_debtors_location() -> None:
    (hours,) = load_pack("us-regf").hours

    assert (hours.window.start, hours.window.end) == (time(8), time(21))
    assert hours.time_zone is None  # debtor-local
    assert "sms" in hours.channels
    assert hours.status is Status.VERIFIED


def test_us_regf_counts_answered_unanswered_voicemail_calls_only() -> None:
    (cap,) = load_pack("us-regf").caps

    assert (cap.limit, cap.period_days, cap.scope) == (7, 7, Scope.DEBT)
    assert cap.channels == ("voice",)
    assert cap.counts == {"call.answered", "call.unanswered", "call.voicemail"}
    assert {"call.busy", "call.failed", "call.unconnected", "sms.sent"} <= cap.not_counted
    assert not any(event.startswith("sms.") for event in cap.counts)


def test_us_regf_quiet_period_7_days_after_a_conversation_day_one_included() -> None:
    (quiet,) = load_pack("us-regf").quiet_periods

    assert (quiet.after, quiet.days, quiet.scope) == ("call.conversation", 7, Scope.DEBT)
    assert quiet.event_day_is_day_one


def test_us_regf_texts_must_say_reply_stop_and_records_last_3_years() -> None:
    pack = load_pack("us-regf")
    text_rules = [c for c in pack.content if "sms" in c.channels]

    assert [c.must_contain for c in text_rules] == [("Reply STOP",)]
    assert {r.keep_years for r in pack.records} == {3}
    assert {r.kept_from for r in pack.records} == {"last_activity"}


def test_us_ma_caps_2_per_7_days_personal_and_2_per_30_days_other_numbers() -> None:
    caps = {c.numbers: c for c in load_pack("us-ma").caps}

    personal, other = caps[NumberKind.PERSONAL], caps[NumberKind.OTHER]
    assert (personal.limit, personal.period_days) == (2, 7)
    assert (other.limit, other.period_days) == (2, 30)
    for cap in (personal, other):
        assert cap.scope is Scope.DEBT
        assert set(cap.channels) == {"voice", "sms"}
        assert "sms.sent" in cap.counts
        assert cap.status is Status.SECONDARY


def test_org_visits_need_two_credentialed_collectors() -> None:
    staffing = {s.id: s for s in load_pack("org").staffing}

    visit = staffing["visit_team"]
    assert visit.channels == ("visit",) and visit.min_collectors == 2
    assert visit.credential and "training" in visit.credential
    assert visit.status is Status.POLICY


def test_uk_hours_are_8_to_21_with_no_cap() -> None:
    pack = load_pack("uk")

    assert [(h.window.start, h.window.end) for h in pack.hours] == [(time(8), time(21))]
    assert pack.caps == ()


def test_every_counted_event_is_in_the_vocabulary() -> None:
    for pack_id in PACK_IDS:
        for cap in load_pack(pack_id).caps:
            assert cap.counts <= set(EVENTS)


@pytest.mark.parametrize(
    ("country", "region", "expected"),
    [
        ("CN", None, ("cn", "org")),
        ("US", None, ("us-regf", "org")),
        ("US", "MA", ("us-regf", "org", "us-ma")),
        ("us", "ma", ("us-regf", "org", "us-ma")),
        ("US", "NY", ("us-regf", "org")),
        ("GB", None, ("uk", "org")),
    ],
)
def test_default_packs_per_country_and_region(
    country: str, region: str | None, expected: tuple[str, ...]
) -> None:
    assert packs_for(country, region) == expected


def test_a_country_without_defaults_is_refused_not_left_without_rules() -> None:
    with pytest.raises(NoPacksForCountryError, match="'FR'"):
        packs_for("FR")


def test_an_unknown_pack_is_named_with_the_known_ones() -> None:
    with pytest.raises(UnknownPackError) as caught:
        load_pack("us-ny")

    message = str(caught.value)
    assert "'us-ny'" in message
    for known in PACK_IDS:
        assert known in message


def test_a_pack_id_cannot_reach_outside_the_pack_directories() -> None:
    with pytest.raises(UnknownPackError):
        load_pack("../packs/cn")


def test_an_override_directory_wins_over_the_built_in_packs(tmp_path: Path) -> None:
    text = (BUILTIN_DIR / "cn.toml").read_text(encoding="utf-8")
    (tmp_path / "cn.toml").write_text(
        text.replace('version = "2026.3"', 'version = "2026.3-local"').replace(
            "limit = 6", "limit = 4"
        ),
        encoding="utf-8",
    )

    pack = PackLoader([tmp_path, BUILTIN_DIR]).load_pack("cn")

    assert pack.version == "2026.3-local"
    assert {c.id: c.limit for c in pack.caps}["unanswered_attempts"] == 4


GOOD_CAP = """
id = "bad"
version = "1"
title = "t"
jurisdiction = "XX"

[[caps]]
id = "first"
title = "t"
citation = "c"
status = "V"
channels = ["voice"]
limit = 3
period_days = 1
scope = "debtor"
counts = ["call.answered"]
"""


@pytest.mark.parametrize(
    ("edit", "rule", "field", "problem"),
    [
        (("limit = 3", 'limit = "3"'), "caps[0] 'first'", "limit", "integer"),
        (("limit = 3", "limit = 0"), "caps[0] 'first'", "limit", "integer >= 1"),
        (("limit = 3\n", ""), "caps[0] 'first'", "limit", "missing"),
        (('scope = "debtor"', 'scope = "household"'), "caps[0] 'first'", "scope", "one of"),
        (('["voice"]', '["fax"]'), "caps[0] 'first'", "channels", "'fax'"),
        (('["call.answered"]', '["call.picked_up"]'), "caps[0] 'first'", "counts", "picked_up"),
        (('status = "V"', 'status = "S"'), "caps[0] 'first'", "source", "S-status"),
        (("limit = 3", "limit = 3\nlimt = 3"), "caps[0] 'first'", "limt", "unknown field"),
        (('id = "first"', 'id = "First Rule"'), "caps[0]", "id", "lower case"),
        (('id = "bad"', 'id = "other"'), None, "id", "file name"),
        (('title = "t"\njurisdiction', "title = 7\njurisdiction"), None, "title", "string"),
    ],
)
def test_a_malformed_pack_names_file_rule_and_field(
    tmp_path: Path, edit: tuple[str, str], rule: str | None, field: str, problem: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD_CAP.replace(*edit, 1), encoding="utf-8")

    with pytest.raises(PackFormatError) as caught:
        read_pack(path)

    error = caught.value
    assert (error.file, error.rule, error.field) == (path, rule, field)
    assert problem in error.problem
    assert str(path) in str(error) and field in str(error)


def test_the_good_pack_used_above_is_good(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD_CAP, encoding="utf-8")

    assert read_pack(path).caps[0].limit == 3


@pytest.mark.parametrize(
    ("extra", "rule", "field"),
    [
        (
            '[[hours]]\nid = "h"\ntitle = "t"\ncitation = "c"\nstatus = "V"\nchannels = ["sms"]\n'
            'start = 21:00:00\nend = 08:00:00\ntime_zone = "debtor"\nagreed_times_override = true',
            "hours[0] 'h'",
            "end",
        ),
        (
            '[[hours]]\nid = "h"\ntitle = "t"\ncitation = "c"\nstatus = "V"\nchannels = ["sms"]\n'
            'start = "08:00"\nend = 21:00:00\ntime_zone = "debtor"\nagreed_times_override = true',
            "hours[0] 'h'",
            "start",
        ),
        (
            '[[hours]]\nid = "h"\ntitle = "t"\ncitation = "c"\nstatus = "V"\nchannels = ["sms"]\n'
            'start = 08:00:00\nend = 21:00:00\ntime_zone = "Mars/Olympus"\n'
            "agreed_times_override = true",
            "hours[0] 'h'",
            "time_zone",
        ),
        (
            '[[caps]]\nid = "first"\ntitle = "t"\ncitation = "c"\nstatus = "V"\n'
            'channels = ["voice"]\nlimit = 1\nperiod_days = 1\nscope = "debt"\n'
            'counts = ["call.answered"]',
            "caps[1] 'first'",
            "id",
        ),
    ],
)
def test_malformed_rules_are_refused(tmp_path: Path, extra: str, rule: str, field: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD_CAP + "\n" + extra + "\n", encoding="utf-8")

    with pytest.raises(PackFormatError) as caught:
        read_pack(path)

    assert (caught.value.rule, caught.value.field) == (rule, field)


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("id = \n", encoding="utf-8")

    with pytest.raises(PackFormatError, match=r"broken\.toml:1: not valid TOML"):
        PackLoader([tmp_path]).load_pack("broken")
