"""Words in the marked form of a text, and where a match may start, end and cross gaps.

In the marked form (``compliance.civility.normalise``) a **token** is a maximal run of
kept characters of one kind: *Han* (CJK ideographs, kana, hangul: scripts written
without spaces) or *word* (letters of other scripts, digits, ``$`` and ``@``). Tokens
are separated by markers (``" "`` hard, ``"."`` soft) or by a change of kind
(``被arrest了`` is three tokens).

Two neighbouring word tokens are **joined** — read as one word — when the gap between
them is one to three marker characters and either

* it has no hard marker: symbols inserted inside a word (``a.r.r.e.s.t``, ``f*ck``,
  ``ar-rest``), or
* both tokens are a single character: a word spelled out (``a r r e s t``,
  ``J . A . I . L``).

Apostrophes are hard, so ``he'll`` is not ``hell``; a real word next to a letter is not
joined (``a ss`` is not ``ass``). Leetspeak digits are read as letters only inside a
token, or a spelled-out run of single characters, that has letters and at least as many
letters as digits (``arr3st``, ``j4il``, ``5h1t``, ``4ss``, ``a.r.r.3.s.t``) — never in
numbers, even next to a word (``$1,240.00``, ``455``, ``id=455``, ``2026-01-30``), nor in
codes that are mostly digits (``ref=A55``, ``4455ASX`` keeps its digits).

A **word** match starts at a token start, ends at a token end, and every gap inside it
is a joined gap or falls where the phrase itself has a space and has no punctuation
(``know where you live``, not ``Ms. Levy, your ...`` for "levy your"; the phrase's
words may also be run together in the text). A **token** match
only needs to start and end at token edges (滚 alone, not in 滚动). A **substring**
match may be anywhere (Chinese).
"""

from __future__ import annotations

import re

from compliance.civility.normalise import HARD, LEET_DIGITS, MARKERS, SOFT, is_han

__all__ = [
    "MAX_JOIN_GAP",
    "MAX_WORD",
    "ends_token",
    "gaps_allowed",
    "leet_allowed",
    "phrase_boundaries",
    "reads_as_letter",
    "starts_token",
]

MAX_JOIN_GAP = 3  # marker characters between two tokens that may still be one word
MAX_WORD = 64  # characters looked at around a position: no word is longer, and it keeps
# every check on a candidate bounded, however long and strange the text

_MARKER_RUNS = re.compile("[" + re.escape(MARKERS) + "]+")


def _kind(char: str) -> int:
    """0 for a marker, 1 for a word character, 2 for a Han character."""
    if char in MARKERS:
        return 0
    return 1 if char < "\u2e80" or not is_han(char) else 2


def starts_token(marked: str, position: int) -> bool:
    kind = _kind(marked[position])
    return position == 0 or _kind(marked[position - 1]) != kind


def ends_token(marked: str, position: int) -> bool:
    kind = _kind(marked[position])
    return position == len(marked) - 1 or _kind(marked[position + 1]) != kind


def _token_span(marked: str, position: int) -> tuple[int, int]:
    """The token around ``marked[position]``, as ``(start, end)`` with ``end`` exclusive.

    At most ``MAX_WORD`` characters either side: a longer run is no word anyway.
    """
    kind = _kind(marked[position])
    start = position
    floor = max(0, position - MAX_WORD)
    while start > floor and _kind(marked[start - 1]) == kind:
        start -= 1
    end = position + 1
    ceiling = min(len(marked), position + MAX_WORD)
    while end < ceiling and _kind(marked[end]) == kind:
        end += 1
    return start, end


