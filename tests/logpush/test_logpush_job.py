"""The job object: API shape, defaults, documented ranges, datasets and aliases, updates, the envelope."""

from __future__ import annotations

import json

import pytest

from hecharness.logpush import ApiError, DestinationError, JobError, LogpushJob, envelope, rfc3339
from hecharness.logpush.job import UploadLimits

TOKEN = "e6d94e8c-5792-4ad1-be3c-29bcaee0197d"
CONF = (
    "splunk://splunk.example.com:8088/services/collector/raw?channel=f1aafa4f-684f-4c29-a040-7fe184b03712"
    f"&insecure-skip-verify=false&sourcetype=cloudflare:json&header_Authorization=Splunk%20{TOKEN}"
)
API_FIELDS = [
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
]


def job(**fields) -> LogpushJob:
    fields.setdefault("destination_conf", CONF)
    return LogpushJob(**fields)


def refused(**fields) -> JobError:
    with pytest.raises(JobError) as caught:
        job(**fields)
    assert "\n" not in str(caught.value)
    return caught.value


# --- shape and defaults -----------------------------------------------------------------------------


def test_new_job_has_the_documented_defaults():
    created = job(name="example.com")

    assert created.to_api() == {
        "id": created.id,
        "name": "example.com",
        "dataset": "http_requests",
        "enabled": False,
        "logpull_options": None,
        "output_options": None,
        "destination_conf": CONF,
        "max_upload_bytes": 0,
        "max_upload_records": 100_000,
        "max_upload_interval_seconds": 30,
        "frequency": "high",
        "last_complete": None,
        "last_error": None,
        "error_message": None,
    }


def test_api_fields_come_in_the_api_order_and_serialise_to_json():
    body = job(output_options={"field_names": ["RayID"], "timestamp_format": "rfc3339"}).to_api()

    assert list(body) == API_FIELDS
    assert json.loads(json.dumps(body)) == body


def test_ids_are_unique_and_positive():
    first, second = job(), job()

    assert first.id >= 1 and second.id >= 1
    assert first.id != second.id


def test_job_exposes_its_parsed_destination():
    assert job().destination.token == TOKEN


def test_repr_masks_the_token():
    assert TOKEN not in repr(job())
    assert "e6d9****" in repr(job())


def test_to_api_echoes_the_conf_unless_asked_to_mask_it():
    created = job()

    assert created.to_api()["destination_conf"] == CONF
    assert TOKEN not in created.to_api(mask=True)["destination_conf"]


def test_upload_limits_replace_switched_off_settings_with_logpush_defaults():
    assert job(max_upload_records=0, max_upload_interval_seconds=0).upload_limits == UploadLimits(
        max_bytes=None, max_records=100_000, max_interval_seconds=30
    )
    assert job(max_upload_bytes=5_000_000, max_upload_records=1_000, max_upload_interval_seconds=300).upload_limits == (
        UploadLimits(max_bytes=5_000_000, max_records=1_000, max_interval_seconds=300)
    )


# --- ranges -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("max_upload_bytes", 5_000_000, 1_000_000_000),
        ("max_upload_records", 1_000, 1_000_000),
        ("max_upload_interval_seconds", 30, 300),
    ],
)
def test_batch_limits_accept_zero_and_their_documented_bounds(name, low, high):
    for value in (0, low, high):
        assert getattr(job(**{name: value}), name) == value


@pytest.mark.parametrize(
    ("name", "value", "shown_range"),
    [
        ("max_upload_bytes", 4_999_999, "5,000,000 and 1,000,000,000"),
        ("max_upload_bytes", 1_000_000_001, "5,000,000 and 1,000,000,000"),
        ("max_upload_records", 999, "1,000 and 1,000,000"),
        ("max_upload_records", 1_000_001, "1,000 and 1,000,000"),
        ("max_upload_interval_seconds", 29, "30 and 300"),
        ("max_upload_interval_seconds", 301, "30 and 300"),
        ("max_upload_interval_seconds", -1, "30 and 300"),
    ],
)
def test_batch_limits_outside_their_range_are_refused(name, value, shown_range):
    error = refused(**{name: value})

    assert error.field == name
    assert name in str(error) and shown_range in str(error) and str(value) in str(error)
    assert "0 (off)" in str(error)


@pytest.mark.parametrize("value", ["100000", 1.5, True, None])
def test_batch_limits_must_be_integers(value):
    assert refused(max_upload_records=value).field == "max_upload_records"


@pytest.mark.parametrize("value", ["high", "low", "HIGH", None])
def test_frequency_is_high_or_low_or_null(value):
    assert job(frequency=value).frequency == (value.lower() if value else None)


