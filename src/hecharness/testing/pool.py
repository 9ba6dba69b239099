"""The fake HECs of a test run: one per configuration, started the first time a test asks for it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from hecharness.faults import Fault
from hecharness.hec.server import FakeHEC
from hecharness.hec.settings import HECSettings
from hecharness.hec.tokens import Token
from hecharness.testing.ca import SessionCA
from hecharness.testing.options import check_tls, parse_faults, settings_dict, tokens_of
from hecharness.tls import check_names, parse_modes

__all__ = ["ServerPool", "stop_all"]

# Asked for only when a server serves TLS: an all-plain run never writes certificates.
CAProvider = Callable[[], SessionCA]


class ServerPool:
    """Shared servers keyed by what makes them differ (TLS modes, tokens, names, client certificates).

    `host` and `tls` are the defaults for every server; `get()` hands out a shared one, `start()` a
    new one that the caller stops. Servers share the session CA when it covers what they serve.
    """

    def __init__(self, host: str = "127.0.0.1", tls: str | Iterable[str] = "plain") -> None:
        self.host = host
        self.tls = check_tls(tls) if isinstance(tls, str) else parse_modes(tls)
        self._running: dict[tuple[Any, ...], FakeHEC] = {}
        self._lock = threading.Lock()

    def get(
        self,
        ca: CAProvider,
        *,
        tls: str | Iterable[str] | None = None,
        tokens: Iterable[Token | str] | Token | str | None = None,
        tls_names: Iterable[str] = (),
        client_cert_required: bool = False,
        **cluster: Any,
    ) -> FakeHEC:
        """The running server of this configuration, started now if no test asked for it before.

        `cluster` takes `FakeHEC`'s cluster options (`indexers=`, `balancer=`, ...).
        """
        modes = parse_modes(tls or self.tls)
        token_list = tuple(tokens_of(tokens))
        names = check_names(tls_names or ())
        key = (modes, token_list, names, bool(client_cert_required), tuple(sorted(cluster.items())))
        with self._lock:
            server = self._running.get(key)
            if server is None:
                server = FakeHEC(
                    token_list or None,
                    host=self.host,
                    admin_port=None,  # tests steer the object directly; start() can turn it on
                    tls=modes,
                    tls_names=names,
                    client_cert_required=bool(client_cert_required),
                    certs_dir=self.certs_dir(ca, modes, names),
                    **cluster,
                ).start()
                self._running[key] = server
        return server

    def start(
        self,
        ca: CAProvider,
        tokens: Iterable[Token | str] | Token | str | None = None,
        *,
        tls: str | Iterable[str] | None = None,
        settings: HECSettings | Mapping[str, Any] | None = None,
        faults: Any = None,
        where: str = "start(faults=...):",
        **options: Any,
    ) -> FakeHEC:
        """A new server of its own, not shared; the caller stops it. Other keywords go to `FakeHEC`."""
        parsed: list[Fault] = parse_faults(faults, where)
        modes = parse_modes(tls or self.tls)
        options.setdefault("host", self.host)
        options.setdefault("admin_port", None)
        if "certs_dir" not in options:
            options["certs_dir"] = self.certs_dir(ca, modes, tuple(options.get("tls_names", ())))
        server = FakeHEC(tokens_of(tokens) or None, tls=modes, settings=HECSettings(**settings_dict(settings)), **options)
        server.start()
        for fault in parsed:
            server.faults.add(fault)
        return server

    @staticmethod
    def certs_dir(ca: CAProvider, modes: tuple[str, ...], tls_names: Iterable[str]) -> Path | None:
        """The session CA's directory when it serves these modes and names; None for a CA of the server's own."""
        if all(mode == "plain" for mode in modes):
            return None
        session = ca()
        return session.directory if session.covers(tuple(tls_names)) else None

    def stop(self) -> None:
        with self._lock:
            servers, self._running = list(self._running.values()), {}
        stop_all(servers)

    def __len__(self) -> int:
        return len(self._running)


def stop_all(servers: Iterable[FakeHEC]) -> None:
    """Stop every server at once: each stop waits for uvicorn's shutdown tick (about 0.15 s), paid once in parallel."""
    threads = [threading.Thread(target=server.stop, name=f"stop-{server!r}") for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
