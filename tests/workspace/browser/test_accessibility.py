"""The main pages, as Chromium sees them: the language is declared, there is one main
landmark and one heading to start it, every visible form control has a label, every link
and button says what it does, and every text as drawn is readable on what it is drawn on
(WCAG 2.x AA: 4.5:1, 3:1 for large text — from the computed colours, so a colour written
outside the palette that ``tests/workspace/test_contrast.py`` checks is caught too)."""

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

# Each element with text of its own: its colour, the first opaque background behind it
# (white at the root), and the contrast ratio between them; those below the threshold.
CONTRAST = """
const rgba = c => { const m = c.match(/^rgba?\\(([^)]*)\\)$/);
  if (!m) return null; const p = m[1].split(/[ ,\\/]+/).filter(x => x).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const over = (top, below) => top.slice(0, 3).map((v, i) => v * top[3] + below[i] * (1 - top[3]));
const luminance = rgb => rgb.map(v => { const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); })
  .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
const background = e => { const layers = [];
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] === 1) break; } }
  return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255]); };
const failing = [];
for (const e of document.body.querySelectorAll('*')) {
  if (e.closest('svg, script, style, option, title, noscript')) continue;
  const own = Array.from(e.childNodes).filter(n => n.nodeType === 3)
    .map(n => n.textContent).join('').trim();
  if (!own || !e.getClientRects().length) continue;
  const style = getComputedStyle(e);
  if (style.visibility !== 'visible') continue;
  const colour = rgba(style.color);
  if (!colour) { failing.push({text: own.slice(0, 40), colour: style.color}); continue; }
  const bg = background(e);
  const [light, dark] = [luminance(over(colour, bg)), luminance(bg)].sort((a, b) => b - a);
  const ratio = (light + 0.05) / (dark + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  if (ratio < needed) failing.push({text: own.slice(0, 40), colour: style.color,
    background: 'rgb(' + bg.map(Math.round).join(', ') + ')', ratio: ratio.toFixed(2)});
}
return failing;
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
    unreadable = await person.script(CONTRAST)
    assert unreadable == [], f"{path}: text below the contrast it needs: {unreadable}"


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


async def test_the_contrast_check_finds_text_too_faint_to_read(
    person: Person, people: PeopleStore
) -> None:
    await person.open("/workspace/sign-in")
    assert await person.script(CONTRAST) == []
    await person.script(
        "const p = document.createElement('p'); p.textContent = 'faint';"
        "p.style.color = '#aaaaaa'; document.querySelector('main').appendChild(p);"
        "const big = document.createElement('h2'); big.textContent = 'large';"
        "big.style.cssText = 'color: #888888; font-size: 24px';"
        "document.querySelector('main').appendChild(big);"
    )
    # #aaa on white is 2.32:1; #888 is 3.54:1, enough for large text only
    assert await person.script(CONTRAST) == [
        {"text": "faint", "colour": "rgb(170, 170, 170)", "background": "rgb(255, 255, 255)",
         "ratio": "2.32"},
    ]  # fmt: skip
