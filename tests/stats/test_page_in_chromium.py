"""The statistics page in real headless Chromium: labelled, declared in its language, and
each chart an image named by its title and described by its figures (screenshot kept)."""

from __future__ import annotations

import pytest

from dispatcher.stats.fold import fold_pending
from dispatcher.workspace.access.people import PeopleStore
from tests.dispatcher.conftest import Stack
from tests.stats.test_figures import LATER, built
from tests.workspace.browser.conftest import Chromium
from tests.workspace.browser.pages import Person
from tests.workspace.browser.test_accessibility import audit

CHARTS = """
return Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const named = (svg.getAttribute('aria-labelledby') || '').split(' ')
    .map(id => document.getElementById(id)).filter(e => e && svg.contains(e));
  return {role: svg.getAttribute('role'), title: svg.querySelector('title').textContent,
          names: named.length, bars: Array.from(svg.querySelectorAll('rect'))
            .map(r => r.getBoundingClientRect().width),
          labels: Array.from(svg.querySelectorAll('text')).map(t => t.textContent)};
});
"""


@pytest.fixture
def database_url(postgres_database: str) -> str:
    return postgres_database


@pytest.fixture
def person(chromium: Chromium, stack: Stack) -> Person:
    return Person(chromium, stack.settings.public_base_url)


async def test_the_statistics_page_in_chromium(
    person: Person, people: PeopleStore, stack: Stack
) -> None:
    await built(stack.log.engine)
    await fold_pending(stack.log.engine, now=LATER)
    await person.sign_in("sam")
    path = "/workspace/stats?from=2026-12-03&to=2026-12-04"
    await audit(person, path)
    charts = await person.script(CHARTS)
    assert [c["title"] for c in charts] == ["每日联系量", "按渠道与结果的联系量", "按规则的拦截"]
    assert all(c["role"] == "img" and c["names"] == 2 for c in charts)
    days, kinds, refusals = charts
    assert days["labels"] == ["2026-12-03", "5"] and days["bars"][0] > 100
    assert "电话 · 有效通话" in kinds["labels"] and "2" in kinds["labels"]
    assert sorted(refusals["labels"]) == sorted(["frequency.cap", "1", "hold.active", "1"])
    assert await person.text("#outside-hours") == "1 — 应为 0：请核查这些联系"
    await person.shot("statistics")
