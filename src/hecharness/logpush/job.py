"""The Logpush job object, shaped like Cloudflare's API, and the `{errors, messages, result, success}` envelope.

A job is a value: `update()`, `succeeded()` and `failed()` return a new, re-validated job and leave the old
one untouched. A refused change therefore costs nothing to undo, which matters because creating or
re-pointing a job is only final once the destination has accepted the validation probe.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from hecharness.destination import Destination, DestinationError, parse_destination
from hecharness.errors import HecHarnessError
from hecharness.generate import DATASET_NAMES, Encoder, GenerateError, OutputOptions, attack_mark, dataset_names, get_dataset
from hecharness.logpush.filters import FilterError, JobFilter, parse_filter

__all__ = [
    "ApiFlavor",
    "ApiError",
    "DATASETS",
    "DATASET_ALIASES",
    "JobError",
    "JobKind",
    "LogpushJob",
    "UploadLimits",
    "envelope",
    "rfc3339",
]

# Every dataset the generator has; one added from a field list (generate.add_field_list) is taken as well.
DATASETS = DATASET_NAMES
# IBM CIS calls Spectrum "Range"; its API takes and returns `range_events` for the same dataset.
DATASET_ALIASES = {"range_events": "spectrum_events"}
_IBM_DATASETS = ("http_requests", "spectrum_events", "firewall_events", "dns_logs")

# (low, high) for each batch limit; 0 switches the limit off. Cloudflare's docs and SDKs give the
# ranges; the provider's validators show the megabytes and gigabytes are decimal.
UPLOAD_RANGES = {
    "max_upload_bytes": (5_000_000, 1_000_000_000),
    "max_upload_records": (1_000, 1_000_000),
    "max_upload_interval_seconds": (30, 300),
}
# Logpush's internal defaults when a limit is unset or off: "30s, 100k records".
DEFAULT_MAX_UPLOAD_RECORDS = 100_000
DEFAULT_MAX_UPLOAD_INTERVAL_SECONDS = 30
FREQUENCIES = ("high", "low")

# The code Cloudflare answers with (HTTP 400) when a destination fails validation:
# {"code":1002,"message":"error validating destination: error writing object: DNSError"}.
BAD_REQUEST_CODE = 1002

_READ_ONLY = frozenset({"id", "last_complete", "last_error", "error_message"})
_API_FIELDS = (
    "id",
    "name",
    "dataset",
    "enabled",
    "logpull_options",
    "output_options",
    "destination_conf",
    "max_upload_bytes",
    "max_upload_records",
    "max_upload_interval_seconds",
    "frequency",
    "last_complete",
    "last_error",
    "error_message",
)
# Newer options, echoed only when a job uses them, so a job that does not reads as it always did.
_OPTIONAL_FIELDS = ("filter", "kind", "filter_attack_traffic", "merge_subrequests")
_IBM_DROPS = frozenset(
    {"output_options", "max_upload_bytes", "max_upload_records", "max_upload_interval_seconds", *_OPTIONAL_FIELDS}
)
# Not available for jobs with `edge` as their kind (Terraform provider schema).
_NOT_FOR_EDGE = ("max_upload_bytes", "max_upload_records")

_job_ids = itertools.count(1)


class ApiFlavor(StrEnum):
    """Whose Logpush API a job's JSON is shaped for."""

    CLOUDFLARE = "cloudflare"
    IBM = "ibm"  # IBM CIS resells Logpush with its own dataset names and fewer fields


class JobKind(StrEnum):
    """A job's `kind`: a Logpush job, or an Edge Log Delivery job (`http_requests` only, set at creation)."""

    LOGPUSH = ""
    EDGE = "edge"


