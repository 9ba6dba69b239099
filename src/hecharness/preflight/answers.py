"""The two HTTP steps, GET /health and the FAQ's POST, and what each possible answer means.

HEC answers in one shape, `{"text": ..., "code": N}`, even for unknown paths (code 404); anything
else (HTML, XML, an empty body, a redirect) comes from something that is not a HEC.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from hecharness import codes
from hecharness.preflight.handshake import client_certificate_required
from hecharness.preflight.failures import (
    BUSY,
    CHANNEL,
    HEC_ERROR,
    NOT_HEC,
    NOT_RAW_ENDPOINT,
    TIMEOUT,
    TOKEN,
    UNTRUSTED_CERTIFICATE,
    StepFailed,
)

__all__ = ["Answer", "SAMPLE_RECORD", "HEALTH_PATH", "send", "judge_health", "judge_post"]

# The record the FAQ's curl command posts.
SAMPLE_RECORD = b'{"BotScore":99,"BotScoreSrc":"Machine Learning","CacheCacheStatus":"miss","CacheResponseBytes":2478}'
HEALTH_PATH = "/services/collector/health"

_UNHEALTHY = frozenset({18, 19, 20})
_BUSY = frozenset({9, 23, 26, 27}) | _UNHEALTHY
_TOKEN_PROBLEMS = frozenset({1, 2, 3, 4})
_CHANNEL_PROBLEMS = frozenset({10, 11, 28})
_NEAR_CAPACITY = frozenset({24, 25})
_EXCERPT = 200
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

_POINT_AT_HEC = (
    "Point the destination at HEC itself: its port (8088 unless changed; Splunk Web on 8000 and the "
    "management port 8089 are not HEC) and the path /services/collector/raw. A proxy or load balancer "
    "in front of HEC must pass that path and the Authorization header through unchanged."
)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, and the HEC reply in it if it holds one."""

    status: int
    body: str
    content_type: str | None = None
    location: str | None = None
    hec_code: int | None = None
    hec_text: str | None = None
    ack_id: int | None = None

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        text = response.text
        code, message, ack_id = _hec_reply(text)
        return cls(
            status=response.status_code,
            body=text if len(text) <= _EXCERPT else text[: _EXCERPT - 3] + "...",
            content_type=response.headers.get("content-type"),
            location=response.headers.get("location"),
            hec_code=code,
            hec_text=message,
            ack_id=ack_id,
        )

    @property
    def is_hec(self) -> bool:
        return self.hec_code is not None

    def describe(self) -> str:
        """`503, code 9 "Server is busy"`, or the status and a piece of the body when it is not a HEC reply."""
        if self.is_hec:
            return f'{self.status}, code {self.hec_code} "{self.hec_text}"'
        kind = f" {self.content_type}" if self.content_type else ""
        body = " ".join(self.body.split())
        return f"{self.status}{kind} {body[:80]!r}" if body else f"{self.status}{kind} with an empty body"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "hec_code": self.hec_code,
            "hec_text": self.hec_text,
            "ack_id": self.ack_id,
            "content_type": self.content_type,
            "location": self.location,
            "body": self.body,
        }


def send(
    client: httpx.Client, request: httpx.Request, *, what: str, timeout: float, client_cert_requested: bool = False
) -> Answer:
    """Send `request`; a timeout or a dropped connection ends the check with its cause.

    `client_cert_requested`: the TLS handshake asked for a client certificate, so a dropped connection
    is that server refusing a client without one, not a server that is not HEC.
    """
    try:
        response = client.send(request)
    except httpx.TimeoutException:
        raise StepFailed(
            TIMEOUT,
            f"the server took {what} and gave no answer within {timeout:g} s",
            "HEC, or a proxy in front of it, is stalling: check the indexers' load and queues and the proxy's "
            "timeouts. Logpush treats a request without an answer as failed, retries for a few minutes, then drops the logs.",
        ) from None
    except httpx.ConnectError as error:
        if "CERTIFICATE_VERIFY_FAILED" not in str(error):
            raise _closed(what, error, client_cert_requested) from None
        # The TLS step's connections verified; this one did not, so not every server behind the name is alike.
        raise StepFailed(
            UNTRUSTED_CERTIFICATE,
            f"the certificate on a later connection, for {what}, failed verification ({error}) although the "
            "TLS step's connections passed: the servers behind this name do not all present the same certificate",
            "Make every server behind the name (every backend of a load balancer) present a certificate that "
            "verifies for it, then run the check a few times to reach each of them.",
        ) from None
    except httpx.TransportError as error:
        raise _closed(what, error, client_cert_requested) from None
    return Answer.of(response)


