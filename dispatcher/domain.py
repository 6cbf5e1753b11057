"""The vocabulary every part of the dispatcher shares: channels, statuses, event sources."""

from __future__ import annotations

import enum

__all__ = [
    "PENDING",
    "PHONE_CHANNELS",
    "TERMINAL",
    "UNSETTLED",
    "ChannelKind",
    "ContactResult",
    "Disposition",
    "EventSource",
    "MessageStatus",
]


class ChannelKind(enum.StrEnum):
    SMS = "sms"
    VOICE = "voice"  # a collector's bridged call, or an automated voice reminder
    LETTER = "letter"
    VISIT = "visit"  # an on-site visit by two or more collectors


# Channels whose destination is a phone number (E.164); letters and visits go to an address.
PHONE_CHANNELS = frozenset({ChannelKind.SMS, ChannelKind.VOICE})


class ContactResult(enum.StrEnum):
    """What an attempt came to, in the words the rule packs count with ("call.voicemail").

    None on a message means not known yet: an attempt in flight holds its slot in every
    cap until its result says whether it counts.
    """

    SENT = "sent"  # a text or letter handed to the provider
    CONVERSATION = "conversation"  # a call where the collector spoke with the debtor
    ANSWERED = "answered"  # a call a person answered (who, the disposition may say)
    VOICEMAIL = "voicemail"  # a call an answering machine took
    UNANSWERED = "unanswered"  # it rang; nobody answered
    BUSY = "busy"
    UNCONNECTED = "unconnected"  # the network could not connect it (not in service, ...)
    FAILED = "failed"  # never placed: the provider refused it or it was canceled
    VISITED = "visited"  # collectors went and met the debtor
    NOT_MET = "not_met"  # collectors went; nobody there


class Disposition(enum.StrEnum):
    """What a collector records after a call or visit."""

    RIGHT_PARTY = "right_party"  # spoke with the debtor
    PROMISE_TO_PAY = "promise_to_pay"  # with amount and date
    DISPUTE = "dispute"  # sets a dispute hold
    WRONG_NUMBER = "wrong_number"  # the attempt stops counting toward this debtor
    REFUSED = "refused"  # the debtor refused to talk or pay
    CALLBACK_REQUESTED = "callback_requested"  # with a time: schedules a call
    NO_CONTACT = "no_contact"  # nobody reached


class MessageStatus(enum.StrEnum):
    """Where one contact attempt stands. Bad input never gets a row: it is refused at enqueue."""

    QUEUED = "queued"  # accepted, waiting for a worker
    DEFERRED = "deferred"  # a rule said "not now"; scheduled_for says when it is checked again
    SENDING = "sending"  # a worker claimed it and is handing it to the provider
    # The provider may or may not have taken it (a timeout after the request left, a
    # worker that died mid-send and a lookup that could not decide). Counts as a contact;
    # never resent; a provider callback or a lookup settles it (the events say why).
    UNKNOWN = "unknown"
    SENT = "sent"  # the provider accepted it (provider and provider id are set)
    DELIVERED = "delivered"  # the provider reports it reached the handset
    UNDELIVERED = "undelivered"  # the provider reports the carrier could not deliver it
    FAILED = "failed"  # the provider refused it, or we gave up (error code and text say why)
    BLOCKED = "blocked"  # a compliance rule refused it (verdict says which and why)
    CANCELLED = "cancelled"  # its sender took it back before a worker claimed it


PENDING = frozenset({MessageStatus.QUEUED, MessageStatus.DEFERRED})
# Handed to the provider (or being handed), and whether it took it is not known yet: the
# provider's first news of it, or the sweep's lookup, settles it.
UNSETTLED = frozenset({MessageStatus.SENDING, MessageStatus.UNKNOWN})
TERMINAL = frozenset(
    {
        MessageStatus.DELIVERED,
        MessageStatus.UNDELIVERED,
        MessageStatus.FAILED,
        MessageStatus.BLOCKED,
        MessageStatus.CANCELLED,
    }
)


class EventSource(enum.StrEnum):
    API = "api"  # the Python client or the HTTP API
    WORKER = "worker"  # the pipeline
    WEBHOOK = "webhook"  # a provider callback
    SWEEP = "sweep"  # the periodic sweep
