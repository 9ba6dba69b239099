"""A fake HEC in every TLS mode, plus the servers a fake HEC cannot be: silent, closing, not a HEC at all."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hecharness.destination import Destination
from hecharness.hec import FakeHEC, Token
from hecharness.preflight import PreflightResult, check
from hecharness.tls import TLS_MODES

TOKEN = "0aa7e2a5-8f35-4b7b-9d7e-3c1d9c2f4e10"
DISABLED_TOKEN = "5b9c0d6e-2f4a-4c1b-8e3d-7a6f5e4d3c2b"
ACK_TOKEN = "9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
CHANNEL = "2f5e8a1c-4b7d-4e9f-a3c6-d1b2e7f04a58"
RAW_PATH = "/services/collector/raw"
# Small enough to keep the timeout tests short, large enough for a loaded CI machine's loopback.
SHORT_TIMEOUT = 0.5
TIMEOUT = 10.0


@pytest.fixture(scope="session")
def hec() -> Iterator[FakeHEC]:
    tokens = [Token(TOKEN, name="logpush"), Token(DISABLED_TOKEN, name="off", enabled=False), Token(ACK_TOKEN, name="acked", ack=True)]
    with FakeHEC(tokens, tls=list(TLS_MODES), admin_port=None) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_hec(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "hec" in request.fixturenames:
        request.getfixturevalue("hec").reset()


def raw_url(hec: FakeHEC, mode: str = "valid", host: str = "127.0.0.1") -> str:
    """The HTTPS raw-endpoint URL of one mode's listener (plain is dialled with https:// too, as a sender would)."""
    base = hec.urls[mode].replace("http://", "https://").replace("127.0.0.1", host)
    return base + RAW_PATH


def destination(hec: FakeHEC, mode: str = "valid", *, token: str = TOKEN, insecure: bool = False) -> str:
    port = int(hec.urls[mode].rsplit(":", 1)[1])
    built = Destination.for_hec("127.0.0.1", port, token=token, channel=CHANNEL, insecure_skip_verify=insecure)
    return built.canonical(show_token=True)


def run(target: str | Destination, **options: Any) -> PreflightResult:
    """`check()` with the options every test against a local server needs."""
    options.setdefault("any_port", True)
    options.setdefault("timeout", TIMEOUT)
    if isinstance(target, str) and not target.startswith("splunk://"):
        options.setdefault("token", TOKEN)
    return check(target, **options)


# -- servers that are not a fake HEC --------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"<html><body>It works!</body></html>"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


class NotHEC:
    """An HTTPS server that answers every request with `reply`: a web page, a redirect, XML."""

    def __init__(self, ca: trustme.CA, ca_path: Path) -> None:
        self.reply = Reply()
        self.ca_path = ca_path
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(owner.reply.status)
                for name, value in owner.reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(owner.reply.body)))
                self.end_headers()
                self.wfile.write(owner.reply.body)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}{RAW_PATH}"

    def __enter__(self) -> NotHEC:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def not_hec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NotHEC]:
    ca = trustme.CA()
    ca_path = tmp_path_factory.mktemp("not-hec") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    with NotHEC(ca, ca_path) as server:
        yield server


@pytest.fixture
def web_page(not_hec: NotHEC) -> Iterator[NotHEC]:
    yield not_hec
    not_hec.reply = Reply()


@pytest.fixture
def refused_port() -> int:
    """A port nothing listens on: bound, read, closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """The kernel completes the TCP handshake into the backlog, but nobody ever reads: TLS gets no answer."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture
def full_backlog_port() -> Iterator[int]:
    """A listener that never accepts and whose backlog is full, so new SYNs are dropped and connecting times out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers: list[socket.socket] = []
        try:
            for _ in range(8):
                filler = socket.socket()
                filler.settimeout(0.2)
                try:
                    filler.connect(("127.0.0.1", port))
                except TimeoutError:
                    filler.close()
                    break  # the backlog is full: the next connection will time out too
                fillers.append(filler)
            else:
                pytest.skip("this kernel accepted every connection into the backlog")
            yield port
        finally:
            for filler in fillers:
                filler.close()


class ConnectionServer:
    """A loopback listener that hands each accepted connection to `handle`, in a thread, until closed."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.05)
        self.handle = handle
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(5)
            try:
                self.handle(connection)
            except OSError:
                pass
            finally:
                connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.listener.close()


