"""The channel and language the debtor said they prefer: recorded in every verdict, never a
reason to refuse.

Regulation F binds the times and places a consumer names as inconvenient (1006.6(b)(1):
the hours rule and the ``no_work_contact`` hold obey them); it does not bind a preferred
medium. A medium the debtor refuses ("stop calling") is an opt-out hold on that channel
(1006.14(h)) — binding, and the holds rule enforces it. So this rule only says whether
the contact used the preferred channel and language, for the audit and for strategy.
"""

from __future__ import annotations

from compliance.gate import CheckSubject
from compliance.verdict import RuleResult

__all__ = ["StatedPreferencesRule"]


class StatedPreferencesRule:
    id = "preferences.stated"
    citation = "12 CFR 1006.6(b)(1) (times and places bind; a preferred medium is advisory)"
    citations = (
        (
            "zh-CN",
            "12 CFR 1006.6(b)(1)（债务人指定的时间和地点具有约束力；偏好的联系方式仅供参考）",
        ),
    )

    async def check(self, subject: CheckSubject) -> RuleResult:
        channel, locale = subject.preferred_channel, subject.preferred_locale
        notes = []
        if channel is not None and channel != subject.channel:
            notes.append(f"the debtor prefers {channel}, this is {subject.channel}")
        if locale is not None and locale != subject.locale:
            notes.append(f"the debtor reads {locale}, this is in {subject.locale}")
        code = "allowed"
        if notes:
            code = "preferences.advisory"
        return RuleResult.allow(
            self.id,
            self.citation,
            "; ".join(notes) + " (advisory)" if notes else "ok",
            code=code,
            params={
                "preferred_channel": channel or "",
                "channel": subject.channel,
                "preferred_locale": locale or "",
                "locale": subject.locale,
            },
            preferred_channel=channel,
            preferred_locale=locale,
            channel_preferred=None if channel is None else channel == subject.channel,
            locale_preferred=None if locale is None else locale == subject.locale,
        )
