"""What may show on the outside of the envelope: nothing that suggests debt collection.

12 CFR 1006.22(f)(1): a debt collector may not use "any language or symbol, other than
the debt collector's address" on the envelope — its business name only if that name
does not indicate that it collects debts. A window envelope shows whatever lies under
the window, and a thin envelope shows the letterhead too, so everything on page 1 above
the window's bottom edge is checked, whatever the debtor's country: the letterhead, the
return-address line and the date/reference block. (The recipient's own address is not:
it is what it is.)

The word list is deliberately broad — a false alarm costs a template edit, a miss costs
a debtor's privacy. It matches whole words in Latin script (``collect`` and its forms,
not "recollection") and substrings in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from channels.letters.errors import OutsideTextError
from channels.letters.markup import LetterDocument

__all__ = ["check_outside", "collection_word"]

_LATIN = re.compile(
    r"\b(?:debts?|debtors?|collect\w*|overdue|past[\s-]+due|delinquen\w*|arrears?|"
    r"default(?:s|ed)?|owe[sd]?|owing|repossess\w*|garnish\w*|recover(?:y|ies)|"
    r"judg(?:e)?ments?|lawsuits?|final\s+notice|validation|balance\s+due|amount\s+due|"
    r"payment\s+due|charge[\s-]*offs?)\b",
    re.IGNORECASE,
)
_CHINESE = re.compile(
    "催收|催缴|催款|催告|欠款|欠费|欠债|拖欠|逾期|债务|债权|追讨|追偿|追债|清收|还款|违约|"
    "律师函|诉讼|不良资产"
)


def collection_word(text: str) -> str | None:
    """The first word in ``text`` that suggests debt collection, or None."""
    found = _LATIN.search(text) or _CHINESE.search(text)
    return found.group(0) if found else None


def check_outside(letter: LetterDocument) -> None:
    """Raise ``OutsideTextError`` if the outside of ``letter`` suggests debt collection."""
    zones: Iterable[tuple[str, Iterable[str]]] = (
        ("letterhead", letter.letterhead),
        ("return address", (letter.sender,)),
        ("info", letter.info),
    )
    for zone, lines in zones:
        for line in lines:
            word = collection_word(line)
            if word is not None:
                raise OutsideTextError(zone, word, line)
