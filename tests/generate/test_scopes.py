"""Scopes: firewall_events from one zone's job, or from an account's job covering every zone."""

import collections

import pytest

from hecharness.generate import RecordSource, UnknownDatasetError, encoded_stream, get_dataset, records


def zones(**options) -> collections.Counter:
    return collections.Counter(r["ZoneName"] for r in records("firewall_events", seed=4, count=3000, **options))


def test_a_zone_job_sees_one_zone_and_an_account_job_all_of_them():
    assert get_dataset("firewall_events").scopes == ("zone", "account")
    assert len(zones()) == 1 and zones() == zones(scope="zone")
    account = zones(scope="account")
    assert len(account) == 3 and set(zones()) <= set(account)
    assert account.most_common(1)[0][1] > 3000 / 2  # the busiest zone leads, the others are there


def test_every_account_record_belongs_to_its_zone():
    for record in records("firewall_events", seed=4, count=2000, scope="account"):
        assert record["ClientRequestHost"].endswith(record["ZoneName"])


def test_scope_reaches_every_entry_point():
    fields = {"field_names": ["ZoneName"]}
    line_zones = {line for line in b"".join(encoded_stream("firewall_events", fields, seed=4, count=3000, scope="account")).splitlines()}
    assert len(line_zones) == 3
    source = RecordSource("firewall_events", seed=4, count=3000, scope="account")
    assert len({source.record(item)["ZoneName"] for _, item in source}) == 3


@pytest.mark.parametrize(("dataset", "scope", "message"), [
    ("http_requests", "account", "scope: http_requests is pushed by zone jobs, not 'account'"),
    ("network_analytics_logs", "zone", "scope: network_analytics_logs is pushed by account jobs, not 'zone'"),
    ("firewall_events", "org", "scope: firewall_events is pushed by zone jobs or account jobs, not 'org'"),
])
def test_a_scope_the_dataset_has_no_job_for_is_refused(dataset, scope, message):
    with pytest.raises(UnknownDatasetError) as caught:
        records(dataset, count=1, scope=scope)
    assert str(caught.value) == message
