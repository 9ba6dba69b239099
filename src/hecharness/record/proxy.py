"""`RecordingProxy`: forwards each request to an upstream HEC unchanged, returns its answer
unchanged, and keeps both as HAR entries.

    with FakeHEC() as hec, RecordingProxy(hec.url) as proxy:
        httpx.post(proxy.url + "/services/collector/raw", content=b"hello", headers=...)
        proxy.save("capture.har")

Credentials are masked in the capture unless `show_token`; a compressed body is kept as sent and
decoded beside it. Like the fake, it serves on its own thread and loop, ready when `start()` returns.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import ssl
import tempfile
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import orjson
import uvicorn
from starlette.types import Receive, Scope, Send

from hecharness.errors import InvalidArgument
from hecharness.har import Answer, archive, entry
# The fake's own binding: the same error text for a port that is taken, the same backlog.
from hecharness.hec.server import bind_socket
from hecharness.masking import mask_authorization, mask_token
from hecharness.tls import CertificateAuthority, CertificateFiles, parse_modes

__all__ = ["RecordingProxy"]

# Hop-by-hop headers belong to one connection, and the proxy makes its own (RFC 9110 section 7.6.1).
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"})
_START_TIMEOUT = 10.0


class RecordingProxy:
    """A proxy in front of the HEC at `upstream`, listening on `host`:`port` in TLS mode `tls`.

    `verify` is how the upstream's certificate is checked (a CA file, a context, or False).
    """

    def __init__(
        self,
        upstream: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: str = "plain",
        tls_names: Iterable[str] = (),
        verify: ssl.SSLContext | str | bool = True,
        show_token: bool = False,
        timeout: float = 60.0,
    ) -> None:
        modes = parse_modes(tls)
        if len(modes) != 1:
            raise InvalidArgument(f"the proxy listens in one TLS mode, got {tls!r}")
        mode = modes[0]
        self.upstream = upstream.rstrip("/")
        self.tls = mode
        self.show_token = show_token
        self._verify, self._timeout = verify, timeout
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.certificates: CertificateFiles | None = None
        self._context: ssl.SSLContext | None = None
        if mode != "plain":
            self._certs_dir = tempfile.TemporaryDirectory(prefix="hecharness-record-certs-")
            authority = CertificateAuthority(tls_names)
            self.certificates = authority.write(self._certs_dir.name)
            self._context = authority.server_context(mode)
        self._socket = bind_socket(host, port)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"{'https' if self._context else 'http'}://{host}:{port}"

    @property
    def ca_path(self) -> Path | None:
        """The CA bundle a sender must trust; None when listening on plain HTTP."""
        return self.certificates.ca_bundle if self.certificates is not None else None

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._entries)

    def to_har(self) -> dict[str, Any]:
        """What passed so far, as a HAR 1.2 document."""
        with self._lock:
            entries = list(self._entries)
        return archive(entries, comment=f"recorded by hecharness in front of {self.upstream}")

    def save(self, path: str | os.PathLike[str]) -> int:
        """Write the capture to `path` (whole, or not at all); the number of entries written."""
        document = self.to_har()
        temporary = Path(f"{path}.tmp")
        temporary.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
        os.replace(temporary, path)
        return len(document["log"]["entries"])

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> RecordingProxy:
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            interface="asgi3",
            proxy_headers=False,  # X-Forwarded-* go upstream as sent, not into the proxy's idea of the client
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,  # the upstream's own headers go back as they came
            date_header=False,
            timeout_graceful_shutdown=1,
            ssl_context_factory=(lambda config, default: self._context) if self._context else None,
        )
        self._server = uvicorn.Server(config)
        self._failure: Exception | None = None
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="hecharness-record", daemon=True)
        self._thread.start()
        if not ready.wait(_START_TIMEOUT) or not self._server.started:
            self.stop()
            why = f": {self._failure}" if self._failure is not None else ""
            raise RuntimeError(f"the recording proxy did not start{why}")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(_START_TIMEOUT)
            self._thread = None
        self._socket.close()

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        async def serve() -> None:
            assert self._server is not None
            async with httpx.AsyncClient(verify=self._verify, timeout=self._timeout) as client:
                self._client = client
                task = asyncio.ensure_future(self._server.serve(sockets=[self._socket]))
                while not self._server.started and not task.done():
                    await asyncio.sleep(0.005)
                ready.set()
                await task

        try:
            asyncio.run(serve())
        except Exception as error:  # start() says it; a thread would only print it
            self._failure = error
            ready.set()

    # -- one request ------------------------------------------------------------------------------

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        query = scope["query_string"].decode("latin-1")
        target = scope["raw_path"].decode("latin-1") if scope.get("raw_path") else scope["path"]
        forwarded = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP and k.lower() != "host"]
        started, clock = time.time(), time.perf_counter()
        status, answer_headers, answer, error = 0, [], b"", None
        try:
            assert self._client is not None
            request = self._client.build_request(
                scope["method"], self.upstream + target + (f"?{query}" if query else ""), headers=forwarded, content=body
            )
            response = await self._client.send(request, stream=True)
            try:
                answer = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
            status, answer_headers = response.status_code, list(response.headers.multi_items())
        except httpx.HTTPError as failure:
            error = f"upstream {self.upstream} did not answer: {type(failure).__name__} {failure}".rstrip()
        seconds = time.perf_counter() - clock
        self._keep(scope, started, seconds, headers, target, query, body, status, answer_headers, answer, error)
        if error is not None:
            status, answer_headers, answer = 502, [("content-type", "text/plain; charset=utf-8")], error.encode()
        back = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer_headers if k.lower() not in _HOP_BY_HOP]
        if not any(k.lower() == b"content-length" for k, _ in back):
            back.append((b"content-length", str(len(answer)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": back})
        await send({"type": "http.response.body", "body": answer})

    def _keep(
        self,
        scope: Scope,
        started: float,
        seconds: float,
        headers: list[tuple[str, str]],
        target: str,
        query: str,
        body: bytes,
        status: int,
        answer_headers: list[tuple[str, str]],
        answer: bytes,
        error: str | None,
    ) -> None:
        if not self.show_token:
            headers = [(k, mask_authorization(v) if k.lower() == "authorization" else v) for k, v in headers]
            query = _masked_query(query)
        host = dict((k.lower(), v) for k, v in headers).get("host", "hecharness")
        scheme = "https" if self._context else "http"
        decoded = _decoded(body, headers)
        answer_text = _decoded(answer, answer_headers)
        hec = Answer.parse(status, answer_text).to_har()
        item = entry(
            started=started,
            seconds=seconds,
            method=scope["method"],
            url=f"{scheme}://{host}{target}" + (f"?{query}" if query else ""),
            headers=headers,
            body=decoded,
            sent=body if decoded != body else None,
            status=status,
            response_headers=answer_headers,
            response_body=answer_text,
            hec=hec,
            comment=error,
        )
        with self._lock:
            self._entries.append(item)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _decoded(body: bytes, headers: list[tuple[str, str]]) -> bytes:
    """The body with its gzip undone; as it is when not gzip, or not valid gzip (that is kept as sent)."""
    encoding = next((v for k, v in headers if k.lower() == "content-encoding"), "").strip().lower()
    if encoding != "gzip" or not body:
        return body
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error):
        return body


def _masked_query(query: str) -> str:
    if "token=" not in query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, mask_token(v) if k == "token" else v) for k, v in pairs], safe="*")