def _closed(what: str, error: httpx.TransportError, client_cert_requested: bool) -> StepFailed:
    if client_cert_requested:
        return client_certificate_required(
            f"closed the connection instead of answering {what} ({type(error).__name__}: {error})", "the server"
        )
    return StepFailed(
        NOT_HEC,
        f"the server closed the connection instead of answering {what} ({type(error).__name__}: {error})",
        f"{_POINT_AT_HEC} A server that requires client certificates (mutual TLS) also hangs up like this; "
        "Logpush does not send one.",
    )


def judge_health(answer: Answer) -> tuple[list[str], list[str]]:
    """Details and warnings for an answer HEC can go on from; `StepFailed` when HEC says it is unhealthy."""
    if answer.status == 200 and answer.hec_code == codes.HEALTHY.code:
        return [answer.describe()], []
    if answer.hec_code in _UNHEALTHY:
        raise StepFailed(
            BUSY,
            f"HEC reports itself unhealthy ({answer.describe()})",
            "HEC's queues are full or its acknowledgement service is down, so pushes would be refused until it "
            "recovers: check the indexers (queue fill, disk space, indexing rate), then run the check again.",
        )
    warning = (
        f"the health endpoint answered {answer.describe()}, not HEC's health reply "
        "(Splunk before 6.6 has none); the POST decides"
    )
    return [answer.describe()], [warning]


def judge_post(answer: Answer, *, token: str | None, channel_sent: bool) -> tuple[list[str], list[str]]:
    """Details and warnings for an accepted record; `StepFailed` naming the cause and fix for anything else."""
    if answer.status == 200 and answer.hec_code == codes.SUCCESS.code:
        details = [answer.describe()]
        if answer.ack_id is not None:
            details.append(f"indexer acknowledgement is on for this token (ackId {answer.ack_id})")
        return details, []
    if answer.status == 200 and answer.hec_code in _NEAR_CAPACITY:
        return [answer.describe()], [f"HEC accepted the record but is near capacity ({answer.hec_text})"]
    if answer.status in (404, 405):
        raise _not_raw_endpoint(answer)
    if answer.is_hec:
        raise _hec_refusal(answer, token=token, channel_sent=channel_sent)
    raise _not_hec(answer)


def _not_raw_endpoint(answer: Answer) -> StepFailed:
    verb = "has no such path" if answer.status == 404 else "does not take POST there"
    who = "Splunk" if answer.hec_text == codes.NOT_FOUND_TEXT else "the server"
    return StepFailed(
        NOT_RAW_ENDPOINT,
        f"{who} {verb} ({answer.describe()}): the URL is not HEC's raw endpoint",
        _POINT_AT_HEC,
    )


