"""Every text a user can hand the harness either parses or gets one line naming the bad part.

destination_conf, logpull_options and output_options (alone and inside a job), fault specs (strings,
objects, TOML and JSON plans) and the TOML config are fed generated input: random text, and good
input with exactly one part made bad. A bad part must be named (by the error's `part`/`field`, or in
its message), the message must be one line, and nothing but the parser's own error may escape.
The same holds on the command line: a usage error, never a traceback.
"""

from __future__ import annotations

import json
import math
import string
import uuid
from datetime import date, datetime, time
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from hecharness.cli import main
from hecharness.faults import FaultSpecError, load_plan, parse_fault
from hecharness.generate import OutputOptions
from hecharness.generate.errors import OutputOptionsError
from hecharness.hec.config import ConfigError, parse_config
from hecharness.logpush import JobError, LogpushJob
from hecharness.destination import DestinationError, parse_destination

bounded = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
CHANNEL = "11111111-2222-4333-8444-555555555555"


def one_line(error: BaseException) -> str:
    message = str(error)
    assert message and len(message.splitlines()) == 1, f"not one line: {message!r}"
    assert "Traceback" not in message
    return message


# Values of every type JSON and TOML can carry, including the awkward ones.
scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70) | st.floats()
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
)
toml_scalars = scalars.filter(lambda v: v is not None) | st.dates() | st.times() | st.datetimes()
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
toml_junk = st.recursive(toml_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("abc_-", min_size=1, max_size=6), inner, max_size=3), max_leaves=6)


