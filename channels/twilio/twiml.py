"""The TwiML our calls run, built with the SDK's ``VoiceResponse``.

    bridge_twiml     the collector's leg: the recording notice, then <Dial> to the debtor
    notice_twiml     the debtor's leg of a bridge, once answered: the recording notice
    reminder_twiml   an automated reminder: the text (full, or the voicemail version)
    hangup_twiml     say nothing and end the call

Every <Say> speaks in the message's language with a voice that speaks it (Amazon Polly
through Twilio: Zhiyu for Mandarin, Joanna for US English).
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

__all__ = [
    "CALL_PROGRESS_EVENTS",
    "SAY_VOICES",
    "bridge_twiml",
    "hangup_twiml",
    "notice_twiml",
    "reminder_twiml",
    "say_voice",
]

#: Locale -> (<Say> language, <Say> voice). Twilio names Mandarin "cmn-CN".
SAY_VOICES: dict[str, tuple[str, str]] = {
    "zh-CN": ("cmn-CN", "Polly.Zhiyu-Neural"),
    "en-US": ("en-US", "Polly.Joanna-Neural"),
}

#: Every call progress event a leg reports (Twilio's default is "completed" only).
CALL_PROGRESS_EVENTS = ("initiated", "ringing", "answered", "completed")

# Both parties' audio, each on its own channel, from the moment the debtor answers.
_RECORD_DUAL = "record-from-answer-dual"


def say_voice(locale: str) -> tuple[str, str | None]:
    """(language, voice) for ``locale``; an unknown locale gets Twilio's default voice."""
    language, voice = SAY_VOICES.get(locale, (locale, ""))
    return language, voice or None


def bridge_twiml(
    *,
    notice: str,
    locale: str,
    debtor: str,
    caller_id: str,
    callback_base: str,
    record: bool,
) -> str:
    """The collector's leg: hear the recording notice, then ring the debtor.

    The debtor's leg reports its progress to ``{base}/status/debtor``, fetches
    ``{base}/notice`` when answered (the notice is played to the debtor before the two
    are connected) and is screened for answering machines. The dial's end is reported to
    ``{base}/dial``; the recording, when ``record``, to ``{base}/recording``.
    """
    base = callback_base.rstrip("/")
    response = VoiceResponse()
    _say(response, notice, locale)
    dial = response.dial(
        caller_id=caller_id,
        action=f"{base}/dial",
        method="POST",
        **(
            {"record": _RECORD_DUAL, "recording_status_callback": f"{base}/recording"}
            if record
            else {}
        ),
    )
    dial.number(
        debtor,
        status_callback=f"{base}/status/debtor",
        status_callback_event=" ".join(CALL_PROGRESS_EVENTS),
        status_callback_method="POST",
        url=f"{base}/notice",
        method="POST",
        machine_detection="Enable",
    )
    return str(response.to_xml())


def notice_twiml(notice: str, locale: str) -> str:
    """The debtor's leg of a bridge: the recording notice, then the collector is connected."""
    response = VoiceResponse()
    _say(response, notice, locale)
    return str(response.to_xml())


def reminder_twiml(text: str, locale: str) -> str:
    """An automated reminder: say ``text``, then hang up."""
    response = VoiceResponse()
    _say(response, text, locale)
    response.hangup()
    return str(response.to_xml())


def hangup_twiml() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response.to_xml())


def _say(response: VoiceResponse, text: str, locale: str) -> None:
    language, voice = say_voice(locale)
    if voice:
        response.say(text, language=language, voice=voice)
    else:
        response.say(text, language=language)