def test_bad_frequency():
    error = refused(frequency="medium")

    assert error.field == "frequency"
    assert "'medium'" in str(error) and "high or low" in str(error)


def test_enabled_must_be_a_boolean():
    error = refused(enabled="true")

    assert error.field == "enabled"
    assert "'true'" in str(error)


def test_name_must_be_a_string():
    assert refused(name=42).field == "name"


def test_id_must_be_positive():
    error = refused(id=0)

    assert error.field == "id"
    assert "0" in str(error)


def test_output_options_must_be_an_object_and_are_checked():
    options = {"output_type": "csv", "field_names": ["RayID", "ClientIP"]}

    assert job(output_options=options).output_options == options
    assert refused(output_options="fields=RayID").field == "output_options"
    error = refused(output_options={"output_type": "csv", "anything": 1})
    assert error.field == "output_options" and "unknown key 'anything'" in str(error)


def test_options_name_unknown_fields_and_bad_values():
    assert "unknown field 'Nope' for http_requests" in str(refused(logpull_options="fields=RayID,Nope"))
    assert "'weird' is not one of unixnano" in str(refused(output_options={"timestamp_format": "weird"}))
    assert "out of range" in str(refused(logpull_options="sample=2"))


def test_logpull_options_is_an_opaque_string():
    assert job(logpull_options="fields=RayID&timestamps=rfc3339").logpull_options == "fields=RayID&timestamps=rfc3339"
    assert refused(logpull_options=["fields=RayID"]).field == "logpull_options"


# --- datasets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dataset", ["http_requests", "spectrum_events", "firewall_events", "dns_logs", "network_analytics_logs"]
)
def test_known_datasets(dataset):
    assert job(dataset=dataset).dataset == dataset


@pytest.mark.parametrize(("dataset", "field"), [("gateway_dns", "QueryName"), ("audit_logs_v2", "ActionTimestamp"), ("nel_reports", "Phase")])
def test_datasets_generated_from_their_field_lists_are_known_too(dataset, field):
    assert job(dataset=dataset, output_options={"field_names": [field]}).dataset == dataset


def test_a_field_of_another_dataset_is_refused_for_a_listed_dataset():
    error = refused(dataset="gateway_dns", output_options={"field_names": ["RayID"]})

    assert error.field == "output_options" and "unknown field 'RayID' for gateway_dns" in str(error)


def test_ibm_range_events_is_spectrum_events():
    assert job(dataset="range_events").dataset == "spectrum_events"


def test_unknown_dataset_lists_the_choices():
    error = refused(dataset="http_request")

    assert error.field == "dataset"
    assert "'http_request'" in str(error) and "http_requests" in str(error) and "range_events" in str(error)


# --- destination ------------------------------------------------------------------------------------


def test_bad_destination_is_a_job_error_carrying_the_destination_error():
    error = refused(destination_conf=CONF.replace(":8088", ":9999"))

    assert error.field == "destination_conf"
    assert "9999" in str(error)
    assert isinstance(error.__cause__, DestinationError)
    assert error.__cause__.part == "port"


def test_any_port_policy_reaches_the_destination_parser():
    assert job(destination_conf=CONF.replace(":8088", ":9999"), any_port=True).destination.port == 9999


def test_destination_conf_is_required_and_a_string():
    with pytest.raises(TypeError):
        LogpushJob()  # type: ignore[call-arg]
    assert refused(destination_conf=None).field == "destination_conf"


# --- status fields ----------------------------------------------------------------------------------


def test_time_fields_are_rfc3339_or_null():
    created = job(last_complete="2018-07-23T10:01:00Z", last_error="2022-01-15T16:33:31.834209Z")

    assert created.last_complete == "2018-07-23T10:01:00Z"
    assert created.failing


@pytest.mark.parametrize("value", ["yesterday", "2018-07-23", "2018-07-23T10:01:00", 1532340060])
def test_time_fields_refuse_other_values(value):
    error = refused(last_complete=value)

    assert error.field == "last_complete"
    assert "RFC 3339" in str(error)


def test_failure_then_success_follows_the_schema_texts():
    failing = job().failed(at=1_532_340_000, message="error uploading")

    assert (failing.last_error, failing.error_message, failing.failing) == (
        "2018-07-23T10:00:00Z",
        "error uploading",
        True,
    )

    recovered = failing.succeeded(through=1_532_340_060)

    assert (recovered.last_complete, recovered.last_error, recovered.error_message) == (
        "2018-07-23T10:01:00Z",
        None,
        None,
    )
    assert not recovered.failing


def test_rfc3339_is_utc_whole_seconds():
    assert rfc3339(1_532_340_060.9) == "2018-07-23T10:01:00Z"


# --- updates ----------------------------------------------------------------------------------------


