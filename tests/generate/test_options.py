"""Output options from either wire form, and the errors Logpush would give for bad ones."""

import pytest

from hecharness.generate import OutputOptions, OutputOptionsError


def test_the_documented_migration_gives_the_same_options_from_both_forms():
    legacy = OutputOptions.from_logpull("fields=ClientIP,EdgeStartTimestamp,RayID&sample=0.1&timestamps=rfc3339&CVE-2021-44228=true")
    modern = OutputOptions.from_output_options({
        "field_names": ["ClientIP", "EdgeStartTimestamp", "RayID"], "sample_rate": 0.1,
        "timestamp_format": "rfc3339", "CVE-2021-44228": True,
    })
    assert legacy == modern == OutputOptions(("ClientIP", "EdgeStartTimestamp", "RayID"), timestamp_format="rfc3339",
                                             sample_rate=0.1, cve_2021_44228=True)


def test_defaults_are_ndjson_unixnano_unsampled_every_field():
    options = OutputOptions.parse(None)
    assert (options.field_names, options.output_type, options.timestamp_format, options.sample_rate) == (None, "ndjson", "unixnano", 1.0)
    assert [options.resolved(k) for k in ("record_prefix", "record_suffix", "field_delimiter")] == ["{", "}\n", ","]
    csv = OutputOptions(output_type="csv")
    assert [csv.resolved(k) for k in ("record_prefix", "record_suffix", "field_delimiter")] == ["", "\n", ","]


def test_all_selects_every_field():
    assert OutputOptions.from_logpull("fields=all").field_names is None
    assert OutputOptions.from_output_options({"field_names": ["all"]}).field_names is None


def test_logpull_options_accept_url_encoding_a_leading_question_mark_and_go_booleans():
    options = OutputOptions.from_logpull("?fields=RayID%2CClientIP&timestamps=unix&CVE-2021-44228=1&")
    assert options.field_names == ("RayID", "ClientIP") and options.timestamp_format == "unix" and options.cve_2021_44228
    assert not OutputOptions.from_logpull("CVE-2021-44228=F").cve_2021_44228


def test_a_repeated_parameter_with_the_same_value_is_fine():
    # IBM's own SDK fixtures repeat timestamps=rfc3339.
    assert OutputOptions.from_logpull("timestamps=rfc3339&timestamps=rfc3339").timestamp_format == "rfc3339"


def test_null_values_in_output_options_mean_defaults():
    options = OutputOptions.from_output_options({"field_names": None, "record_prefix": None, "sample_rate": None, "CVE-2021-44228": None})
    assert options == OutputOptions()


def test_output_options_round_trip():
    options = OutputOptions(("RayID",), output_type="csv", batch_prefix="RayID\n", record_template=None, sample_rate=0.5)
    assert OutputOptions.from_output_options(options.to_output_options()) == options


def test_a_job_uses_output_options_over_logpull_options():
    job = {"logpull_options": "fields=RayID&timestamps=unix", "output_options": {"field_names": ["ClientIP"]}}
    assert OutputOptions.from_job(job).field_names == ("ClientIP",)
    assert OutputOptions.from_job({"logpull_options": "fields=RayID"}).field_names == ("RayID",)
    assert OutputOptions.from_job({"logpull_options": None, "output_options": None}) == OutputOptions()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fields=RayID&timestamp=unix", "logpull_options: unknown parameter 'timestamp' (did you mean 'timestamps'?)"),
        ("start=2020-01-01", "logpull_options: unknown parameter 'start' (known: fields, timestamps, sample, CVE-2021-44228)"),
        ("fields", "logpull_options: 'fields' is not key=value"),
        ("fields=", "fields: empty field name in ''"),
        ("fields=RayID,,ClientIP", "fields: empty field name in 'RayID,,ClientIP'"),
        ("timestamps=iso8601", "timestamps: 'iso8601' is not one of unixnano, unix, rfc3339, rfc3339ms, rfc3339ns"),
        ("sample=0", "sample: '0' is out of range; it must be greater than 0 and at most 1"),
        ("sample=1.5", "sample: '1.5' is out of range; it must be greater than 0 and at most 1"),
        ("sample=ten", "sample: 'ten' is not a number"),
        ("CVE-2021-44228=yes", "CVE-2021-44228: 'yes' is not true or false"),
        ("timestamps=unix&timestamps=rfc3339", "logpull_options: timestamps given twice ('unix' and 'rfc3339')"),
    ],
)
def test_bad_logpull_options(query, message):
    with pytest.raises(OutputOptionsError) as caught:
        OutputOptions.from_logpull(query)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fields": ["RayID"]}, "output_options: unknown key 'fields' (did you mean 'field_names'?)"),
        ({"cve_2021_44228": True}, "output_options: unknown key 'cve_2021_44228'"),
        ({"field_names": "RayID,ClientIP"}, "field_names: expected a list of field names, got 'RayID,ClientIP'"),
        ({"field_names": ["RayID", 7]}, "field_names: expected a list of field names, got ['RayID', 7]"),
        ({"field_names": []}, "field_names: at least one field is required"),
        ({"output_type": "json"}, "output_type: 'json' is not one of ndjson, csv"),
        ({"timestamp_format": "RFC3339"}, "timestamp_format: 'RFC3339' is not one of unixnano, unix, rfc3339, rfc3339ms, rfc3339ns"),
        ({"sample_rate": 0}, "sample_rate: 0 is out of range; it must be greater than 0 and at most 1"),
        ({"sample_rate": -0.5}, "sample_rate: -0.5 is out of range"),
        ({"sample_rate": "0.5"}, "sample_rate: expected a number, got '0.5'"),
        ({"sample_rate": True}, "sample_rate: expected a number, got True"),
        ({"CVE-2021-44228": "true"}, "CVE-2021-44228: expected true or false, got 'true'"),
        ({"record_prefix": 1}, "record_prefix: expected a string, got 1"),
        ({"record_template": "{{ if .RayID }}x{{ end }}"}, "record_template: only {{ .Field }}, string constants and comments are allowed"),
        (["field_names"], "output_options: expected an object, got ['field_names']"),
    ],
)
def test_bad_output_options(options, message):
    with pytest.raises(OutputOptionsError) as caught:
        OutputOptions.from_output_options(options)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        OutputOptions.parse("sample=2")
