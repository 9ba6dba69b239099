"""Logpush's `filter` job option: a JSON document in a string, checked as the API checks it, run per record.

    job_filter = parse_filter(
        '{"where":{"and":[{"key":"EdgeResponseStatus","operator":"in","value":[500,502]},'
        '{"key":"ClientRequestHost","operator":"eq","value":"example.com"}]}}',
        "http_requests",
    )
    keep = job_filter.compile(lambda name: lambda record: record.get(name))
    keep({"EdgeResponseStatus": 502, "ClientRequestHost": "example.com"})  # True

The grammar is Cloudflare's filters page: `{"where": NODE}`, where a NODE is `{"and": [NODE, ...]}`,
`{"or": [NODE, ...]}` or a comparison `{"key": FIELD, "operator": OP, "value": VALUE}`. Each operator
works on some field types only (strings, numbers, booleans, arrays; never objects), numbers may be
written as strings (`"30"`), and a filter holds about 30 comparisons and 1,000 bytes at most. A record
is pushed only when the whole expression holds.

A refused filter raises `FilterError` naming the place (`where.and[1].operator`) and what is wrong
with it. A parsed filter compiles once into one small Python function, the way the generator's
renderers are built, since it runs for every record: it reads each field it names once, then
evaluates the whole expression inline.

Two choices where the docs are silent: timestamps compare as the integer nanoseconds records carry
before formatting, and `float` fields take the numeric operators as integers do.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hecharness.errors import HecHarnessError
from hecharness.generate import Field, get_dataset

__all__ = ["FilterError", "JobFilter", "OPERATORS", "MAX_COMPARISONS", "MAX_BYTES", "NOT_FILTERABLE", "parse_filter"]

# "approximately 30 operators and 1000 bytes" (filters.mdx); we count comparisons, not and/or.
MAX_COMPARISONS = 30
MAX_BYTES = 1000

# Fields the filtering-limitations page names besides every object-typed field.
NOT_FILTERABLE: Mapping[str, frozenset[str]] = {
    "firewall_events": frozenset(
        {"Action", "Description", "Kind", "MatchIndex", "Metadata", "OriginatorRayID", "RuleID", "Source"}
    ),
}

Getter = Callable[[Any], Any]


class FilterError(HecHarnessError, ValueError):
    """A filter the Logpush API would refuse; the message names the place and the problem."""


class Kind(StrEnum):
    """What a field holds, as far as the filter operators are concerned."""

    STRING = "string"
    NUMBER = "number"
    BOOL = "bool"
    ARRAY = "array"


@dataclass(frozen=True)
class Operator:
    """One comparison: the field kinds it works on, whether its value is a list, and how it reads in Python."""

    name: str
    kinds: frozenset[Kind]
    template: str  # {v}: the field's value, {c}: the compiled value
    takes_list: bool = False
    negated: bool = False

    def expression(self, value: str, constant: str) -> str:
        text = self.template.format(v=value, c=constant)
        return f"not ({text})" if self.negated else text


def _operators() -> dict[str, Operator]:
    s, n, b, a = Kind.STRING, Kind.NUMBER, Kind.BOOL, Kind.ARRAY
    base = [
        Operator("eq", frozenset({s, n, b}), "{v} == {c}"),
        # A missing value (a given record without the field) is never less or greater than anything.
        Operator("lt", frozenset({n}), "({v} is not None and {v} < {c})"),
        Operator("leq", frozenset({n}), "({v} is not None and {v} <= {c})"),
        Operator("gt", frozenset({n}), "({v} is not None and {v} > {c})"),
        Operator("geq", frozenset({n}), "({v} is not None and {v} >= {c})"),
        Operator("in", frozenset({s, n}), "{v} in {c}", takes_list=True),
        Operator("startsWith", frozenset({s}), "({v} or '').startswith({c})"),
        Operator("endsWith", frozenset({s}), "({v} or '').endswith({c})"),
        # A substring of a string, or an element of an array: `in` does both.
        Operator("contains", frozenset({s, a}), "{c} in ({v} or ())"),
    ]
    negatable = {"eq", "in", "startsWith", "endsWith", "contains"}
    table = {op.name: op for op in base}
    for op in base:
        if op.name in negatable:
            table[f"!{op.name}"] = Operator(f"!{op.name}", op.kinds, op.template, op.takes_list, negated=True)
    return table


OPERATORS: Mapping[str, Operator] = _operators()
# Spellings people reach for; Instant Logs writes not-equal as `neq` (whether Logpush takes it is unverified).
_SPELLINGS = {"neq": "!eq", "ne": "!eq", "=": "eq", "==": "eq", "!=": "!eq", "<": "lt", "<=": "leq", ">": "gt", ">=": "geq"}
_LEAF_KEYS = ("key", "operator", "value")


@dataclass(frozen=True)
class Comparison:
    path: str
    field: str
    operator: Operator
    value: Any  # already in the field's own type; a frozenset for in / !in

    def expression(self, variables: Mapping[str, str], namespace: dict[str, Any]) -> str:
        constant = f"c{len(namespace)}"
        namespace[constant] = self.value
        return self.operator.expression(variables[self.field], constant)

    def leaves(self) -> Iterator[Comparison]:
        yield self


@dataclass(frozen=True)
class Junction:
    path: str
    joiner: str  # "and" or "or"
    parts: tuple[Comparison | Junction, ...]

    def expression(self, variables: Mapping[str, str], namespace: dict[str, Any]) -> str:
        return "(" + f" {self.joiner} ".join(part.expression(variables, namespace) for part in self.parts) + ")"

    def leaves(self) -> Iterator[Comparison]:
        for part in self.parts:
            yield from part.leaves()


@dataclass(frozen=True)
class JobFilter:
    """A checked filter for one dataset. `text` is the string the job carries."""

    text: str
    dataset: str
    where: Comparison | Junction

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields the filter reads, sorted."""
        return tuple(sorted({leaf.field for leaf in self.where.leaves()}))

    def compile(self, getter: Callable[[str], Getter]) -> Callable[[Any], bool]:
        """A predicate over records: `getter(field)` returns a function reading that field from a record.

        Records can be dicts (`lambda name: lambda record: record.get(name)`) or anything a getter
        can read, such as the generator's plans (`RecordSource.getter`).
        """
        # A field used more than once is read once, up front; one used once is read where it is
        # compared, so a comparison that and/or skip costs nothing.
        uses: Counter[str] = Counter()
        for leaf in self.where.leaves():
            uses[leaf.field] += leaf.operator.template.count("{v}")
        namespace: dict[str, Any] = {f"g{number}": getter(name) for number, name in enumerate(self.fields)}
        variables = {name: f"v{n}" if uses[name] > 1 else f"g{n}(r)" for n, name in enumerate(self.fields)}
        reads = "".join(f"    v{n} = g{n}(r)\n" for n, name in enumerate(self.fields) if uses[name] > 1)
        body = self.where.expression(variables, namespace)
        source = f"def keep(r):\n{reads}    return bool({body})\n"
        exec(compile(source, f"<filter for {self.dataset}>", "exec"), namespace)
        return namespace["keep"]


