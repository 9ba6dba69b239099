"""Cloudflare's 2026 field lists (the package's copy of the reference) and what their types mean for a value.

Read from hecharness/generate/data/logpush-fields-2026.json, not from the catalog, so the catalog cannot
drift from them unseen.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

REFERENCE: dict[str, Any] = json.loads(
    resources.files("hecharness.generate").joinpath("data", "logpush-fields-2026.json").read_text()
)["datasets"]

# The docs list WAFFlags' values as prose ("simulate (0x1) | null"), not as values a record carries.
PROSE_VALUES = {("http_requests", "WAFFlags")}

_SCALARS = {
    "string": lambda v: isinstance(v, str),
    "int": lambda v: type(v) is int,
    "float": lambda v: type(v) is float,
    "bool": lambda v: type(v) is bool,
    "object": lambda v: isinstance(v, dict),
}


def documented_type(type_: str | None, value: Any, timestamp_format: str = "unixnano") -> bool:
    """Whether `value`, as a record written with `timestamp_format` carries it, has the documented `type_`.

    "int or string" is a timestamp: an integer in the unix formats, text in the RFC 3339 ones. A field
    the list gives no type is written as null.
    """
    if type_ is None:
        return value is None
    if type_ == "int or string":
        return type(value) is int if timestamp_format in ("unix", "unixnano") else isinstance(value, str)
    if type_.startswith("array[") and type_.endswith("]"):
        return isinstance(value, list) and all(documented_type(type_[6:-1], item, timestamp_format) for item in value)
    return _SCALARS[type_](value)
