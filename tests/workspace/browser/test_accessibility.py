"""The main pages, as Chromium sees them: the language is declared, there is one main
landmark and one heading to start it, every visible form control has a label, every link
and button says what it does."""

from __future__ import annotations

from datetime import date

import pytest

from dispatcher.workspace.access.people import PeopleStore
from tests.dispatcher.conftest import Stack
from tests.workspace.browser.conftest import Chromium
from tests.workspace.browser.pages import Person
from tests.workspace.seed import seed

AUDIT = """
const unlabelled = Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby'))
  .map(e => e.name || e.id || e.outerHTML);
const mute = Array.from(document.querySelectorAll('a, button'))
  .filter(e => !e.textContent.trim() && !e.getAttribute('aria-label'))
  .map(e => e.outerHTML);
return {lang: document.documentElement.lang, mains: document.querySelectorAll('main').length,
        h1: document.querySelectorAll('main h1').length, unlabelled: unlabelled, mute: mute,
        banner: document.querySelectorAll('header').length,
        nav: document.querySelectorAll('nav[aria-label]').length};
"""

COMPLIANCE_PAGES = [
    "/workspace/", "/workspace/search?debtor_ref=D-CN", "/workspace/debtors/D-CN",
    "/workspace/templates", "/workspace/templates/sms/en-US/overdue_reminder",
    "/workspace/pauses",
]  # fmt: skip


@pytest.fixture
def person(chromium: Chromium, stack: Stack) -> Person:
    return Person(chromium, stack.settings.public_base_url)


async def audit(person: Person, path: str) -> None:
    await person.open(path)
    found = await person.script(AUDIT)
    assert found["lang"] in ("zh-CN", "en-US"), path
    assert (found["mains"], found["h1"]) == (1, 1), path
    assert found["banner"] == 1 and found["nav"] >= 1, path
    assert found["unlabelled"] == [], f"{path}: controls without a label: {found['unlabelled']}"
    assert found["mute"] == [], f"{path}: links or buttons without text: {found['mute']}"


async def test_the_main_pages_are_labelled_and_declare_their_language(
    person: Person, people: PeopleStore, stack: Stack
) -> None:
    await seed(stack)
    await stack.log.collectors.upsert(
        "c-17", name="Cole", phone="+12015550101", trained_on=date(2026, 1, 5)
    )
    await person.open("/workspace/sign-in")
    await audit(person, "/workspace/sign-in")
    await person.sign_in("ann")
    for path in COMPLIANCE_PAGES:
        await audit(person, path)
    await person.sign_out()
    await person.sign_in("cole")
    await audit(person, "/workspace/desk")
