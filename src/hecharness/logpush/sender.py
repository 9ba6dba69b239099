"""One upload, the way Logpush makes it: a gzipped POST to the destination, judged by its answer.

The sender knows nothing of the fake HEC: it works against any HTTPS endpoint, a real Splunk
included. TLS is verified unless the destination says `insecure-skip-verify=true`; `cafile` adds
a CA to trust, as a self-hosted Splunk needs.

An upload's deadline is a duration in the destination's own time, so `clock` is the clock the
destination runs on: real time for anything out there, the harness clock for a fake HEC hosted on
it. Compressing the harness's time then never makes a healthy destination miss its deadline.
"""

from __future__ import annotations

import asyncio
import gzip
import ssl
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import httpx
import orjson

from hecharness import codes
from hecharness.clock import Clock, RealClock
from hecharness.destination import PROBE_BODY, Destination

__all__ = ["Sender", "UploadOutcome", "OutcomeKind"]

# Go's net/http names the protocol it speaks in its User-Agent: Go-http-client/2.0 when the server
# picked h2 by ALPN, Go-http-client/1.1 otherwise. splunkd offers no ALPN, so Logpush speaks HTTP/1.1
# to HEC. (Cloudflare's WAF recipe shows 2.0: a WAF in front of Splunk is a proxy that offers h2.)
# This client speaks HTTP/1.1 and says so.
USER_AGENT = "Go-http-client/1.1"


class OutcomeKind(StrEnum):
    """How an upload ended: with an HTTP answer, or with one of the ways of getting none."""

    HTTP = "http"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TLS = "tls"


@dataclass(frozen=True)
class UploadOutcome:
    """What one upload attempt came to."""

    delivered: bool
    status: int | None = None  # None when no HTTP answer came back
    code: int | None = None  # the HEC code, when the answer was HEC JSON
    body: str = ""
    error: str | None = None  # transport failure: timeout, refused, reset, TLS
    kind: OutcomeKind = OutcomeKind.HTTP
    duration: float = 0.0  # wall seconds

    def describe(self) -> str:
        """A one-line cause, as a job's `error_message` carries it."""
        if self.error is not None:
            return self.error
        reason = codes.CODES.get(self.code) if self.code is not None else None
        detail = f" ({reason.text})" if reason is not None and reason.text not in self.body else ""
        return f"HTTP {self.status}{detail}: {self.body[:300]}".rstrip(": ")


class Sender:
    """Uploads to one destination over a kept-alive connection pool."""

    def __init__(
        self,
        destination: Destination,
        *,
        cafile: str | Path | None = None,
        timeout: float = 30.0,
        clock: Clock | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        self.destination = destination
        self.wall_timeout = (clock or RealClock()).wall_timeout(timeout)  # `timeout` is in the destination's time
        self._client = httpx.AsyncClient(
            verify=_trust(destination, cafile),
            timeout=httpx.Timeout(self.wall_timeout),
            http1=True,
            http2=False,  # what USER_AGENT says
            headers={"User-Agent": USER_AGENT, **destination.headers},
            limits=limits or httpx.Limits(max_connections=16, max_keepalive_connections=16),
        )

    async def upload(self, gzipped: bytes) -> UploadOutcome:
        """POST one gzipped batch and classify the answer."""
        started = time.perf_counter()
        try:
            # httpx's timeout bounds each read; the deadline bounds the whole upload, as Go's
            # http.Client.Timeout does, so an answer that trickles in still runs out of time.
            response = await asyncio.wait_for(
                self._client.post(self.destination.url, content=gzipped, headers={"Content-Encoding": "gzip"}),
                self.wall_timeout,
            )
        except asyncio.TimeoutError:
            error = "timeout: no complete answer in time"
            return UploadOutcome(False, error=error, kind=OutcomeKind.TIMEOUT, duration=time.perf_counter() - started)
        except httpx.TimeoutException as error:
            return UploadOutcome(False, error=f"timeout: {_text(error) or 'no answer in time'}", kind=OutcomeKind.TIMEOUT, duration=time.perf_counter() - started)
        except httpx.TransportError as error:
            tls = _tls_error(error)
            kind, text = (OutcomeKind.TLS, tls) if tls else (OutcomeKind.CONNECTION, f"connection: {_root_cause(error)}")
            return UploadOutcome(False, error=text, kind=kind, duration=time.perf_counter() - started)
        body = response.text
        return UploadOutcome(
            delivered=200 <= response.status_code < 300,
            status=response.status_code,
            code=_hec_code(response.content),
            body=body,
            duration=time.perf_counter() - started,
        )

    async def probe(self) -> UploadOutcome:
        """The validation push a job must pass before it is saved."""
        return await self.upload(gzip.compress(PROBE_BODY))

    async def aclose(self) -> None:
        await self._client.aclose()


def _trust(destination: Destination, cafile: str | Path | None) -> ssl.SSLContext | bool:
    if destination.insecure_skip_verify:
        return False
    if cafile is not None:
        return ssl.create_default_context(cafile=str(cafile))
    return True


def _hec_code(content: bytes) -> int | None:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _tls_error(error: BaseException) -> str | None:
    """The TLS reason behind a transport error, e.g. `certificate verify failed: Hostname mismatch...`."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) and seen.verify_message:
            return f"tls: certificate verify failed: {seen.verify_message}"
        if isinstance(seen, ssl.SSLError):
            return f"tls: {_text(seen)}"
        seen = seen.__cause__ or seen.__context__
    text = _text(error)
    if "SSL" in text or "CERTIFICATE" in text:
        return f"tls: {text}"
    return None


def _root_cause(error: BaseException) -> str:
    """The most specific message in an exception chain: e.g. `[Errno 104] Connection reset by peer`."""
    best = _text(error) or type(error).__name__
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno is not None:
            return _text(seen)
        best = _text(seen) or best
        seen = seen.__cause__ or seen.__context__
    return best


def _text(error: BaseException) -> str:
    return " ".join(str(error).split())