def _joined(marked: str, gap_start: int, gap_end: int) -> bool:
    """Whether the tokens either side of the marker run ``marked[gap_start:gap_end]`` join."""
    if not 1 <= gap_end - gap_start <= MAX_JOIN_GAP:
        return False
    if gap_start == 0 or gap_end >= len(marked):
        return False
    if _kind(marked[gap_start - 1]) != 1 or _kind(marked[gap_end]) != 1:
        return False
    if HARD not in marked[gap_start:gap_end]:
        return True
    left_start, _ = _token_span(marked, gap_start - 1)
    _, right_end = _token_span(marked, gap_end)
    return gap_start - left_start == 1 and right_end - gap_end == 1


def gaps_allowed(marked: str, start: int, end: int, boundaries: frozenset[int]) -> bool:
    """Whether every gap inside ``marked[start:end + 1]`` may be crossed by a word match.

    ``boundaries`` are the offsets, in skeleton characters from ``start``, where the
    phrase has a space of its own.
    """
    markers_seen = 0
    for run in _MARKER_RUNS.finditer(marked, start, end + 1):
        gap_start, gap_end = run.span()
        offset = gap_start - start - markers_seen
        markers_seen += gap_end - gap_start
        if _joined(marked, gap_start, gap_end):
            continue
        if offset in boundaries and SOFT not in marked[gap_start:gap_end]:
            continue  # the phrase's own space, and no punctuation: "Levy, your" is not it
        return False
    return True


def reads_as_letter(marked: str, position: int, memo: dict[int, bool] | None = None) -> bool:
    """Whether the leetspeak digit at ``marked[position]`` is read as a letter.

    ``memo`` (one per text) remembers the answer for every character of a spelled-out
    run at once, so candidates sharing a run do not walk it again.
    """
    if memo is not None and position in memo:
        return memo[position]
    start, end = _token_span(marked, position)
    if end - start > 1:
        return _mostly_letters(marked[start:end])
    run = _spelled_run(marked, start)
    answer = _mostly_letters("".join(marked[i] for i in run))
    if memo is not None:
        memo.update(dict.fromkeys(run, answer))
    return answer


def _mostly_letters(word: str) -> bool:
    """A word with a letter and at least as many letters as digits: ``4ss`` yes, ``A55`` no."""
    letters = sum(c.isalpha() for c in word)
    return letters > 0 and letters >= sum(c.isdigit() for c in word)


def _spelled_run(marked: str, position: int) -> list[int]:
    """Positions of the single characters joined to the one-character token at ``position``."""
    run = [position]
    left = position
    while len(run) <= MAX_WORD // 2:
        gap_start = left
        while gap_start > 0 and marked[gap_start - 1] in MARKERS:
            gap_start -= 1
        if gap_start == left or not _joined(marked, gap_start, left):
            break
        neighbour_start, neighbour_end = _token_span(marked, gap_start - 1)
        if neighbour_end - neighbour_start != 1:
            break
        left = neighbour_start
        run.append(left)
    right = position + 1
    while len(run) <= MAX_WORD:
        gap_end = right
        while gap_end < len(marked) and marked[gap_end] in MARKERS:
            gap_end += 1
        if gap_end == right or not _joined(marked, right, gap_end):
            break
        neighbour_start, neighbour_end = _token_span(marked, gap_end)
        if neighbour_end - neighbour_start != 1:
            break
        right = neighbour_end
        run.append(neighbour_start)
    return run


def leet_allowed(marked: str, start: int, end: int, memo: dict[int, bool] | None = None) -> bool:
    """Whether every leetspeak digit in ``marked[start:end + 1]`` is inside a word."""
    return all(
        reads_as_letter(marked, i, memo) for i in range(start, end + 1) if marked[i] in LEET_DIGITS
    )


def phrase_boundaries(marked_phrase: str) -> frozenset[int]:
    """Offsets, in skeleton characters, where a phrase's own tokens meet."""
    offsets = set()
    kept = 0
    previous = 0  # kind of the previous character
    for char in marked_phrase:
        kind = _kind(char)
        if kind == 0:
            previous = 0
            continue
        if kept and kind != previous:
            offsets.add(kept)
        kept += 1
        previous = kind
    return frozenset(offsets)
