"""Visits: the "send" of an on-site visit is a notice texted to each collector on it.

    channel = VisitNoticeChannel(sms)   # whatever SMS channel the deployment has

The body is the rendered visit notice (its time and address). Every collector gets one
text through the wrapped SMS channel; the receipt names them. If a collector cannot be
reached, the error is the same kind the SMS channel raised (transient: the pipeline
retries the visit's notices; permanent: the visit fails) and names the collector.
Status callbacks of the notices are not asked for: a notice delivered is not a visit made.
"""

from __future__ import annotations

from channels.base import (
    AmbiguousChannelError,
    Channel,
    ChannelError,
    DeliveryStatus,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
    TransientChannelError,
)

__all__ = ["VisitNoticeChannel"]


class VisitNoticeChannel:
    def __init__(self, sms: Channel) -> None:
        self._sms = sms

    def __repr__(self) -> str:
        return f"VisitNoticeChannel(sms={self._sms!r})"

    @property
    def provider(self) -> str:
        return "visit"

    async def send(self, message: OutgoingMessage) -> Receipt:
        if not message.collectors:
            raise PermanentChannelError(
                "no_collectors", f"visit {message.message_id} names no collector to notify"
            )
        sent: dict[str, str] = {}
        failures: list[tuple[str, ChannelError]] = []
        for collector in message.collectors:
            notice = OutgoingMessage(
                message_id=message.message_id,
                destination=collector.phone,
                body=message.body,
                locale=message.locale,
                template_name=message.template_name,
            )
            try:
                receipt = await self._sms.send(notice)
            except ChannelError as exc:
                failures.append((collector.collector_id, exc))
                continue
            sent[collector.collector_id] = f"{receipt.provider}:{receipt.provider_message_id}"
        if failures:
            raise _failure(message.message_id, failures, sent)
        return Receipt(
            provider=self.provider,
            provider_message_id=message.message_id,
            status=DeliveryStatus.ACCEPTED,
            detail={"notified": ", ".join(sent), "notices": ", ".join(sent.values())},
        )

    async def aclose(self) -> None:
        """The wrapped SMS channel is closed by its owner (it also sends texts)."""


def _failure(
    message_id: str, failures: list[tuple[str, ChannelError]], sent: dict[str, str]
) -> ChannelError:
    """One error for the visit, of the kind the SMS channel raised for the first failure."""
    first = failures[0][1]
    text = "; ".join(f"collector {who}: {exc.text}" for who, exc in failures)
    if sent:
        text += f" (notified: {', '.join(sent)})"
    text = f"visit {message_id}: notice not delivered to {text}"
    unknown = next((exc for _, exc in failures if isinstance(exc, AmbiguousChannelError)), None)
    if unknown is not None:  # a collector may have the notice: sending again is no retry
        return AmbiguousChannelError(unknown.code, text, http_status=unknown.http_status)
    if isinstance(first, PermanentChannelError):
        # Never an opt-out of the visit's address: the number that refused is a collector's.
        return PermanentChannelError(first.code, text, http_status=first.http_status)
    return TransientChannelError(first.code, text, http_status=first.http_status)