class JobError(HecHarnessError, ValueError):
    """A job field Logpush would refuse; `field` names it and the message gives the allowed values."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ApiError:
    """One item of the envelope's `errors` list, in Cloudflare's v4 shape."""

    code: int
    message: str

    @classmethod
    def validating_destination(cls, cause: str) -> ApiError:
        """The refusal of a destination whose validation probe failed; `cause` carries the underlying error."""
        return cls(BAD_REQUEST_CODE, f"error validating destination: {cause}")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class UploadLimits:
    """The batch limits in force: a job's settings with the switched-off ones replaced by Logpush's defaults."""

    max_bytes: int | None
    max_records: int
    max_interval_seconds: int


@dataclass(frozen=True, kw_only=True, repr=False)
class LogpushJob:
    """A Logpush job as the API returns it, with Cloudflare's ranges and defaults enforced.

    `destination` holds the parsed `destination_conf` and `parsed_filter` the checked `filter` (None
    without one). `any_port` lifts the Splunk 443/8088 port rule for this job; it is a harness policy,
    not an API field, so it never appears in `to_api()`.
    `repr()` masks the token, so a job can be logged.
    """

    destination_conf: str
    id: int = field(default_factory=lambda: next(_job_ids))
    name: str | None = None
    dataset: str = "http_requests"
    enabled: bool = False
    logpull_options: str | None = None
    output_options: dict[str, Any] | None = None
    max_upload_bytes: int = 0
    max_upload_records: int = DEFAULT_MAX_UPLOAD_RECORDS
    max_upload_interval_seconds: int = DEFAULT_MAX_UPLOAD_INTERVAL_SECONDS
    frequency: str | None = "high"
    last_complete: str | None = None
    last_error: str | None = None
    error_message: str | None = None
    filter: str | None = None
    kind: str = JobKind.LOGPUSH.value
    filter_attack_traffic: bool = False
    # Top level here, in output_options in the generated API reference: either turns merging on.
    merge_subrequests: bool | None = None
    any_port: bool = field(default=False, repr=False, compare=False)
    allow_http: bool = field(default=False, repr=False, compare=False)
    # Whose job it is: a zone's, or an account's (firewall_events since June 2026). The API has it
    # in the path (/zones/{id}/logpush/jobs, /accounts/{id}/...), not in the body; None is the dataset's own.
    scope: str | None = field(default=None, compare=False)
    destination: Destination = field(init=False, repr=False, compare=False)
    parsed_filter: JobFilter | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, int) or self.id < 1:
            raise JobError("id", f"id must be a positive integer, got {self.id!r}")
        _require_optional_str("name", self.name)
        self._set("dataset", _dataset_of(self.dataset))
        self._set("scope", _scope_of(self.dataset, self.scope))
        if not isinstance(self.enabled, bool):
            raise JobError("enabled", f"enabled must be true or false, got {self.enabled!r}")
        _require_optional_str("logpull_options", self.logpull_options)
        if self.output_options is not None:
            if not isinstance(self.output_options, Mapping):
                raise JobError(
                    "output_options", f"output_options must be an object, got {type(self.output_options).__name__}"
                )
            self._set("output_options", dict(self.output_options))
        _check_options(self.dataset, self.logpull_options, self.output_options, self.merge_subrequests)
        for name, (low, high) in UPLOAD_RANGES.items():
            _check_range(name, getattr(self, name), low, high)
        self._set("frequency", _frequency_of(self.frequency))
        for name in ("last_complete", "last_error"):
            _check_timestamp(name, getattr(self, name))
        _require_optional_str("error_message", self.error_message)
        self._set("kind", _kind_of(self.kind, self.dataset))
        if self.kind == JobKind.EDGE:
            _check_edge_limits({name: getattr(self, name) for name in _NOT_FOR_EDGE}, defaults_allowed=True)
            # Unset, as the API has it for edge jobs; the batcher falls back to Logpush's default all the same.
            self._set("max_upload_records", 0)
        self._set("parsed_filter", _filter_of(self.filter, self.dataset))
        _check_attack_traffic(self.filter_attack_traffic, self.dataset)
        self._set("destination", _destination_of(self.destination_conf, self.any_port, self.allow_http))

    @classmethod
    def from_api(
        cls, body: Mapping[str, Any], *, any_port: bool = False, allow_http: bool = False, scope: str | None = None
    ) -> LogpushJob:
        """A job from its API JSON (as `to_api()` gives it, or from either provider's responses).

        `scope` is ``"zone"`` or ``"account"``: which API path the body was sent to.
        """
        unknown = sorted(set(body) - set(_API_FIELDS) - set(_OPTIONAL_FIELDS))
        if unknown:
            raise JobError(unknown[0], f"{unknown[0]!r} is not a Logpush job field; known: {_known_fields()}")
        if "destination_conf" not in body:
            raise JobError("destination_conf", "destination_conf is required")
        if body.get("kind") == JobKind.EDGE:
            _check_edge_limits({name: body[name] for name in _NOT_FOR_EDGE if name in body})
        # Explicit nulls for the batch limits mean "not set", which the defaults already express.
        fields = {key: value for key, value in body.items() if not (key in UPLOAD_RANGES and value is None)}
        return cls(**fields, any_port=any_port, allow_http=allow_http, scope=scope)

    def update(self, **changes: Any) -> LogpushJob:
        """A copy with `changes` applied and checked, as a PUT to the job would; `self` is left as it was.

        When `destination_conf` changes, the caller must still push the validation probe to the new
        destination (see `ApiError.validating_destination`) before it keeps the returned job.
        """
        for name, value in changes.items():
            if name not in _API_FIELDS and name not in _OPTIONAL_FIELDS:
                raise JobError(name, f"{name!r} is not a Logpush job field; known: {_known_fields()}")
            if name in _READ_ONLY:
                raise JobError(name, f"{name} is set by Logpush and cannot be updated")
            if name == "dataset" and _dataset_of(value) != self.dataset:
                raise JobError("dataset", f"dataset cannot be changed after the job is created (it is {self.dataset})")
            if name == "kind" and (value or "") != self.kind:
                raise JobError("kind", f"kind can only be set when the job is created (it is {self.kind!r})")
        if self.kind == JobKind.EDGE:
            _check_edge_limits({name: changes[name] for name in _NOT_FOR_EDGE if name in changes})
        return dataclasses.replace(self, **changes)

    def succeeded(self, through: float) -> LogpushJob:
        """After a successful push of logs up to `through` (epoch seconds): failure fields cleared."""
        return dataclasses.replace(self, last_complete=rfc3339(through), last_error=None, error_message=None)

    def failed(self, at: float, message: str) -> LogpushJob:
        """After a failed push at `at` (epoch seconds): only the latest failure is kept."""
        return dataclasses.replace(self, last_error=rfc3339(at), error_message=message)

    @property
    def failing(self) -> bool:
        """True while the last push failed and no push has succeeded since."""
        return self.last_error is not None

    def gate(self, getter: Callable[[str], Callable[[Any], Any]] | None = None) -> Callable[[Any], bool] | None:
        """Whether the job pushes a record: its `filter` holds and, with `filter_attack_traffic`, it is no attack.

        None when the job pushes every record. `getter(field)` gives a function reading that field from
        a record; records are dicts unless it says otherwise (the simulator reads the generator's plans).
        """
        read_from = getter or _dict_getter
        mark = attack_mark(self.dataset) if self.filter_attack_traffic else None
        passes = None if self.parsed_filter is None else self.parsed_filter.compile(read_from)
        if mark is None:
            return passes
        read, is_attack = read_from(mark.field), mark.test
        if passes is None:
            return lambda record: not is_attack(read(record))
        return lambda record: not is_attack(read(record)) and passes(record)

    @property
    def upload_limits(self) -> UploadLimits:
        return UploadLimits(
            max_bytes=self.max_upload_bytes or None,
            max_records=self.max_upload_records or DEFAULT_MAX_UPLOAD_RECORDS,
            max_interval_seconds=self.max_upload_interval_seconds or DEFAULT_MAX_UPLOAD_INTERVAL_SECONDS,
        )

    def to_api(self, flavor: ApiFlavor | str = ApiFlavor.CLOUDFLARE, *, mask: bool = False) -> dict[str, Any]:
        """The job as the API's JSON `result`.

        The API echoes `destination_conf` with its token; `mask=True` prints it masked instead, for reports.
        `flavor="ibm"` gives IBM CIS's shape: its dataset names and none of the fields its model lacks.
        """
        body = {name: getattr(self, name) for name in _API_FIELDS}
        body.update({name: getattr(self, name) for name in _OPTIONAL_FIELDS if getattr(self, name)})
        if mask:
            body["destination_conf"] = self.destination.canonical()
        if body["output_options"] is not None:
            body["output_options"] = dict(body["output_options"])
        if flavor == ApiFlavor.CLOUDFLARE:
            return body
        if flavor != ApiFlavor.IBM:
            raise ValueError(f"flavor must be 'cloudflare' or 'ibm', got {flavor!r}")
        if self.dataset not in _IBM_DATASETS:
            raise JobError("dataset", f"dataset {self.dataset} is not offered by IBM CIS Logpush")
        body["dataset"] = {canonical: alias for alias, canonical in DATASET_ALIASES.items()}.get(
            self.dataset, self.dataset
        )
        return {name: value for name, value in body.items() if name not in _IBM_DROPS}

    def __repr__(self) -> str:
        shown = ("id", "name", "dataset", "enabled", "frequency", "last_complete", "last_error", "error_message")
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"LogpushJob({fields}, destination={self.destination.canonical()!r})"

    def _set(self, name: str, value: Any) -> None:
        # Normalising a frozen dataclass during __post_init__ is the one place writes are allowed.
        object.__setattr__(self, name, value)


def envelope(
    result: Any = None,
    errors: Iterable[ApiError | JobError | DestinationError] = (),
    messages: Iterable[str] = (),
) -> dict[str, Any]:
    """The API's response envelope; `success` is true exactly when there are no errors.

    Exceptions are reported with the bad-request code: Cloudflare uses it for refused destinations, and
    which codes it uses for other invalid fields is not documented.
    """
    items = [_as_api_error(error).to_dict() for error in errors]
    return {"errors": items, "messages": list(messages), "result": result, "success": not items}


def rfc3339(epoch_seconds: float) -> str:
    """An epoch time in the API's format, e.g. `2018-07-23T10:01:00Z` (whole seconds, UTC)."""
    moment = datetime.fromtimestamp(int(epoch_seconds), tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_api_error(error: ApiError | JobError | DestinationError) -> ApiError:
    if isinstance(error, ApiError):
        return error
    if isinstance(error, ValueError):
        return ApiError(BAD_REQUEST_CODE, str(error))
    raise TypeError(f"envelope errors must be ApiError, JobError or DestinationError, got {type(error).__name__}")


def _dataset_of(value: Any) -> str:
    if isinstance(value, str):
        name = DATASET_ALIASES.get(value, value)
        if name in dataset_names():
            return name
    choices = ", ".join(dataset_names() + tuple(DATASET_ALIASES))
    raise JobError("dataset", f"dataset {value!r} is not one of {choices}")


def _dict_getter(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return operator.methodcaller("get", name)


def _known_fields() -> str:
    return ", ".join(_API_FIELDS + _OPTIONAL_FIELDS)


def _kind_of(value: Any, dataset: str) -> str:
    if value is None:  # the API's "omitted": a normal Logpush job
        return JobKind.LOGPUSH.value
    if not isinstance(value, str) or value not in {kind.value for kind in JobKind}:
        raise JobError("kind", f'kind must be "" (a Logpush job) or "edge" (Edge Log Delivery), got {value!r}')
    if value == JobKind.EDGE and dataset != "http_requests":
        raise JobError("kind", f"kind edge is only for the http_requests dataset, not {dataset}")
    return JobKind(value).value


def _check_edge_limits(limits: Mapping[str, Any], *, defaults_allowed: bool = False) -> None:
    """Edge jobs have no max_upload_bytes or max_upload_records; 0 or null means "not set"."""
    for name, value in limits.items():
        if value in (None, 0) or (defaults_allowed and name == "max_upload_records" and value == DEFAULT_MAX_UPLOAD_RECORDS):
            continue
        raise JobError(name, f"{name} is not available for jobs with edge as their kind; leave it out or 0")


def _filter_of(text: Any, dataset: str) -> JobFilter | None:
    try:
        return parse_filter(text, dataset)
    except FilterError as error:
        raise JobError("filter", str(error)) from None


def _check_attack_traffic(value: Any, dataset: str) -> None:
    if not isinstance(value, bool):
        raise JobError("filter_attack_traffic", f"filter_attack_traffic must be true or false, got {value!r}")
    if value and attack_mark(dataset) is None:
        raise JobError(
            "filter_attack_traffic",
            f"filter_attack_traffic is only for http_requests, firewall_events and network_analytics_logs, not {dataset}",
        )


def _scope_of(dataset: str, scope: Any) -> str:
    try:
        return get_dataset(dataset).check_scope(scope)
    except GenerateError as error:
        raise JobError("scope", str(error).removeprefix("scope: ")) from None


def _check_options(dataset: str, logpull_options: str | None, output_options: Mapping[str, Any] | None,
                   merge_subrequests: bool | None = None) -> None:
    """Both option forms go through the generator's parser and field table: one grammar, one error."""
    if merge_subrequests is not None and not isinstance(merge_subrequests, bool):
        raise JobError("merge_subrequests", f"merge_subrequests must be true or false, got {merge_subrequests!r}")
    which = "output_options" if output_options is not None else "logpull_options"
    try:
        options = OutputOptions.from_job({"logpull_options": logpull_options, "output_options": output_options})
    except GenerateError as error:
        text = str(error)
        raise JobError(which, text if text.startswith(which) else f"{which}: {text}") from None
    if merge_subrequests and dataset != "http_requests":
        raise JobError("merge_subrequests", f"merge_subrequests: only http_requests merges subrequests, not {dataset}")
    try:
        Encoder(dataset, options)
    except GenerateError as error:
        text = str(error)
        raise JobError(which, text if text.startswith(which) else f"{which}: {text}") from None


def _check_range(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not (value == 0 or low <= value <= high):
        raise JobError(name, f"{name} must be 0 (off) or between {low:,} and {high:,}, got {value!r}")


def _frequency_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.lower() in FREQUENCIES:
        return value.lower()
    raise JobError("frequency", f"frequency must be high or low, got {value!r}")


def _check_timestamp(name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, str) and "T" in value.upper():
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return
    raise JobError(name, f"{name} must be an RFC 3339 time such as 2018-07-23T10:01:00Z or null, got {value!r}")


def _require_optional_str(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise JobError(name, f"{name} must be a string or null, got {type(value).__name__}")


def _destination_of(conf: Any, any_port: bool, allow_http: bool = False) -> Destination:
    if not isinstance(conf, str):
        raise JobError("destination_conf", f"destination_conf must be a string, got {type(conf).__name__}")
    try:
        return parse_destination(conf, any_port=any_port, allow_http=allow_http)
    except DestinationError as exc:
        raise JobError("destination_conf", f"destination_conf is invalid: {exc}") from exc