@pytest.fixture
def hang_up_port() -> Iterator[int]:
    """Resets each connection (SO_LINGER 0) as soon as the ClientHello arrives."""

    def reset(connection: socket.socket) -> None:
        connection.recv(1)  # waiting for the client's first bytes keeps the reset out of the connect step
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    server = ConnectionServer(reset)
    yield server.port
    server.close()


@pytest.fixture
def alerting_port() -> Iterator[int]:
    """A TLS server that answers every ClientHello with a handshake_failure alert."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("localhost", "127.0.0.1").configure_cert(context)
    context.sni_callback = lambda ssl_object, name, ctx: ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE

    def refuse(connection: socket.socket) -> None:
        try:
            context.wrap_socket(connection, server_side=True)
        except ssl.SSLError:
            pass  # the alert has gone out; that is the point

    server = ConnectionServer(refuse)
    yield server.port
    server.close()


# -- certificates trustme does not make --------------------------------------------------------------

DAY = datetime.timedelta(days=1)


@dataclass
class Issued:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def issue(
    name: str,
    issuer: Issued | None = None,
    *,
    ca: bool = False,
    usage: x509.ObjectIdentifier = ExtendedKeyUsageOID.SERVER_AUTH,
    expired: bool = False,
) -> Issued:
    """A certificate for `name` (a CA when `ca`), signed by `issuer` or by itself; leaves get SAN IP:127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = (now - 60 * DAY, now - 30 * DAY) if expired else (now - DAY, now + 30 * DAY)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def tls_server(directory: Path, chain: list[Issued]) -> ssl.SSLContext:
    """A server context presenting `chain` (leaf first)."""
    chain_path, key_path = directory / "chain.pem", directory / "key.pem"
    chain_path.write_bytes(b"".join(issued.pem for issued in chain))
    key_path.write_bytes(chain[0].key_pem)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain_path, key_path)
    return context


def serve_tls(*contexts: ssl.SSLContext) -> ConnectionServer:
    """Handshake with each connection using the next context, the last one for good, and wait for the client to leave."""
    handshakes = iter(contexts)
    current = {"context": contexts[0]}

    def handshake(connection: socket.socket) -> None:
        current["context"] = next(handshakes, current["context"])
        with current["context"].wrap_socket(connection, server_side=True) as tls:
            tls.recv(1)

    return ConnectionServer(handshake)


@pytest.fixture
def client_only_certificate(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A server certificate, from a CA the client trusts, that is meant for clients only (EKU clientAuth)."""
    root = issue("preflight test CA", ca=True)
    (tmp_path / "ca.pem").write_bytes(root.pem)
    server = serve_tls(tls_server(tmp_path, [issue("localhost", root, usage=ExtendedKeyUsageOID.CLIENT_AUTH)]))
    yield server.port, tmp_path / "ca.pem"
    server.close()


@pytest.fixture
def expired_intermediate(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A leaf in date, sent with an intermediate CA that has expired."""
    root = issue("preflight test root", ca=True)
    intermediate = issue("preflight test intermediate", root, ca=True, expired=True)
    (tmp_path / "ca.pem").write_bytes(root.pem)
    server = serve_tls(tls_server(tmp_path, [issue("localhost", intermediate), intermediate]))
    yield server.port, tmp_path / "ca.pem"
    server.close()


@pytest.fixture
def inconsistent_backends(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A load balancer whose first backend serves a good certificate and whose next serves a self-signed one."""
    root = issue("preflight test CA", ca=True)
    (tmp_path / "ca.pem").write_bytes(root.pem)
    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    good = tls_server(tmp_path / "good", [issue("localhost", root)])
    bad = tls_server(tmp_path / "bad", [issue("localhost")])
    server = serve_tls(good, good, bad)  # the TLS step's two handshakes, then the HTTP connection
    yield server.port, tmp_path / "ca.pem"
    server.close()
