"""What the renderer refuses, and how it breaks Chinese lines."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle

from channels.letters import (
    LetterLayoutError,
    LetterMarkupError,
    LetterRenderer,
    OutsideTextError,
    PageSize,
)
from channels.letters.text import CJKParagraph


def letter(
    main: str = "<p>Hello.</p>",
    *,
    header: str = "<p>Harbor Services</p>",
    sender: str = "Harbor Services · PO Box 4410, Columbus, OH 43216",
    recipient: str = "Ann Example<br>1 Main St<br>Springfield, IL 62704",
    info: str = "<p>Reference: R-1</p>",
) -> str:
    return f"""<!DOCTYPE html>
<html lang="en-US"><head><title>t</title></head><body>
<header>{header}</header>
<address class="sender">{sender}</address>
<address class="recipient">{recipient}</address>
<aside class="info">{info}</aside>
<main>{main}</main>
</body></html>"""


def test_a_minimal_letter_renders(renderer: LetterRenderer) -> None:
    assert renderer.render(letter(), PageSize.A4).pages == 1


@pytest.mark.parametrize(
    ("main", "problem"),
    [
        ("<p>Pay <img src='x.png'></p>", "line 7: <img> is not supported in letters"),
        ('<p style="color:red">Hi</p>', "line 7: style attribute on <p>"),
        ("<style>p { color: red }</style>", "<style> is not supported"),
        ("<p>Hi <strong>there</p>", "line 7: </p> closes <strong>"),
        ("Loose text", "text outside a paragraph: 'Loose text'"),
        ("<p><h2>Nested</h2></p>", "<h2> inside <p>"),
        ("<ul><p>Not an item</p></ul>", "<p> in <ul>"),
        ("<table><tr><td>a</td></tr><tr><td>b</td><td>c</td></tr></table>", "same cells"),
        ('<table data-widths="1,2"><tr><td>a</td></tr></table>', "does not fit 1 columns"),
    ],
)
def test_markup_outside_the_subset_is_refused_with_its_line(
    renderer: LetterRenderer, main: str, problem: str
) -> None:
    with pytest.raises(LetterMarkupError) as caught:
        renderer.render(letter(main), PageSize.A4)
    assert problem in str(caught.value)


def test_a_letter_without_a_recipient_is_refused(renderer: LetterRenderer) -> None:
    html = letter().replace('<address class="recipient">', '<address class="other">')
    with pytest.raises(LetterMarkupError, match="<address> directly in <body>"):
        renderer.render(html, PageSize.A4)


@pytest.mark.parametrize(
    ("where", "text", "word"),
    [
        ("header", "<p>Harbor Debt Collection Services</p>", "Debt"),
        ("sender", "Harbor Recovery · PO Box 4410, Columbus, OH 43216", "Recovery"),
        ("info", "<p>Re: your overdue account</p>", "overdue"),
        ("header", "<p>安信催收服务中心</p>", "催收"),
        ("info", "<p>欠款编号：R-1</p>", "欠款"),
    ],
)
def test_collection_words_on_the_outside_are_refused(
    renderer: LetterRenderer, where: str, text: str, word: str
) -> None:
    with pytest.raises(OutsideTextError) as caught:
        renderer.render(letter(**{where: text}), PageSize.LETTER)
    assert caught.value.word == word


def test_collection_words_inside_the_letter_are_fine(renderer: LetterRenderer) -> None:
    html = letter("<h1>Notice of debt</h1><p>This communication is from a debt collector.</p>")
    assert renderer.render(html, PageSize.LETTER).pages == 1


@pytest.mark.parametrize(
    ("size", "lines"), [(PageSize.A4, 7), (PageSize.LETTER, 6)]
)  # fmt: skip
def test_an_address_with_more_lines_than_the_window_holds_is_refused(
    renderer: LetterRenderer, size: PageSize, lines: int
) -> None:
    recipient = "<br>".join(f"Line {n}" for n in range(lines))
    with pytest.raises(LetterLayoutError, match=f"has {lines} lines"):
        renderer.render(letter(recipient=recipient), size)


def test_an_address_line_too_long_even_when_shrunk_is_refused(renderer: LetterRenderer) -> None:
    recipient = "Ann Example<br>" + "Very Long Street Name " * 8 + "<br>Springfield, IL 62704"
    with pytest.raises(LetterLayoutError, match="too long for the envelope window"):
        renderer.render(letter(recipient=recipient), PageSize.LETTER)


def test_a_character_no_font_has_is_refused_not_dropped(renderer: LetterRenderer) -> None:
    with pytest.raises(LetterLayoutError, match=r"U\+2A6A5"):
        renderer.render(letter(recipient="王\U0002a6a5<br>1 Main St<br>Springfield"), PageSize.A4)


def lines_of(text: str, width: float, renderer: LetterRenderer) -> list[str]:
    fonts = renderer.fonts
    style = ParagraphStyle("t", fontName=fonts.regular, fontSize=10, leading=14, wordWrap="CJK")
    paragraph = CJKParagraph(fonts.markup(text), style)
    paragraph.wrap(width, 1000)
    return ["".join(word.text for word in line.words) for line in paragraph.blPara.lines]


@pytest.mark.parametrize("width", range(90, 330, 7))  # narrowest: a table cell
def test_chinese_lines_break_between_characters_never_inside_an_amount(
    renderer: LetterRenderer, width: int
) -> None:
    text = "截至2026年11月25日，您的欠款余额为¥12,345.67（含利息¥436.17），请于12月28日前联系我们。"
    lines = lines_of(text, width, renderer)
    assert "".join(lines) == text  # nothing lost, nothing added
    assert sum("¥12,345.67" in line for line in lines) == 1
    assert sum("¥436.17" in line for line in lines) == 1
    for line in lines[1:]:
        assert line[0] not in "，。）", lines  # no closing mark starts a line
    for line in lines[:-1]:
        assert line[-1] not in "（¥", lines  # no opening mark ends one


def test_latin_words_in_chinese_text_break_at_spaces(renderer: LetterRenderer) -> None:
    text = "请登录 harborservices.example/pay 或致电 (800) 555-0134 查询。"
    for width in range(160, 300, 10):  # the URL alone is about 150 pt wide
        lines = lines_of(text, width, renderer)
        assert sum("harborservices.example/pay" in line for line in lines) == 1, lines
        assert sum("555-0134" in line for line in lines) == 1, lines


def test_a_long_chinese_letter_flows_over_pages_with_nothing_lost(renderer: LetterRenderer) -> None:
    sentence = "第{n}段：您名下账户截至2026年11月25日的欠款余额为¥12,345.67，请核对。"
    paragraph = "".join(sentence.format(n=n) for n in range(120))  # one paragraph, 3 pages
    html = letter(f"<p>{paragraph}</p>").replace('lang="en-US"', 'lang="zh-CN"')

    pdf = renderer.render(html, PageSize.A4)

    assert pdf.pages == 3
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf.pdf)).pages]
    assert [page.splitlines()[-1] for page in pages] == ["1 / 3", "2 / 3", "3 / 3"]
    text = "".join(re.sub(r"\s+", "", page.rsplit("\n", 2)[0]) for page in pages)
    assert paragraph in text
