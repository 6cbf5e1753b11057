"""The letter templates: every one renders in both locales, as a letter the renderer accepts."""

from __future__ import annotations

import pytest

from channels.letters.markup import parse_letter
from templates import TemplateCatalog
from templates.errors import TemplateRenderError
from tests.channels.letters.samples import LOCALES, TEMPLATES, VARIABLES

ALL = [(name, locale) for name in TEMPLATES for locale in LOCALES]


def test_the_catalog_lists_every_letter_in_both_locales(catalog: TemplateCatalog) -> None:
    shipped = {(i.name, i.locale) for i in catalog.list() if i.channel == "letter"}
    assert shipped == set(ALL)


@pytest.mark.parametrize(("name", "locale"), ALL)
def test_each_template_renders_to_a_letter(
    catalog: TemplateCatalog, name: str, locale: str
) -> None:
    variables = VARIABLES[locale]
    rendered = catalog.render("letter", name, locale, variables)
    letter = parse_letter(rendered.body)
    assert letter.lang == locale
    assert letter.letterhead[0] == variables["return_company_name"]
    assert letter.sender.startswith(variables["return_company_name"])
    assert any(variables["consumer_name"] in line for line in letter.recipient)
    assert variables["consumer_address_lines"][-1] in letter.recipient
    assert letter.body, "the letter has a body"


@pytest.mark.parametrize(("name", "locale"), ALL)
def test_a_missing_variable_is_named(catalog: TemplateCatalog, name: str, locale: str) -> None:
    variables = dict(VARIABLES[locale])
    del variables["consumer_name"]
    with pytest.raises(TemplateRenderError) as caught:
        catalog.render("letter", name, locale, variables)
    assert caught.value.variable == "consumer_name"
    assert "missing variable 'consumer_name'" in str(caught.value)


def test_the_validation_notice_needs_every_regulation_f_item(catalog: TemplateCatalog) -> None:
    required = catalog.get("letter", "first_notice", "en-US").required_variables
    assert required >= {
        "collector_name", "collector_address_lines", "consumer_name", "consumer_address_lines",
        "itemization_creditor", "account_number", "current_creditor", "itemization_date",
        "itemization_amount", "interest_since", "fees_since", "payments_since", "credits_since",
        "current_amount", "validation_end_date", "dispute_url",
    }  # fmt: skip


def test_the_chinese_first_notice_needs_every_article_69_item(catalog: TemplateCatalog) -> None:
    required = catalog.get("letter", "first_notice", "zh-CN").required_variables
    assert required >= {
        "consumer_name", "current_amount", "debt_reason", "legal_basis", "collector_phone",
        "collector_address_lines", "repayment_account_number", "dispute_deadline",
    }  # fmt: skip


def test_variables_are_html_escaped(catalog: TemplateCatalog) -> None:
    variables = {**VARIABLES["en-US"], "consumer_name": "<b>Ann</b> & Co"}
    html = catalog.render("letter", "reminder", "en-US", variables).body
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; Co" in html
    letter = parse_letter(html)
    assert letter.recipient[0] == "<b>Ann</b> & Co"  # text again, never markup