def test_update_returns_a_checked_copy_and_leaves_the_job_alone():
    created = job()

    enabled = created.update(enabled=True, max_upload_records=5_000)

    assert (enabled.enabled, enabled.max_upload_records, enabled.id) == (True, 5_000, created.id)
    assert (created.enabled, created.max_upload_records) == (False, 100_000)


def test_update_enforces_the_same_ranges():
    with pytest.raises(JobError) as caught:
        job().update(max_upload_interval_seconds=600)

    assert caught.value.field == "max_upload_interval_seconds"


def test_repointing_reparses_the_destination():
    moved = job().update(destination_conf=CONF.replace("splunk.example.com", "other.example.com"))

    assert moved.destination.host == "other.example.com"


def test_dataset_cannot_change_after_creation():
    with pytest.raises(JobError) as caught:
        job().update(dataset="dns_logs")

    assert caught.value.field == "dataset"
    assert "http_requests" in str(caught.value)


def test_dataset_update_to_the_same_dataset_by_its_alias_is_fine():
    assert job(dataset="spectrum_events").update(dataset="range_events").dataset == "spectrum_events"


@pytest.mark.parametrize("name", ["id", "last_complete", "last_error", "error_message"])
def test_read_only_fields_cannot_be_updated(name):
    with pytest.raises(JobError) as caught:
        job().update(**{name: None})

    assert caught.value.field == name
    assert "cannot be updated" in str(caught.value)


def test_unknown_fields_cannot_be_updated():
    with pytest.raises(JobError) as caught:
        job().update(kind="edge")

    assert caught.value.field == "kind"


# --- API JSON in and out ----------------------------------------------------------------------------


def test_from_api_round_trips():
    created = job(name="example.com", enabled=True, output_options={"timestamp_format": "rfc3339"})

    assert LogpushJob.from_api(created.to_api()) == created


def test_from_api_reads_ibm_sdk_mock_response():
    ibm = {
        "id": 5850,
        "name": "My log push job",
        "enabled": False,
        "dataset": "firewall_events",
        "frequency": "high",
        "logpull_options": "timestamps=rfc3339&timestamps=rfc3339",
        "destination_conf": CONF,
        "last_complete": "2022-01-15T16:33:31.834209Z",
        "last_error": "2022-01-15T16:33:31.834209Z",
        "error_message": "ErrorMessage",
    }

    read = LogpushJob.from_api(ibm)

    assert (read.id, read.dataset, read.error_message) == (5850, "firewall_events", "ErrorMessage")
    assert read.max_upload_records == 100_000


def test_from_api_treats_null_batch_limits_as_unset():
    body = {"destination_conf": CONF, "max_upload_bytes": None, "max_upload_records": None}

    assert LogpushJob.from_api(body).upload_limits.max_records == 100_000


def test_from_api_refuses_unknown_fields_and_a_missing_destination():
    with pytest.raises(JobError) as unknown:
        LogpushJob.from_api({"destination_conf": CONF, "ownership_challenge": "x"})
    with pytest.raises(JobError) as missing:
        LogpushJob.from_api({"dataset": "http_requests"})

    assert unknown.value.field == "ownership_challenge"
    assert missing.value.field == "destination_conf"


def test_ibm_flavor_uses_range_events_and_drops_fields_ibm_lacks():
    body = job(dataset="spectrum_events").to_api("ibm")

    assert body["dataset"] == "range_events"
    assert not {"output_options", "max_upload_bytes", "max_upload_records", "max_upload_interval_seconds"} & set(body)
    assert body["frequency"] == "high"


def test_ibm_flavor_has_no_network_analytics_logs():
    with pytest.raises(JobError) as caught:
        job(dataset="network_analytics_logs").to_api("ibm")

    assert caught.value.field == "dataset"


# --- envelope ---------------------------------------------------------------------------------------


def test_success_envelope():
    result = job().to_api()

    assert envelope(result) == {"errors": [], "messages": [], "result": result, "success": True}


def test_validation_failure_envelope_carries_the_cause():
    error = ApiError.validating_destination("error writing object: DNSError")

    assert envelope(errors=[error]) == {
        "errors": [{"code": 1002, "message": "error validating destination: error writing object: DNSError"}],
        "messages": [],
        "result": None,
        "success": False,
    }


def test_envelope_turns_job_errors_into_api_errors():
    with pytest.raises(JobError) as caught:
        job(max_upload_records=5)

    body = envelope(errors=[caught.value])

    assert body["success"] is False
    assert body["errors"] == [{"code": 1002, "message": str(caught.value)}]


def test_envelope_refuses_things_that_are_not_errors():
    with pytest.raises(TypeError):
        envelope(errors=["oops"])  # type: ignore[list-item]
