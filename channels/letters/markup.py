"""Letter HTML: a small, checked subset of HTML, parsed into the parts of a letter.

A letter template renders one HTML document. The renderer owns the layout (page size,
window position, fonts), so the HTML carries content and structure only — no
``<style>``, no ``style=""``. Its ``<body>`` holds, in any order:

    <header>                   letterhead: neutral company name and contact lines (page 1 top)
    <address class="sender">   the return address, one line, shown in the envelope window
    <address class="recipient"> the recipient's name and address, lines split by <br>
    <aside class="info">       date and reference lines, right of the window
    <main>                     the letter itself: flows below the window, over pages

Inside ``<main>``: ``h1 h2 h3 p ul ol li table thead tbody tr th td div section hr``
and inline ``strong b u span small a br``. Classes the renderer knows: ``p.small``,
``p.center``, ``p.right``, ``div.box`` (a framed block), ``div.keep`` (kept on one page),
``div.page-break``, ``div.cut-line`` (a dashed tear-off line), ``td.num``/``th.num``
(right-aligned), ``tr.total`` (a rule above), ``table[data-widths="3,1"]`` (relative
column widths). Anything else is refused with its line number: a letter never silently
loses content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from channels.letters.errors import LetterMarkupError

__all__ = ["Element", "LetterDocument", "Node", "parse_letter"]

_VOID = frozenset({"br", "meta", "hr", "wbr"})
_HEAD = frozenset({"head", "title", "meta"})
_PARTS = frozenset({"header", "address", "aside", "main"})
_BLOCK = frozenset(
    {"h1", "h2", "h3", "p", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td"}
    | {"div", "section", "hr"}
)
_INLINE = frozenset({"strong", "b", "u", "span", "small", "a", "br", "wbr"})
_KNOWN = frozenset({"html", "body"}) | _HEAD | _PARTS | _BLOCK | _INLINE


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)

    @property
    def classes(self) -> frozenset[str]:
        return frozenset(self.attrs.get("class", "").split())

    def text(self) -> str:
        """All text inside, with ``<br>`` as a newline (whitespace as in the source)."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "br":
                parts.append("\n")
            else:
                parts.append(child.text())
        return "".join(parts)

    def lines(self) -> list[str]:
        """The text split at ``<br>`` (and block children), whitespace collapsed, blanks dropped."""
        text = (
            self.text()
            if not _has_blocks(self)
            else "\n".join(c.text() if isinstance(c, Element) else c for c in self.children)
        )
        return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


Node = Element | str


@dataclass(frozen=True)
class LetterDocument:
    lang: str  # <html lang>, e.g. "zh-CN"; decides line breaking
    title: str
    letterhead: tuple[str, ...]  # <header> lines; the first is the company name
    sender: str  # <address class="sender">, one line
    recipient: tuple[str, ...]  # <address class="recipient"> lines
    info: tuple[str, ...]  # <aside class="info"> lines
    body: tuple[Node, ...]  # the children of <main>


def parse_letter(html: str) -> LetterDocument:
    """Parse rendered letter HTML; ``LetterMarkupError`` names the first problem and its line."""
    parser = _TreeBuilder()
    parser.feed(html)
    parser.close()
    root = parser.finish()
    html_element = _only(root, "html", required=True)
    assert html_element is not None
    body = _only(html_element, "body", required=True)
    assert body is not None
    head = _only(html_element, "head", required=False)
    title_element = _find(head, "title") if head is not None else None
    parts: dict[str, Element] = {}
    for child in body.children:
        if isinstance(child, str):
            if child.strip():
                raise LetterMarkupError(f"text outside the letter's parts: {child.strip()!r}")
            continue
        key = _part_key(child)
        if key in parts:
            raise LetterMarkupError(f"a second {key}", child.line)
        parts[key] = child
    missing = [k for k in ("main", "address.recipient", "address.sender") if k not in parts]
    if missing:
        raise LetterMarkupError(f"the letter has no {', '.join(missing)}")
    sender = parts["address.sender"].lines()
    if len(sender) != 1:
        raise LetterMarkupError("the return address must be one line", parts["address.sender"].line)
    return LetterDocument(
        lang=html_element.attrs.get("lang", "en"),
        title=" ".join(title_element.text().split()) if title_element is not None else "",
        letterhead=tuple(parts["header"].lines()) if "header" in parts else (),
        sender=sender[0],
        recipient=tuple(parts["address.recipient"].lines()),
        info=tuple(parts["aside.info"].lines()) if "aside.info" in parts else (),
        body=tuple(parts["main"].children),
    )


def _part_key(element: Element) -> str:
    if element.tag in ("header", "main"):
        return element.tag
    if element.tag == "address" and element.classes & {"sender", "recipient"}:
        return "address." + min(element.classes & {"sender", "recipient"})
    if element.tag == "aside" and "info" in element.classes:
        return "aside.info"
    raise LetterMarkupError(
        f'<{element.tag}> directly in <body>: expected <header>, <address class="sender">, '
        '<address class="recipient">, <aside class="info"> or <main>',
        element.line,
    )


def _has_blocks(element: Element) -> bool:
    return any(isinstance(c, Element) and c.tag in _BLOCK for c in element.children)


def _only(parent: Element, tag: str, *, required: bool) -> Element | None:
    found = [c for c in parent.children if isinstance(c, Element) and c.tag == tag]
    if len(found) > 1:
        raise LetterMarkupError(f"more than one <{tag}>", found[1].line)
    if not found and required:
        raise LetterMarkupError(f"no <{tag}>")
    return found[0] if found else None


def _find(parent: Element, tag: str) -> Element | None:
    for child in parent.children:
        if isinstance(child, Element) and child.tag == tag:
            return child
    return None


class _TreeBuilder(HTMLParser):
    """Builds an ``Element`` tree; refuses unknown tags, style and unbalanced markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._root = Element("#root", {}, 0)
        self._stack = [self._root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag not in _KNOWN:
            raise LetterMarkupError(f"<{tag}> is not supported in letters", line)
        values = {name: value or "" for name, value in attrs}
        if "style" in values:
            raise LetterMarkupError(
                f"style attribute on <{tag}>: layout belongs to the renderer", line
            )
        element = Element(tag, values, line)
        self._stack[-1].children.append(element)
        if tag not in _VOID:
            self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        line = self.getpos()[0]
        open_tag = self._stack[-1].tag
        if open_tag != tag:
            raise LetterMarkupError(f"</{tag}> closes <{open_tag}>", line)
        self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._stack[-1].tag in ("#root", "html", "head") and not data.strip():
            return
        self._stack[-1].children.append(data)

    def finish(self) -> Element:
        if len(self._stack) > 1:
            element = self._stack[-1]
            raise LetterMarkupError(f"<{element.tag}> is never closed", element.line)
        return self._root