def toml_value(value) -> str:
    """A value as TOML source (inline tables and arrays for the nested ones)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


# -- destination_conf --------------------------------------------------------------------------------

# Junk for one part, from characters that keep the URL's structure (no '/', '?', '&', '#').
# Brackets are left out: '[' anywhere in the authority reads as a broken IPv6 host, which is the host's fault.
part_junk = st.text(string.ascii_letters + string.digits + "-._~!$'()*+,;:@% ", min_size=0, max_size=30)
DESTINATION_PARTS = ("host", "port", "channel", "insecure-skip-verify", "sourcetype", "header_Authorization")


@bounded
@given(st.sampled_from(DESTINATION_PARTS), part_junk)
def test_a_destination_with_one_bad_part_is_refused_naming_that_part(part, bad):
    values = {
        "host": "hec.example.com", "port": "8088", "channel": CHANNEL, "insecure-skip-verify": "false",
        "sourcetype": "cloudflare:json", "header_Authorization": quote("Splunk 0aa7e2a5-token", safe=""),
    }
    values[part] = bad
    query = "&".join(f"{key}={values[key]}" for key in ("channel", "insecure-skip-verify", "sourcetype", "header_Authorization"))
    conf = f"splunk://{values['host']}:{values['port']}/services/collector/raw?{query}"
    try:
        parse_destination(conf)
    except DestinationError as error:
        one_line(error)
        if not set(bad) & set(" %@:"):
            # Spaces, escapes, '@' and ':' can move the URL's boundaries (a ':' in the host makes what
            # follows a port); any other bad part must be named.
            assert error.part == part, f"{conf!r}: {error.part}: {error}"


@bounded
@given(st.text(max_size=120), st.booleans(), st.booleans())
def test_any_text_is_a_destination_or_a_one_line_error(conf, any_port, allow_http):
    try:
        parse_destination(conf, any_port=any_port, allow_http=allow_http)
    except DestinationError as error:
        one_line(error)
        assert error.part


# -- logpull_options, output_options, whole jobs -------------------------------------------------------

LOGPULL_KEYS = ["fields", "timestamps", "sample", "CVE-2021-44228", "field", "timestamp", "sample_rate", "x"]


@bounded
@given(st.lists(st.tuples(st.sampled_from(LOGPULL_KEYS), st.text(max_size=20)), max_size=5), st.booleans())
def test_logpull_options_parse_or_name_the_bad_parameter(pairs, encode):
    query = "&".join(f"{k}={quote(v, safe=',') if encode else v}" for k, v in pairs)
    try:
        OutputOptions.parse(query)
    except OutputOptionsError as error:
        message = one_line(error)
        assert message.startswith("logpull_options:") or any(message.startswith(f"{k}:") for k, _ in pairs), message


OUTPUT_KEYS = [
    "field_names", "output_type", "batch_prefix", "batch_suffix", "record_prefix", "record_suffix",
    "record_delimiter", "field_delimiter", "record_template", "timestamp_format", "sample_rate", "CVE-2021-44228",
]


@bounded
@given(st.sampled_from(OUTPUT_KEYS + ["unknown_key", "fieldnames"]), junk)
def test_output_options_with_one_odd_value_parse_or_name_it(key, value):
    try:
        OutputOptions.parse({"field_names": ["RayID"], key: value})
    except OutputOptionsError as error:
        message = one_line(error)
        named = "CVE-2021-44228" if key == "CVE-2021-44228" else key
        assert message.startswith(f"{named}:") or repr(key) in message or message.startswith("output_options:"), message


JOB_FIELDS = [
    "name", "dataset", "enabled", "logpull_options", "output_options", "max_upload_bytes", "max_upload_records",
    "max_upload_interval_seconds", "frequency", "last_complete", "last_error", "error_message", "id", "unknown",
]


@bounded
@given(st.sampled_from(JOB_FIELDS), junk | st.text(max_size=40))
def test_a_job_with_one_odd_field_is_made_or_refused_naming_the_field(field, value):
    body = {"destination_conf": f"splunk://hec.example.com:8088/services/collector/raw?channel={CHANNEL}&header_Authorization=Splunk%20t", field: value}
    try:
        LogpushJob.from_api(body)
    except JobError as error:
        one_line(error)
        assert error.field == field, f"{field}={value!r}: {error.field}: {error}"


# -- fault specs, objects and plans --------------------------------------------------------------------

FAULT_WORDS = [
    "error:9", "error:99", "error:", "status:502", "status:99", "partial:5", "partial:x", "delay:2", "delay:1..3",
    "delay:3..1", "delay:normal:2,0.5", "delay:nan", "slow-body:10", "reset", "reset:after-body", "reset:x", "close",
    "close:1", "hang", "hang:30", "tls-abort", "ack:never", "ack:lost", "ack:30", "ack:x", "ok", "nope",
]
FAULT_KEYS = [
    "first", "every", "probability", "seed", "window", "from", "path", "token", "channel", "sourcetype", "header",
    "retry_after", "body", "content_type", "reply_header", "code", "name", "sequence", "unknown",
]
spec_values = st.sampled_from(["3", "0", "-1", "x", "0.5", "1e400", "inf", "nan", "60..360", "5..1", "raw", "/x", "X-F:v", "", "first-request", "a b", '"q', "9", "error:9,ok"]) | st.text(max_size=8)


@st.composite
def fault_specs(draw) -> str:
    words = [draw(st.sampled_from(FAULT_WORDS))] if draw(st.integers(0, 5)) else []
    for _ in range(draw(st.integers(0, 4))):
        words.append(f"{draw(st.sampled_from(FAULT_KEYS))}={draw(spec_values)}")
    draw(st.randoms()).shuffle(words)
    return " ".join(words)


@bounded
@given(fault_specs() | st.text(max_size=40))
def test_fault_spec_strings_parse_or_get_one_line(spec):
    try:
        parse_fault(spec)
    except FaultSpecError as error:
        one_line(error)


@bounded
@given(st.sampled_from(FAULT_KEYS + ["action"]), toml_junk)
def test_fault_objects_with_one_odd_value_parse_or_name_it(key, value):
    base = {"action": "error:9"} if key not in ("action", "sequence") else {}
    if key == "code":
        base = {"action": "partial:3"}
    if key in ("body", "content_type"):
        base = {"action": "status:502"}
    try:
        parse_fault({**base, key: value})
    except FaultSpecError as error:
        message = one_line(error)
        words = {key, key.replace("_", "-"), "fault", "sequence", "action", "reply settings", "status:"}
        assert any(word in message for word in words), f"{key}={value!r}: {message}"


@bounded
@given(st.sampled_from(FAULT_KEYS + ["action"]), toml_junk, st.booleans())
def test_fault_plans_parse_or_name_the_file_fault_and_setting(tmp_path_factory, key, value, as_json):
    folder = tmp_path_factory.mktemp("plans", numbered=True)
    entry = {"action": "error:9"} if key not in ("action", "sequence") else {}
    entry[key] = value
    if as_json:
        try:
            text = json.dumps({"faults": [entry]}, default=str, allow_nan=True)
        except ValueError:
            assume(False)
        path = folder / "plan.json"
    else:
        text = "[[faults]]\n" + "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in entry.items())
        path = folder / "plan.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_plan(path)
    except FaultSpecError as error:
        message = one_line(error)
        assert str(path) in message, message
        assert "does not parse" in message or "fault 1:" in message, message


@bounded
@given(st.text(max_size=200))
def test_any_text_as_a_plan_parses_or_gets_one_line(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("plans", numbered=True) / "plan.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass") if False else path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_plan(path)
    except FaultSpecError as error:
        one_line(error)


# -- the TOML config ---------------------------------------------------------------------------------

SETTING_KEYS = ["max_content_length", "max_event_size", "raw_split", "max_events", "max_requests", "count_only", "health", "flavor", "ack_delay", "unknown"]
TOKEN_KEYS = ["value", "name", "enabled", "ack", "query_auth", "indexes", "default_index", "default_source", "default_sourcetype", "unknown"]


@bounded
@given(st.sampled_from(SETTING_KEYS + [f"tokens.{k}" for k in TOKEN_KEYS]), toml_junk)
@example("ack_delay", float("nan"))
@example("tokens.indexes", False)
@example("max_events", float("inf"))
def test_a_config_with_one_odd_value_loads_or_names_the_key(key, value):
    settings_lines = {"max_events": "1000", "raw_split": '"line"'}
    token = {"value": '"00000000-0000-0000-0000-000000000001"', "name": '"logpush"'}
    if key.startswith("tokens."):
        token[key.removeprefix("tokens.")] = toml_value(value)
    else:
        settings_lines[key] = toml_value(value)
    text = "".join(f"{k} = {v}\n" for k, v in settings_lines.items())
    text += "[[tokens]]\n" + "".join(f"{k} = {v}\n" for k, v in token.items())
    try:
        config = parse_config(text, source="hec.toml")
    except ConfigError as error:
        message = one_line(error)
        assert message.startswith("hec.toml: "), message
        name = key.removeprefix("tokens.")
        assert name in message or "not valid TOML" in message, f"{key}={value!r}: {message}"
    else:
        # What loads is usable: the settings round-trip and every number is a real one.
        values = config.settings.to_dict()
        assert all(not (isinstance(v, float) and math.isnan(v)) for v in values.values()), values


@bounded
@given(st.text(max_size=300))
def test_any_text_as_a_config_loads_or_gets_one_line(text):
    try:
        parse_config(text, source="hec.toml")
    except ConfigError as error:
        assert one_line(error).startswith("hec.toml: ")


# -- the command line --------------------------------------------------------------------------------


def usage_error(result) -> str:
    """Click's usage error: exit 2, the message on the last line, no traceback anywhere."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: "), result.output
    return last


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fault_specs())
def test_serve_refuses_a_bad_fault_with_a_usage_error(spec):
    try:
        parse_fault(spec)
    except FaultSpecError:
        pass
    else:
        assume(False)  # a good spec would start a server
    usage_error(CliRunner().invoke(main, ["serve", "--port", "0", "--fault", spec]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SETTING_KEYS), toml_junk)
