"""The statistics page: the figures as SVG charts with tables, in the reader's language."""

from __future__ import annotations

import re

from dispatcher.stats.fold import fold_pending
from dispatcher.workspace.access.people import PeopleStore
from tests.dispatcher.conftest import Stack
from tests.stats.test_figures import LATER, built
from tests.workspace.conftest import Browser

PERIOD = {"from": "2026-12-03", "to": "2026-12-04"}


async def test_a_supervisor_reads_the_figures_in_chinese_with_charts(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    # Given the hand-built day of contacts, folded
    await built(stack.log.engine)
    await fold_pending(stack.log.engine, now=LATER)
    await browser.sign_in("sam")
    # When the supervisor opens the page for 3 December
    status, page = await browser.get("/workspace/stats", **PERIOD)
    # Then the charts are SVG named by a title and described value by value
    assert status == 200
    assert '<title id="chart-days-title">每日联系量</title>' in page
    assert re.search(r'<desc id="chart-days-desc">2026-12-03: 5</desc>', page)
    assert 'role="img"' in page and 'aria-labelledby="chart-refusals-title' in page
    # And the tables beside them say the same, in Chinese
    assert "<td>电话</td><td>有效通话</td><td>2</td>" in page
    assert re.search(r'id="outside-hours">1 — 应为 0', page)
    assert '<th scope="row">c-1</th><td>2</td><td>0</td><td>2</td><td>1</td><td>1</td>' in page
    assert "frequency.cap" in page


async def test_the_page_in_english_and_its_errors(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await browser.sign_in("ann")
    await browser.get("/workspace/lang/en-US")
    status, page = await browser.get("/workspace/stats", **PERIOD)
    assert status == 200 and "Contacts per day" in page and ">None<" in page
    status, page = await browser.get(
        "/workspace/stats", **{"from": "2026-12-31", "to": "2026-12-01"}
    )
    assert status == 422 and 'id="s-to-error"' in page and "is before from" in page


async def test_a_collector_may_not_see_the_statistics(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await browser.sign_in("cole")
    status, _ = await browser.get("/workspace/stats", **PERIOD)
    assert status == 403
