"""The approved SMS templates shipped in the package, in every locale."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from templates import TemplateCatalog

NAMES = ["overdue_reminder", "payment_received", "promise_to_pay_reminder"]
LOCALES = ["en-US", "zh-CN"]
OPT_OUT = {"en-US": "Reply STOP to stop texts to this number.", "zh-CN": "回复TD退订"}

COMMON = {"company_name", "debtor_name", "currency", "contact_phone"}
REQUIRED = {
    "overdue_reminder": COMMON | {"amount", "due_date", "days_overdue"},
    "payment_received": COMMON | {"paid_amount"},
    "promise_to_pay_reminder": COMMON | {"promise_amount", "promise_date"},
}

# Long but realistic values: the templates must still fit in two segments.
SAMPLES: dict[str, dict[str, object]] = {
    "en-US": {
        "company_name": "Northwind Recovery Services",
        "debtor_name": "Jonathan Richardson",
        "currency": "USD",
        "amount": "12345.67",
        "due_date": dt.date(2026, 12, 15),
        "days_overdue": 120,
        "contact_phone": "+1 (800) 555-0199",
        "paid_amount": 12345.67,
        "promise_amount": "12345.67",
        "promise_date": "2026-12-31",
    },
    "zh-CN": {
        "company_name": "安信资产管理有限公司",
        "debtor_name": "欧阳建国",
        "currency": "CNY",
        "amount": "123456.78",
        "due_date": "2026-12-15",
        "days_overdue": 120,
        "contact_phone": "400-800-1234",
        "paid_amount": "123456.78",
        "promise_amount": "123456.78",
        "promise_date": dt.date(2026, 12, 31),
    },
}

# Words that have no place in a civil collection message.
FORBIDDEN = re.compile(
    r"arrest|jail|prison|police|lawsuit|sue|garnish|legal action|final warning|deadbeat"
    r"|起诉|法院|拘留|坐牢|公安|曝光|老赖|家人|单位|通讯录|后果自负",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def catalog() -> TemplateCatalog:
    return TemplateCatalog()


def test_the_package_ships_every_template_in_every_locale(catalog: TemplateCatalog) -> None:
    shipped = {(i.name, i.locale) for i in catalog.list() if i.channel == "sms"}
    assert shipped == {(name, locale) for name in NAMES for locale in LOCALES}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_needs_the_same_variables(
    catalog: TemplateCatalog, name: str, locale: str
) -> None:
    assert catalog.get("sms", name, locale).required_variables == REQUIRED[name]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("locale", LOCALES)
def test_each_template_renders_civilly_within_two_segments(
    catalog: TemplateCatalog, name: str, locale: str
) -> None:
    variables = SAMPLES[locale]
    rendered = catalog.render("sms", name, locale, variables)
    body = rendered.body

    company = str(variables["company_name"])
    assert body.startswith(f"【{company}】" if locale == "zh-CN" else f"{company}: ")
    assert body.endswith(OPT_OUT[locale])
    assert str(variables["debtor_name"]) in body
    assert str(variables["contact_phone"]) in body
    assert not FORBIDDEN.search(body), body
    assert "\n" not in body
    assert rendered.segments is not None
    assert rendered.segments.segments <= 2, (rendered.segments, body)
    # A stray curly quote or non-breaking space would make English texts UCS-2.
    expected_encoding = "GSM-7" if locale == "en-US" else "UCS-2"
    assert rendered.segments.encoding == expected_encoding


def test_overdue_reminder_en_us(catalog: TemplateCatalog) -> None:
    rendered = catalog.render("sms", "overdue_reminder", "en-US", SAMPLES["en-US"])
    assert rendered.body == (
        "Northwind Recovery Services: Hello Jonathan Richardson, a payment of $12,345.67"
        " on your account was due December 15, 2026 and is now 120 days past due."
        " Please call us at +1 (800) 555-0199 to discuss your options."
        " Reply STOP to stop texts to this number."
    )


def test_overdue_reminder_says_one_day_not_one_days(catalog: TemplateCatalog) -> None:
    variables = {**SAMPLES["en-US"], "days_overdue": 1}
    assert (
        "is now 1 day past due."
        in catalog.render("sms", "overdue_reminder", "en-US", variables).body
    )


def test_overdue_reminder_zh_cn(catalog: TemplateCatalog) -> None:
    rendered = catalog.render("sms", "overdue_reminder", "zh-CN", SAMPLES["zh-CN"])
    assert rendered.body == (
        "【安信资产管理有限公司】欧阳建国您好，您账户的一笔¥123,456.78款项"
        "已于2026年12月15日到期，目前逾期120天。如需商议还款安排，请致电400-800-1234。回复TD退订"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_payment_received_shows_the_payment(catalog: TemplateCatalog, locale: str) -> None:
    body = catalog.render("sms", "payment_received", locale, SAMPLES[locale]).body
    assert ("$12,345.67" if locale == "en-US" else "¥123,456.78") in body


@pytest.mark.parametrize("locale", LOCALES)
def test_promise_to_pay_reminder_shows_amount_and_date(
    catalog: TemplateCatalog, locale: str
) -> None:
    body = catalog.render("sms", "promise_to_pay_reminder", locale, SAMPLES[locale]).body
    if locale == "en-US":
        assert "$12,345.67 you arranged for December 31, 2026." in body
    else:
        assert "您约定于2026年12月31日还款¥123,456.78。" in body