def parse_filter(text: Any, dataset: str) -> JobFilter | None:
    """Check a job's `filter` string for `dataset`; None when there is no filter (null or "")."""
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise FilterError(f"filter must be a string holding JSON, got {type(text).__name__}; encode the document as a string")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise FilterError(f"filter is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise FilterError(f"filter must be a JSON object with a where key, got {_json_type(document)}")
    if "where" not in document:
        raise FilterError('filter must contain the where key: {"where": {...}}')
    extra = sorted(set(document) - {"where"})
    if extra:
        raise FilterError(f"filter has unknown key {extra[0]!r}; it holds only where")
    fields = get_dataset(dataset)
    where = _node(document["where"], "where", fields, NOT_FILTERABLE.get(fields.name, frozenset()))
    count = sum(1 for _ in where.leaves())
    if count > MAX_COMPARISONS:
        raise FilterError(f"filter has {count} comparisons; Logpush takes about {MAX_COMPARISONS} at most")
    size = len(text.encode())
    if size > MAX_BYTES:
        raise FilterError(f"filter is {size:,} bytes; Logpush takes about {MAX_BYTES:,} at most")
    return JobFilter(text, fields.name, where)


def _node(node: Any, path: str, dataset: Any, excluded: frozenset[str]) -> Comparison | Junction:
    if not isinstance(node, dict):
        raise FilterError(f"filter: {path} must be an object (a comparison, and, or), got {_json_type(node)}")
    joiners = [name for name in ("and", "or") if name in node]
    if joiners:
        joiner = joiners[0]
        if len(node) != 1:
            other = sorted(set(node) - {joiner})[0]
            raise FilterError(f"filter: {path} has {joiner!r} beside {other!r}; put each in an object of its own")
        parts = node[joiner]
        if not isinstance(parts, list) or not parts:
            got = "an empty list" if parts == [] else _json_type(parts)
            raise FilterError(f"filter: {path}.{joiner} must be a non-empty list of conditions, got {got}")
        return Junction(path, joiner, tuple(_node(part, f"{path}.{joiner}[{i}]", dataset, excluded) for i, part in enumerate(parts)))
    return _comparison(node, path, dataset, excluded)


def _comparison(node: dict[str, Any], path: str, dataset: Any, excluded: frozenset[str]) -> Comparison:
    unknown = sorted(set(node) - set(_LEAF_KEYS))
    if unknown:
        hint = _did_you_mean(unknown[0], _LEAF_KEYS + ("and", "or"))
        raise FilterError(f"filter: {path} has unknown key {unknown[0]!r}{hint}; a comparison has key, operator and value")
    missing = [name for name in _LEAF_KEYS if name not in node]
    if missing:
        raise FilterError(f"filter: {path} has no {missing[0]!r}; a comparison has key, operator and value")
    name, op_name = node["key"], node["operator"]
    if not isinstance(name, str):
        raise FilterError(f"filter: {path}.key must be a field name, got {_json_type(name)}")
    if not dataset.has(name):
        hint = _did_you_mean(name, dataset.field_names)
        raise FilterError(f"filter: {path}.key {name!r} is not a field of {dataset.name}{hint}")
    field = dataset.field(name)
    kind = _kind_of(field)
    if name in excluded:
        raise FilterError(f"filter: {path}.key {name!r} cannot be filtered on in {dataset.name} (nor can {', '.join(sorted(excluded - {name}))})")
    if kind is None:
        raise FilterError(f"filter: {path}.key {name!r} is {field.type}, which Logpush cannot filter on (no objects)")
    if not isinstance(op_name, str) or op_name not in OPERATORS:
        meant = _SPELLINGS.get(op_name) if isinstance(op_name, str) else None
        hint = f" (did you mean {meant!r}?)" if meant else _did_you_mean(str(op_name), OPERATORS)
        raise FilterError(f"filter: {path}.operator {op_name!r} is not a Logpush operator{hint}; use one of {', '.join(OPERATORS)}")
    operator = OPERATORS[op_name]
    if kind not in operator.kinds:
        kinds = " or ".join(sorted(str(k) for k in operator.kinds))
        raise FilterError(f"filter: {path}.operator {op_name!r} works on {kinds} fields; {name} is {field.type}")
    value = _value(node["value"], path, field, kind, operator)
    return Comparison(path, name, operator, value)


def _value(value: Any, path: str, field: Field, kind: Kind, operator: Operator) -> Any:
    where = f"filter: {path}.value"
    if operator.takes_list:
        if not isinstance(value, list) or not value:
            got = "an empty list" if value == [] else _json_type(value)
            raise FilterError(f"{where} for {operator.name!r} must be a non-empty list, e.g. [200,201], got {got}")
        return frozenset(_scalar(item, f"{where}[{i}]", field, kind) for i, item in enumerate(value))
    if kind is Kind.ARRAY:
        element = Kind.NUMBER if field.type in ("array[int]", "array[float]") else Kind.STRING
        return _scalar(value, where, field, element)
    return _scalar(value, where, field, kind)


def _scalar(value: Any, where: str, field: Field, kind: Kind) -> Any:
    if kind is Kind.STRING:
        if isinstance(value, str):
            return value
    elif kind is Kind.BOOL:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    elif isinstance(value, str):
        # Cloudflare's own examples write numbers as strings ("value":"30").
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                pass
    wanted = {Kind.STRING: "a string", Kind.BOOL: "true or false", Kind.NUMBER: "a number (or a string holding one)"}[kind]
    raise FilterError(f"{where} must be {wanted} for {field.name} ({field.type}), got {json.dumps(value)}")


def _kind_of(field: Field) -> Kind | None:
    kind = field.type
    if kind == "string":
        return Kind.STRING
    if kind in ("int", "float", "int or string"):
        return Kind.NUMBER
    if kind == "bool":
        return Kind.BOOL
    if kind.startswith("array[") and kind != "array[object]":
        return Kind.ARRAY
    return None  # objects, array[object]


def _did_you_mean(word: str, choices: Sequence[str] | Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )
