"""Reading a collector's setup from TOML: `[[tokens]]` tables beside the server settings.

    max_content_length = 1000000
    raw_split = "line"
    max_events = 50000

    [[tokens]]
    value = "00000000-0000-0000-0000-000000000001"
    name = "logpush"
    ack = true
    indexes = ["main", "cloudflare"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hecharness.errors import HecHarnessError
from hecharness.files import read_text
from hecharness.hec.settings import HECSettings, SettingsError
from hecharness.hec.tokens import Token

__all__ = ["CollectorConfig", "ConfigError", "load_config", "parse_config"]


class ConfigError(HecHarnessError, ValueError):
    """A config file that cannot be used; the message names the file, table and key."""


@dataclass
class CollectorConfig:
    settings: HECSettings = field(default_factory=HECSettings)
    tokens: list[Token] = field(default_factory=list)


def load_config(path: str | Path) -> CollectorConfig:
    try:
        text = read_text(path, "config")
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return parse_config(text, source=str(path))


def parse_config(text: str, source: str = "config") -> CollectorConfig:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    tables = data.pop("tokens", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{source}: 'tokens' must be [[tokens]] tables")
    tokens = []
    for number, table in enumerate(tables, 1):
        try:
            tokens.append(Token.from_mapping(table))
        except (ValueError, TypeError) as error:
            raise ConfigError(f"{source}: token {number}: {error}") from None
    values = [t.value for t in tokens]
    duplicated = {v for v in values if values.count(v) > 1}
    if duplicated:
        raise ConfigError(f"{source}: token value given twice ({len(duplicated)} duplicate)")
    try:
        settings = HECSettings().updated(data)
    except SettingsError as error:
        raise ConfigError(f"{source}: {error}") from None
    except TypeError as error:
        raise ConfigError(f"{source}: {error}") from None
    return CollectorConfig(settings, tokens)
