"""Field list files: datasets described the way Cloudflare's reference describes them, read and checked.

A file is one JSON object in the shape of the package's ``logpush-fields-2026.json``::

    {"datasets": {"my_logs": {"scope": "account",
                              "fields": [{"name": "Timestamp", "type": "int or string"},
                                         {"name": "Verdict", "type": "string", "values": ["pass", "block"]}]}}}

Per field: `name` and `type` are required; `description`, `values` (an enumeration) and `deprecated`
are optional, and other keys (`values_source`, `in_ibm_cis`, ...) are ignored. A `type` of null means
undocumented: such a field is written as null. Per dataset, `key` and `event_time` may name the field
that identifies a record and the timestamp that follows the stream's clock; left out, they are chosen
from the field names. Every problem is reported in one line naming the file and the entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hecharness.generate.errors import GenerateError
from hecharness.generate.fieldfacts import FieldFact

__all__ = ["FIELD_TYPES", "FieldListError", "ListedDataset", "REFERENCE", "parse_field_list", "read_field_list", "reference_lists"]

# The types Cloudflare's dataset pages use; "int or string" is a timestamp (int for unix and
# unixnano, a string for the rfc3339 formats).
FIELD_TYPES = ("string", "int", "float", "bool", "int or string", "object", "array[string]", "array[int]", "array[object]")

# The package's copy of the reference field lists (/work/shared/reference in the project's history).
REFERENCE = "logpush-fields-2026.json"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DATASET_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SCOPES = ("zone", "account", "zone+account")


class FieldListError(GenerateError):
    """A field list file that cannot be read, or an entry in it that is not a field."""


@dataclass(frozen=True)
class ListedDataset:
    """One dataset as a field list gives it; the catalog turns it into a `Dataset`."""

    name: str
    facts: tuple[FieldFact, ...]
    scope: str = "account"
    key: str | None = None
    event_time: str | None = None
    source: str = ""


def read_field_list(path: str | Path) -> tuple[ListedDataset, ...]:
    """Read and check a field list file; raise FieldListError naming the file and the bad entry."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise FieldListError(f"{where}: cannot read the field list ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise FieldListError(f"{where}: not UTF-8 text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise FieldListError(f"{where}: not valid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    return parse_field_list(document, where)


def parse_field_list(document: Any, where: str = "field list") -> tuple[ListedDataset, ...]:
    """Check an already-parsed field list (see the module's docstring for the shape)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("datasets"), Mapping):
        raise FieldListError(f'{where}: expected an object with a "datasets" object, as in {REFERENCE}')
    datasets = document["datasets"]
    if not datasets:
        raise FieldListError(f"{where}: datasets: no dataset is listed")
    return tuple(_dataset(name, body, where) for name, body in datasets.items())


def reference_lists() -> tuple[ListedDataset, ...]:
    """Every dataset of the reference field lists the package carries."""
    text = resources.files("hecharness.generate").joinpath("data", REFERENCE).read_text(encoding="utf-8")
    return parse_field_list(json.loads(text), REFERENCE)


def _dataset(name: Any, body: Any, where: str) -> ListedDataset:
    at = f"{where}: datasets.{name}"
    if not isinstance(name, str) or not _DATASET_NAME.fullmatch(name):
        raise FieldListError(f"{where}: dataset name {name!r} must be lowercase letters, digits and underscores")
    if not isinstance(body, Mapping):
        raise FieldListError(f'{at}: expected an object with a "fields" list')
    fields = body.get("fields")
    if not isinstance(fields, list) or not fields:
        raise FieldListError(f"{at}.fields: expected a non-empty list of fields")
    facts = tuple(_field(entry, f"{at}.fields[{number}]") for number, entry in enumerate(fields))
    seen: set[str] = set()
    for number, fact in enumerate(facts):
        if fact.name in seen:
            raise FieldListError(f"{at}.fields[{number}] ({fact.name!r}): listed twice")
        seen.add(fact.name)
    scope = body.get("scope", "account")
    if scope not in _SCOPES:
        raise FieldListError(f"{at}.scope: {scope!r} is not one of {', '.join(_SCOPES)}")
    key = _named_field(body, "key", facts, at, ("string", "int", "int or string"))
    event_time = _named_field(body, "event_time", facts, at, ("int or string",))
    return ListedDataset(name, facts, scope, key, event_time, where)


def _named_field(body: Mapping, what: str, facts: tuple[FieldFact, ...], at: str, types: tuple[str, ...]) -> str | None:
    name = body.get(what)
    if name is None:
        return None
    fact = next((fact for fact in facts if fact.name == name), None)
    if fact is None:
        raise FieldListError(f"{at}.{what}: {name!r} is not one of the dataset's fields")
    if fact.type not in types:
        raise FieldListError(f"{at}.{what}: {name!r} is a {fact.type} field; it must be one of: {', '.join(types)}")
    return name


def _field(entry: Any, at: str) -> FieldFact:
    if not isinstance(entry, Mapping):
        raise FieldListError(f"{at}: expected an object with a name and a type, got {entry!r}")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise FieldListError(f"{at}: name {name!r} must be a field name (letters, digits, underscores)")
    at = f"{at} ({name!r})"
    if "type" not in entry:
        raise FieldListError(f"{at}: type is missing (one of {', '.join(FIELD_TYPES)}, or null if undocumented)")
    kind = entry["type"]
    if kind is not None and kind not in FIELD_TYPES:
        raise FieldListError(f"{at}: type {kind!r} is not one of {', '.join(FIELD_TYPES)} (or null if undocumented)")
    description = entry.get("description") or ""
    if not isinstance(description, str):
        raise FieldListError(f"{at}: description must be a string, got {description!r}")
    values = entry.get("values") or []
    if not isinstance(values, list):
        raise FieldListError(f"{at}: values must be a list of the field's allowed values, got {values!r}")
    element = {"string": str, "array[string]": str, "int": int, "array[int]": int}.get(kind)
    if values and element is None:
        raise FieldListError(f"{at}: values are only for string and int fields (and their arrays), not {kind}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, element):
            raise FieldListError(f"{at}: value {value!r} is not a {element.__name__}, as the field's type {kind} needs")
    deprecated = entry.get("deprecated", False)
    if not isinstance(deprecated, bool):
        raise FieldListError(f"{at}: deprecated must be true or false, got {deprecated!r}")
    return FieldFact(name, kind, " ".join(description.split()), tuple(values), deprecated, ibm_cis=False)
