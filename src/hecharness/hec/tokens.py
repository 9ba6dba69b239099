"""HEC tokens and how a request proves it holds one.

Splunk looks for a token in three places: `Authorization: Splunk <token>`, HTTP Basic auth with
the token as the password (any user name), and `?token=` in the query string. A token in the query
string wins over the header even when the token does not allow query-string auth; only a known
token ever reaches the "query string authorization is not enabled" answer (measured on 10.4.2).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from hecharness import codes
from hecharness.codes import HECCode
from hecharness.errors import InvalidArgument
from hecharness.masking import mask_token

__all__ = ["Token", "TokenStore", "Rejected", "new_token_value"]


# Not a HecHarnessError: control flow inside the collector, which answers it on the wire.
class Rejected(Exception):
    """A request refused with a Splunk reply code; the collector turns it into the wire answer."""

    def __init__(self, code: HECCode, invalid_event_number: int | None = None, note: str | None = None):
        super().__init__(code.text)
        self.code = code
        self.invalid_event_number = invalid_event_number
        self.note = note


def new_token_value() -> str:
    """A fresh token in Splunk's format (a GUID)."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))


@dataclass(frozen=True)
class Token:
    """One HEC token and the settings Splunk keeps beside it in inputs.conf.

    `indexes` empty means any index the server has, as in Splunk (see `hecharness.hec.indexes`). `default_source` unset means
    Splunk's `http:<name>`.
    """

    value: str
    name: str = ""
    enabled: bool = True
    ack: bool = False
    query_auth: bool = False
    indexes: tuple[str, ...] = ()
    default_index: str = "main"
    default_source: str | None = None
    default_sourcetype: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not self.value.strip() or self.value != self.value.strip():
            raise InvalidArgument(f"a token value must be a non-empty string without surrounding spaces, got {self.value!r}")
        if any(ch.isspace() for ch in self.value):
            raise InvalidArgument(f"token value {mask_token(self.value)!r} contains white space, which no header can carry")
        object.__setattr__(self, "indexes", tuple(self.indexes))
        if not self.name:
            object.__setattr__(self, "name", f"token-{self.value[:8]}")

    @property
    def source(self) -> str:
        return self.default_source or f"http:{self.name}"

    def describe(self, show_value: bool = False) -> dict[str, Any]:
        """The token as JSON-ready settings, its value masked unless asked for."""
        return {
            "name": self.name,
            "value": self.value if show_value else mask_token(self.value),
            "enabled": self.enabled,
            "ack": self.ack,
            "query_auth": self.query_auth,
            "indexes": list(self.indexes),
            "default_index": self.default_index,
            "default_source": self.source,
            "default_sourcetype": self.default_sourcetype,
        }

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> Token:
        """Build a token from a config table or JSON object, naming any key we do not know."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise InvalidArgument(f"unknown token setting {unknown[0]!r}; known: {', '.join(sorted(known))}")
        if "value" not in settings:
            raise InvalidArgument("a token needs a 'value'")
        for flag in ("enabled", "ack", "query_auth"):
            if flag in settings and not isinstance(settings[flag], bool):
                raise InvalidArgument(f"token setting {flag!r} must be true or false, got {settings[flag]!r}")
        indexes = settings.get("indexes", ())
        if not isinstance(indexes, (list, tuple)) or not all(isinstance(i, str) for i in indexes):
            raise InvalidArgument(f"token setting 'indexes' must be a list of index names, got {indexes!r}")
        for text in ("value", "name", "default_index", "default_source", "default_sourcetype"):
            if text in settings and settings[text] is not None and not isinstance(settings[text], str):
                raise InvalidArgument(f"token setting {text!r} must be a string, got {settings[text]!r}")
        return cls(**settings)


@dataclass
class TokenStore:
    """The tokens a collector knows, changeable at run time from any thread."""

    tokens: dict[str, Token] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.version = 0  # counts changes, so what is derived from the tokens knows when to rebuild

    @classmethod
    def of(cls, tokens: Iterable[Token | str]) -> TokenStore:
        store = cls()
        for token in tokens:
            store.add(token)
        return store

    def add(self, token: Token | str) -> Token:
        if isinstance(token, str):
            token = Token(token)
        with self._lock:
            self.tokens[token.value] = token
            self.version += 1
        return token

    def remove(self, value_or_name: str) -> Token:
        with self._lock:
            token = self._find(value_or_name)
            del self.tokens[token.value]
            self.version += 1
        return token

    def update(self, value_or_name: str, **changes: Any) -> Token:
        with self._lock:
            token = replace(self._find(value_or_name), **changes)
            self.tokens[token.value] = token
            self.version += 1
        return token

    def _find(self, value_or_name: str) -> Token:
        if value_or_name in self.tokens:
            return self.tokens[value_or_name]
        for token in self.tokens.values():
            if token.name == value_or_name:
                return token
        raise KeyError(f"no token named or valued {mask_token(value_or_name)!r}")

    def get(self, value: str) -> Token | None:
        return self.tokens.get(value)

    def all(self) -> list[Token]:
        with self._lock:
            return list(self.tokens.values())

    def replace_all(self, tokens: Iterable[Token]) -> None:
        with self._lock:
            self.tokens = {token.value: token for token in tokens}
            self.version += 1

    def authenticate(self, authorization: str | None, query_token: str | None) -> Token:
        """The token a request proves it holds, or `Rejected` with Splunk's code for why not."""
        if query_token is not None:
            # The query string wins, even over a good header; unknown and disabled come first.
            token = self._known(query_token)
            if not token.query_auth:
                raise Rejected(codes.QUERY_AUTH_DISABLED)
            return token
        if authorization is None:
            raise Rejected(codes.TOKEN_REQUIRED)
        return self._known(_credential(authorization))

    def identify(self, authorization: str | None, query_token: str | None) -> Token | None:
        """The known token a request names, enabled or not, without judging it (for fault scopes)."""
        try:
            value = query_token if query_token is not None else _credential(authorization or "")
        except Rejected:
            return None
        return self.tokens.get(value)

    def _known(self, value: str) -> Token:
        token = self.tokens.get(value)
        if token is None:
            raise Rejected(codes.INVALID_TOKEN)
        if not token.enabled:
            raise Rejected(codes.TOKEN_DISABLED)
        return token


def _credential(authorization: str) -> str:
    """The token inside an Authorization header value: `Splunk <token>` or Basic with it as password."""
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    # Auth schemes are case-insensitive in HTTP; whether Splunk agrees is unmeasured, so be lenient.
    scheme = scheme.lower()
    if scheme == "splunk" and credential:
        return credential
    if scheme == "basic" and credential:
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Rejected(codes.INVALID_AUTHORIZATION) from None
        _user, colon, password = decoded.partition(":")
        if colon and password:
            return password
    raise Rejected(codes.INVALID_AUTHORIZATION)