def _hec_refusal(answer: Answer, *, token: str | None, channel_sent: bool) -> StepFailed:
    code = answer.hec_code
    said = answer.describe()
    if code in _TOKEN_PROBLEMS:
        cause, fix = _token_problem(code, said, token)
        return StepFailed(TOKEN, cause, fix)
    if code in _CHANNEL_PROBLEMS:
        example = uuid.uuid4()
        if code == codes.INVALID_CHANNEL.code:
            cause = f"HEC does not accept the channel ({said})"
        elif channel_sent:
            cause = f"HEC says the channel is missing although one was sent ({said}): a proxy may drop the query string"
        else:
            cause = f"indexer acknowledgement is on for this token, so HEC requires a channel, and none was sent ({said})"
        fix = (
            f"Send a GUID as the channel: add channel={example} to the destination (--channel here). Logpush "
            "requires one in every Splunk destination; any GUID will do."
        )
        return StepFailed(CHANNEL, cause, fix)
    if code in _BUSY:
        return StepFailed(
            BUSY,
            f"HEC turned the record away as busy ({said})",
            "Splunk is shedding load: Logpush retries such answers for a few minutes, then drops the logs. "
            "Add indexing capacity or find what fills the queues, then run the check again.",
        )
    return StepFailed(
        HEC_ERROR,
        f"HEC refused the FAQ's sample record ({said})",
        "Look the code up in Splunk's HEC troubleshooting table and in splunkd.log on the HEC: for 4xx codes the "
        "token's settings (allowed indexes, default index) are the usual suspects, for 5xx the HEC's own health.",
    )


def _token_problem(code: int, said: str, token: str | None) -> tuple[str, str]:
    where = "Settings > Data inputs > HTTP Event Collector"
    if code == codes.TOKEN_REQUIRED.code:
        return (
            f"HEC received no token ({said})",
            "The Authorization header did not arrive: a proxy or load balancer in front of HEC may strip it. "
            "In a destination_conf the token goes in header_Authorization=Splunk%20<token>.",
        )
    if code == codes.INVALID_AUTHORIZATION.code:
        return (
            f"HEC could not read the Authorization header ({said})",
            "Send it as 'Splunk <token>': in a destination_conf header_Authorization=Splunk%20<token>, the word "
            "Splunk, %20 for the space, then the token. A proxy that rewrites the header causes this too.",
        )
    if code == codes.TOKEN_DISABLED.code:
        return (
            f"the token is disabled ({said})",
            f"Enable it in {where} (or set disabled = 0 in its stanza of inputs.conf).",
        )
    fix = f"Copy the token's value again from {where} on this Splunk instance."
    hints = _token_hints(token)
    return f"HEC does not know this token ({said})", " ".join([fix, *hints])


def _token_hints(token: str | None) -> list[str]:
    if not token:
        return []
    if _ESCAPE.search(token):
        return [
            "The token still holds URL escapes such as %20: it was URL-encoded once too often. Encode it once, "
            "inside header_Authorization=Splunk%20<token>; --token takes it as Splunk shows it.",
        ]
    if not _GUID.fullmatch(token):
        return [
            f"Splunk's HEC tokens are GUIDs (8-4-4-4-12 hex digits) and this one is not ({len(token)} characters): "
            "check that it was copied whole, without quotes, and URL-encoded in the destination_conf "
            "(a space as %20, '+' as %2B).",
        ]
    return []


def _not_hec(answer: Answer) -> StepFailed:
    if 300 <= answer.status < 400:
        cause = f"the server redirects the POST to {answer.location or 'nowhere'} ({answer.status}) instead of answering it"
        fix = f"Give the URL that answers directly, not one that redirects. {_POINT_AT_HEC}"
        return StepFailed(NOT_HEC, cause, fix)
    cause = f"the server answered {answer.describe()}, not HEC's JSON reply"
    if answer.status in (401, 403):
        cause += "; Splunk's management port (8089) answers like this"
    return StepFailed(NOT_HEC, cause, _POINT_AT_HEC)


def _hec_reply(text: str) -> tuple[int | None, str | None, int | None]:
    try:
        body = json.loads(text)
    except ValueError:
        return None, None, None
    if not isinstance(body, dict):
        return None, None, None
    code, message = body.get("code"), body.get("text")
    if isinstance(code, bool) or not isinstance(code, int) or not isinstance(message, str):
        return None, None, None
    ack_id = body.get("ackId")
    return code, message, ack_id if isinstance(ack_id, int) and not isinstance(ack_id, bool) else None
