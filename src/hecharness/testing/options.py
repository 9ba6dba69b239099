"""Options as a `fake_hec` marker or a factory call spells them, checked before any server is touched."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from hecharness.errors import HecHarnessError
from hecharness.faults import Fault, FaultSpecError, parse_fault
from hecharness.hec.cluster import Restart, parse_restart
from hecharness.hec.settings import HECSettings, SettingsError
from hecharness.hec.tokens import Token
from hecharness.tls import parse_modes

__all__ = [
    "MARKER",
    "MARKER_OPTIONS",
    "SERVER_OPTIONS",
    "OptionError",
    "check_tls",
    "marker_options",
    "parse_faults",
    "parse_restarts",
    "CLUSTER_OPTIONS",
    "settings_dict",
    "tokens_of",
]

MARKER = "fake_hec"
# What a marker may set: the server options choose which server a test gets, settings, faults and
# restarts are applied to it after the reset, so a marker that only adds those keeps the shared server.
# The cluster's options (issue #17) choose the server too: a cluster is a different server.
CLUSTER_OPTIONS = (
    "indexers", "balancer", "cookie_name", "cookie_lifetime", "channel_cookie", "balancer_fallback", "balancer_unavailable",
)
SERVER_OPTIONS = ("tls", "tokens", "tls_names", "client_cert_required", *CLUSTER_OPTIONS)
MARKER_OPTIONS = (*SERVER_OPTIONS, "settings", "faults", "restarts")


class OptionError(HecHarnessError, ValueError):
    """A marker, factory or command-line option hecharness cannot use; the message names where it came from."""


class Mark(Protocol):
    """What a marker carries (pytest's `Mark` has both)."""

    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]


def marker_options(marks: Iterable[Mark]) -> dict[str, Any]:
    """The `fake_hec` marks on a test, nearest first as pytest lists them, merged: the nearest one wins.

    Faults come back parsed and settings checked, so a bad one fails the test before it starts.
    """
    options: dict[str, Any] = {}
    for mark in reversed(list(marks)):  # farthest first, so nearer ones override
        if mark.args:
            raise OptionError(f"@pytest.mark.{MARKER} takes keyword arguments only, got {mark.args!r}")
        unknown = sorted(set(mark.kwargs) - set(MARKER_OPTIONS))
        if unknown:
            raise OptionError(f"@pytest.mark.{MARKER} got unknown option {unknown[0]!r}; known: {', '.join(MARKER_OPTIONS)}")
        options.update(mark.kwargs)
    where = f"@pytest.mark.{MARKER}"
    if "faults" in options:
        options["faults"] = parse_faults(options["faults"], f"{where}(faults=...):")
    if "restarts" in options:
        options["restarts"] = parse_restarts(options["restarts"], f"{where}(restarts=...):")
    if "settings" in options:
        try:
            HECSettings().updated(settings_dict(options["settings"]))
        except (SettingsError, TypeError) as error:
            raise OptionError(f"{where}(settings=...): {error}") from None
    return options


def parse_faults(faults: Any, where: str) -> list[Fault]:
    """One fault or several (specs, mappings or `Fault`s), each parsed; a bad one raises naming `where`."""
    if faults is None:
        return []
    if isinstance(faults, (str, Mapping, Fault)):
        faults = [faults]
    parsed = []
    for fault in faults:
        # A Fault object counts the requests it matched; a marker's object is shared by every test it
        # marks, so each test gets a fresh copy.
        if isinstance(fault, Fault):
            parsed.append(dataclasses.replace(fault))
            continue
        try:
            parsed.append(parse_fault(fault))
        except FaultSpecError as error:
            raise OptionError(f"{where} fault {fault!r}: {error}") from None
    return parsed


def parse_restarts(restarts: Any, where: str) -> list[Restart]:
    """One restart spec or several (or `Restart`s), each parsed; a bad one raises naming `where`."""
    if isinstance(restarts, (str, Restart)):
        restarts = [restarts]
    parsed = []
    for restart in restarts or ():
        try:
            parsed.append(restart if isinstance(restart, Restart) else parse_restart(restart))
        except HecHarnessError as error:
            raise OptionError(f"{where} restart {restart!r}: {error}") from None
    return parsed


def settings_dict(settings: HECSettings | Mapping[str, Any] | None) -> dict[str, Any]:
    if settings is None:
        return {}
    return settings.to_dict() if isinstance(settings, HECSettings) else dict(settings)


def tokens_of(tokens: Iterable[Token | str] | Token | str | None) -> list[Token]:
    if tokens is None:
        return []
    if isinstance(tokens, (str, Token)):
        tokens = [tokens]
    return [Token(t) if isinstance(t, str) else t for t in tokens]


def check_tls(modes: str, where: str = "--hec-tls / hec_tls") -> tuple[str, ...]:
    """The TLS modes `modes` names, or `OptionError` saying which option was wrong."""
    try:
        return parse_modes(modes)
    except ValueError as error:
        raise OptionError(f"{where}: {error}") from None
