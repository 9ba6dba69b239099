"""RecordSource: the same records as `timed_records`, rendered without building dicts."""

from __future__ import annotations

import pytest

from hecharness.generate import Encoder, GenerateError, RecordSource, timed_records


@pytest.mark.parametrize("dataset", ["http_requests", "firewall_events", "dns_logs", "spectrum_events", "network_analytics_logs"])
@pytest.mark.parametrize("options", [None, "fields=all&timestamps=rfc3339", {"output_type": "csv"}, {"CVE-2021-44228": True}])
def test_rendered_items_equal_encoded_records(dataset, options):
    source = RecordSource(dataset, seed=3, count=200, start=1_700_000_000, rate=50, jitter=2.0)
    encoder = Encoder(dataset, options)
    render = source.renderer(encoder)
    expected = list(timed_records(dataset, seed=3, count=200, start=1_700_000_000, rate=50, jitter=2.0))
    got = list(source)
    assert [t for t, _ in got] == [t for t, _ in expected]
    assert [render(item) for _, item in got] == [encoder.encode_record(record) for _, record in expected]
    assert source.record(got[0][1]) == expected[0][1]


def test_renderer_refuses_another_dataset():
    with pytest.raises(GenerateError, match="cannot render http_requests"):
        RecordSource("http_requests", count=1).renderer(Encoder("dns_logs"))