def test_serve_refuses_a_bad_config_with_a_usage_error(tmp_path_factory, key, value):
    path = tmp_path_factory.mktemp("config", numbered=True) / "hec.toml"
    path.write_text(f"{key} = {toml_value(value)}\n", encoding="utf-8")
    try:
        parse_config(path.read_text(), source=str(path))
    except ConfigError:
        pass
    else:
        assume(False)
    last = usage_error(CliRunner().invoke(main, ["serve", "--port", "0", "--config", str(path)]))
    assert str(path) in last


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DESTINATION_PARTS), part_junk, st.sampled_from(["", "fields=Nope", "fields=", "sample=2", "timestamps=x", "x=1"]))
def test_push_refuses_bad_destinations_and_options_with_a_usage_error(part, bad, logpull):
    conf = f"splunk://hec.example.com:8088/services/collector/raw?channel={CHANNEL}&header_Authorization=Splunk%20t"
    conf = conf.replace(CHANNEL, bad) if part == "channel" else conf.replace("hec.example.com", bad or "x y")
    try:
        LogpushJob.from_api({"destination_conf": conf, "logpull_options": logpull or None})
    except JobError:
        pass
    else:
        assume(False)  # a good job would try to push
    args = ["push", "--destination-conf", conf, "--count", "1", "--quiet"]
    if logpull:
        args += ["--logpull-options", logpull]
    usage_error(CliRunner().invoke(main, args))


def test_uuid_channels_in_the_fuzz_are_guids():
    # The destination fuzz builds on CHANNEL being a GUID Logpush accepts.
    assert str(uuid.UUID(CHANNEL)) == CHANNEL
