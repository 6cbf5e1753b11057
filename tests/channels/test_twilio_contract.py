"""Contract check: what TwilioSmsChannel sends is what Twilio's own OpenAPI description accepts.

Prism (``.ci/install-prism.sh``) serves ``twilio_api_v2010.json`` with ``--errors``: it
validates every request (path, HTTP Basic auth, form fields, formats, patterns) and
answers 422/401 to one that breaks the description, else the spec's example (201).

Without Prism these tests are skipped — except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from channels.base import DeliveryStatus, OutgoingMessage, PermanentChannelError
from channels.twilio import TwilioSmsChannel
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import (
    TEST_ACCOUNT_SID,
    TEST_AUTH_TOKEN,
    TEST_FROM_NUMBER,
    TEST_MESSAGING_SERVICE_SID,
)

pytestmark = pytest.mark.prism

REPO_ROOT = Path(__file__).parents[2]
STARTUP_TIMEOUT_S = 90.0
DEBTOR = "+14155550123"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"Prism contract check cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _spec_path() -> Path:
    override = os.environ.get("TWILIO_OAI_SPEC")
    if override:
        return Path(override)
    return REPO_ROOT.parent / "shared" / "twilio-oai" / "twilio_api_v2010.json"


def _prism_bin() -> Path:
    override = os.environ.get("PRISM_BIN")
    if override:
        return Path(override)
    return REPO_ROOT / ".ci" / "tools" / "node_modules" / ".bin" / "prism"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (Prism says 404 for "/") means it is listening
    except OSError:
        return False


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < STARTUP_TIMEOUT_S:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"Prism exited with {process.returncode}:\n{tail}")
        if _answers(url):
            return time.monotonic() - started
        time.sleep(0.25)
    raise RuntimeError(f"Prism did not answer at {url} within {STARTUP_TIMEOUT_S:.0f} s")


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start Prism once per session on a free port; its base URL."""
    prism, spec = _prism_bin(), _spec_path()
    if not prism.exists():
        _unavailable(f"Prism is not installed at {prism} (run .ci/install-prism.sh)")
    if not spec.exists():
        _unavailable(f"Twilio's OpenAPI description is not at {spec} (set TWILIO_OAI_SPEC)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    command = [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", str(spec)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _channel(base_url: str, sender: dict[str, str]) -> TwilioSmsChannel:
    return TwilioSmsChannel(
        TEST_ACCOUNT_SID,
        TEST_AUTH_TOKEN,
        from_number=sender.get("from_number", ""),
        messaging_service_sid=sender.get("messaging_service_sid", ""),
        api_base_url=base_url,
    )


@pytest.mark.parametrize(
    ("sender", "callback"),
    [
        ({"from_number": TEST_FROM_NUMBER}, None),
        ({"messaging_service_sid": TEST_MESSAGING_SERVICE_SID}, None),
        (
            {"from_number": TEST_FROM_NUMBER},
            "https://dispatcher.example.com/webhooks/twilio/status?message_id=m-1",
        ),
    ],
    ids=["from-number", "messaging-service", "status-callback"],
)
async def test_our_send_is_accepted_by_twilios_description(
    prism_url: str, sender: dict[str, str], callback: str | None
) -> None:
    channel = _channel(prism_url, sender)
    try:
        receipt = await channel.send(OutgoingMessage("m-1", DEBTOR, "您的账单已逾期。", callback))
    finally:
        await channel.aclose()

    # Prism answers with the spec's example message, which our receipt parsing must take.
    assert receipt.provider == "twilio"
    assert receipt.provider_message_id.startswith("SM")
    assert receipt.status is DeliveryStatus.ACCEPTED
    assert receipt.detail["twilio_status"] == "queued"


async def test_a_malformed_send_is_rejected_by_our_channel_as_permanent(prism_url: str) -> None:
    """Proves the check can fail through our own code path: a bad StatusCallback URI."""
    channel = _channel(prism_url, {"from_number": TEST_FROM_NUMBER})
    try:
        with pytest.raises(PermanentChannelError) as caught:
            await channel.send(OutgoingMessage("m-1", DEBTOR, "hi", "not a uri"))
    finally:
        await channel.aclose()

    assert caught.value.http_status == 422


@pytest.mark.parametrize(
    ("form", "auth", "expected_status"),
    [
        ({"From": TEST_FROM_NUMBER, "Body": "no To"}, True, 422),
        ({"To": DEBTOR, "Body": "hi", "MessagingServiceSid": "MG-too-short"}, True, 422),
        ({"To": DEBTOR, "From": TEST_FROM_NUMBER, "Body": "no credentials"}, False, 401),
    ],
    ids=["missing-To", "bad-MessagingServiceSid", "no-basic-auth"],
)
async def test_malformed_raw_requests_are_rejected(
    prism_url: str, form: dict[str, object], auth: bool, expected_status: int
) -> None:
    http = AsyncTwilioHttpClient()
    try:
        client = Client(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, http_client=http)
        url = f"{prism_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json"
        if auth:
            response = await client.request_async("POST", url, data=form)
        else:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            response = await http.request("POST", url, data=form, headers=headers)
    finally:
        await http.close()

    assert response.status_code == expected_status, response.text


@pytest.mark.parametrize(
    "sender",
    [{"from_number": TEST_FROM_NUMBER}, {"messaging_service_sid": TEST_MESSAGING_SERVICE_SID}],
    ids=["from-number", "messaging-service"],
)
async def test_every_field_we_send_is_named_in_twilios_description(
    fake_twilio: FakeTwilio, sender: dict[str, str]
) -> None:
    """Prism accepts unknown form fields, so a misspelt one ("Bdy") would pass it: check names."""
    spec = _spec_path()
    if not spec.exists():
        _unavailable(f"Twilio's OpenAPI description is not at {spec} (set TWILIO_OAI_SPEC)")
    operation = json.loads(spec.read_text("utf-8"))["paths"][
        "/2010-04-01/Accounts/{AccountSid}/Messages.json"
    ]["post"]
    schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    channel = _channel(fake_twilio.base_url, sender)
    try:
        await channel.send(OutgoingMessage("m-1", DEBTOR, "hi", "https://cb.example.com/s"))
    finally:
        await channel.aclose()

    sent = set(fake_twilio.requests[0].form)
    assert sent <= set(schema["properties"]), sent - set(schema["properties"])
    assert set(schema.get("required", [])) <= sent
