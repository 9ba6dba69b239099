"""Encoding: the exact bytes a Logpush job writes for given output options."""

import csv
import io
import itertools

import orjson
import pytest

from hecharness.generate import Encoder, OutputOptions, OutputOptionsError, batches, encoded_stream, get_dataset, records

DOC_RECORDS = [
    {"ClientIP": "89.163.242.206", "EdgeStartTimestamp": 1506702504433000200, "RayID": "3a6050bcbe121a87"},
    {"ClientIP": "89.163.242.207", "EdgeStartTimestamp": 1506702504433000300, "RayID": "3a6050bcbe121a88"},
]
FIELDS = ["ClientIP", "EdgeStartTimestamp", "RayID"]


def encode(options: dict, rows=DOC_RECORDS, dataset="http_requests") -> bytes:
    return Encoder(dataset, {"field_names": FIELDS, **options}).encode_batch(rows)


def test_default_ndjson_matches_the_documented_example():
    assert encode({}) == (
        b'{"ClientIP":"89.163.242.206","EdgeStartTimestamp":1506702504433000200,"RayID":"3a6050bcbe121a87"}\n'
        b'{"ClientIP":"89.163.242.207","EdgeStartTimestamp":1506702504433000300,"RayID":"3a6050bcbe121a88"}\n'
    )


def test_csv_quotes_strings_and_leaves_numbers_bare():
    assert encode({"output_type": "csv"}) == (
        b'"89.163.242.206",1506702504433000200,"3a6050bcbe121a87"\n"89.163.242.207",1506702504433000300,"3a6050bcbe121a88"\n'
    )


def test_csv_with_a_header_and_tabs():
    body = encode({"output_type": "csv", "batch_prefix": "ClientIP\tEdgeStartTimestamp\tRayID\n", "field_delimiter": "\t"})
    assert body.splitlines()[0] == b"ClientIP\tEdgeStartTimestamp\tRayID"
    assert body.splitlines()[1] == b'"89.163.242.206"\t1506702504433000200\t"3a6050bcbe121a87"'


def test_nested_json_from_prefixes_suffixes_and_delimiters():
    body = encode({"batch_prefix": '{"events":[', "batch_suffix": "\n]}\n", "record_prefix": '\n  {"info":{',
                   "record_suffix": "}}", "record_delimiter": ","})
    assert body == (
        b'{"events":[\n  {"info":{"ClientIP":"89.163.242.206","EdgeStartTimestamp":1506702504433000200,"RayID":"3a6050bcbe121a87"}},'
        b'\n  {"info":{"ClientIP":"89.163.242.207","EdgeStartTimestamp":1506702504433000300,"RayID":"3a6050bcbe121a88"}}\n]}\n'
    )
    assert orjson.loads(body)["events"][1]["info"]["RayID"] == "3a6050bcbe121a88"


def test_record_template_from_the_docs():
    body = encode({"record_template": '"client-ip":{{.ClientIP}},"timestamp":{{.EdgeStartTimestamp}},"ray-id":{{.RayID}}'})
    assert body.splitlines()[0] == b'{"client-ip":"89.163.242.206","timestamp":1506702504433000200,"ray-id":"3a6050bcbe121a87"}'


def test_template_fields_not_selected_are_null():
    encoder = Encoder("http_requests", {"field_names": ["RayID"], "record_template": "{{.RayID}} {{.ClientIP}} {{.Nonsense}}",
                                        "record_prefix": "", "record_suffix": "\n"})
    assert encoder.encode_record(DOC_RECORDS[0]) == b'"3a6050bcbe121a87" null null\n'


def test_custom_field_delimiter_in_ndjson():
    assert encode({"field_delimiter": ", "}).splitlines()[0] == (
        b'{"ClientIP":"89.163.242.206", "EdgeStartTimestamp":1506702504433000200, "RayID":"3a6050bcbe121a87"}')


@pytest.mark.parametrize(
    ("timestamp_format", "first", "second"),
    [
        ("unixnano", b"1506702504433000200", b"1506702504433000300"),
        ("unix", b"1506702504", b"1506702504"),
        ("rfc3339", b'"2017-09-29T16:28:24Z"', b'"2017-09-29T16:28:24Z"'),
        ("rfc3339ms", b'"2017-09-29T16:28:24.433Z"', b'"2017-09-29T16:28:24.433Z"'),
        ("rfc3339ns", b'"2017-09-29T16:28:24.433000200Z"', b'"2017-09-29T16:28:24.433000300Z"'),
    ],
)
def test_timestamp_formats(timestamp_format, first, second):
    lines = encode({"timestamp_format": timestamp_format}).splitlines()
    assert b'"EdgeStartTimestamp":' + first + b"," in lines[0]
    assert b'"EdgeStartTimestamp":' + second + b"," in lines[1]


def test_rfc3339ms_and_rfc3339ns_keep_every_digit_as_cloudflares_examples_do():
    for fmt, whole, fraction in (("rfc3339ms", "20.000", "20.120"), ("rfc3339ns", "20.000000000", "20.120000000")):
        encoder = Encoder("dns_logs", {"field_names": ["Timestamp"], "timestamp_format": fmt})
        assert encoder.encode_record({"Timestamp": 1_700_000_000_000_000_000}) == b'{"Timestamp":"2023-11-14T22:13:%sZ"}\n' % whole.encode()
        assert encoder.encode_record({"Timestamp": 1_700_000_000_120_000_000}) == b'{"Timestamp":"2023-11-14T22:13:%sZ"}\n' % fraction.encode()


def test_rfc3339nano_is_refused_naming_the_current_values():
    message = ("timestamp_format: 'rfc3339nano' is not one of unixnano, unix, rfc3339, rfc3339ms, rfc3339ns "
               "(rfc3339nano is Logpull's spelling; Logpush's is rfc3339ns)")
    with pytest.raises(OutputOptionsError) as caught:
        Encoder("dns_logs", {"timestamp_format": "rfc3339nano"})
    assert str(caught.value) == message
    with pytest.raises(OutputOptionsError, match="timestamps: 'rfc3339nano' is not one of .*rfc3339ns"):
        Encoder("dns_logs", "timestamps=rfc3339nano")


def test_a_zero_timestamp_is_the_epoch():
    encoder = Encoder("spectrum_events", {"field_names": ["DisconnectTimestamp"], "timestamp_format": "rfc3339"})
    assert encoder.encode_record({"DisconnectTimestamp": 0}) == b'{"DisconnectTimestamp":"1970-01-01T00:00:00Z"}\n'


def test_missing_fields_are_null_and_extra_fields_are_ignored():
    encoder = Encoder("http_requests", "fields=RayID,ClientIP")
    assert encoder.encode_record({"RayID": "ab", "Other": 1}) == b'{"RayID":"ab","ClientIP":null}\n'


def test_cve_2021_44228_defuses_lookups_everywhere():
    row = {"ClientIP": "${jndi:ldap://x/a}", "EdgeStartTimestamp": 1, "RayID": "$"}
    plain = encode({"batch_suffix": "{x}"}, [row, row])
    assert b"${jndi" in plain
    safe = encode({"CVE-2021-44228": True, "batch_suffix": "{x}"}, [row, row])
    assert b"${" not in safe and b"x{jndi" in safe and safe.endswith(b'"$"}\n{x}')
    assert Encoder("http_requests", {"field_names": FIELDS, "CVE-2021-44228": True}).encode_record(row).count(b"x{") == 1


def test_cve_replacement_survives_a_lookup_split_across_pieces():
    encoder = Encoder("http_requests", {"field_names": ["RayID"], "CVE-2021-44228": True, "output_type": "csv",
                                        "record_suffix": "$", "batch_suffix": "{"})
    rows = [{"RayID": "a"}, {"RayID": "b"}]
    assert b"".join(encoder.iter_batch(rows, chunk_records=1)) == encoder.encode_batch(rows) == b'"a"$"b"x{'


def test_iter_batch_pieces_add_up_to_the_batch():
    rows = list(records("firewall_events", count=2500))
    encoder = Encoder("firewall_events", {"record_delimiter": ",", "batch_prefix": "[", "batch_suffix": "]", "record_suffix": "}"})
    pieces = list(encoder.iter_batch(rows, chunk_records=700))
    assert len(pieces) == 6 and b"".join(pieces) == encoder.encode_batch(rows)
    assert len(orjson.loads(b"".join(pieces))) == 2500


def test_an_empty_batch_is_just_its_prefix_and_suffix():
    assert Encoder("dns_logs", {"batch_prefix": "[", "batch_suffix": "]"}).encode_batch([]) == b"[]"


def test_csv_output_parses_back_with_the_csv_module():
    rows = list(records("http_requests", seed=3, count=300))
    body = Encoder("http_requests", {"output_type": "csv"}).encode_batch(rows).decode()
    parsed = list(csv.reader(io.StringIO(body)))
    fields = get_dataset("http_requests").default_fields()
    assert len(parsed) == 300 and all(len(row) == len(fields) for row in parsed)
    column = {name: i for i, name in enumerate(fields)}
    for row, record in zip(parsed, rows):
        assert row[column["ClientRequestUserAgent"]] == record["ClientRequestUserAgent"]
        assert row[column["EdgeStartTimestamp"]] == str(record["EdgeStartTimestamp"])
        assert orjson.loads(row[column["SecurityActions"]]) == record["SecurityActions"]
        assert orjson.loads(row[column["JA4Signals"]]) == record["JA4Signals"]


def test_ndjson_lines_parse_back_to_the_records(dataset):
    rows = list(records(dataset, seed=1, count=200))
    lines = Encoder(dataset).encode_batch(rows).splitlines()
    assert [orjson.loads(line) for line in lines] == rows


def test_unknown_fields_are_refused_when_the_encoder_is_built():
    with pytest.raises(OutputOptionsError, match="field_names: unknown field 'Rayid' for dns_logs"):
        Encoder("dns_logs", "fields=Rayid")


# The fast path (batches, encoded_stream) renders straight from pre-built fragments; it must
# write exactly what the Encoder writes for the same records.
OPTION_CASES = [
    None,
    "fields=RayID,EdgeStartTimestamp,ClientIP&timestamps=rfc3339",
    "timestamps=unix&CVE-2021-44228=true",
    {"output_type": "csv", "timestamp_format": "rfc3339ns"},
    {"timestamp_format": "rfc3339ms"},
    {"field_names": ["all"], "record_delimiter": ",", "batch_prefix": "[", "batch_suffix": "]\n", "record_suffix": "}"},
    {"field_delimiter": " | ", "record_prefix": "<", "record_suffix": ">\n"},
    {"record_template": "{{.EdgeEndTimestamp}} {{.RayID}} {{ \"const\" }} {{.NotSelected}} {{.ClientRequestUserAgent}}",
     "field_names": ["RayID", "EdgeEndTimestamp", "ClientRequestUserAgent"], "timestamp_format": "rfc3339"},
    {"field_names": ["CacheResponseStatus", "WAFFlags", "RayID"], "sample_rate": 0.3},
]


@pytest.mark.parametrize("options", OPTION_CASES)
def test_fast_batches_equal_encoding_the_records(options):
    parsed = OutputOptions.parse(options)
    rows = records("http_requests", seed=11, count=1500, fields=parsed.field_names, sample_rate=parsed.sample_rate)
    expected = b"".join(Encoder("http_requests", options).encode_batch(chunk) for chunk in _chunks(rows, 400))
    assert b"".join(batches("http_requests", options, seed=11, count=1500, batch_size=400)) == expected


def test_fast_batches_equal_encoding_the_records_for_every_dataset(dataset):
    for options in (None, {"output_type": "csv", "timestamp_format": "rfc3339"}, "timestamps=unix"):
        rows = list(records(dataset, seed=2, count=700))
        assert b"".join(batches(dataset, options, seed=2, count=700, batch_size=700)) == Encoder(dataset, options).encode_batch(rows)


def test_encoded_stream_is_the_batches_in_pieces():
    options = {"batch_prefix": "[", "batch_suffix": "]\n", "record_delimiter": ",", "record_suffix": "}"}
    whole = list(batches("dns_logs", options, count=5500, batch_size=2000))
    assert len(whole) == 3 and all(orjson.loads(batch) for batch in whole)
    counted = []
    pieces = list(encoded_stream("dns_logs", options, count=5500, batch_size=2000, progress=counted.append))
    assert b"".join(pieces) == b"".join(whole)
    assert sum(counted) == 5500 and max(counted) <= 1000


def test_a_stream_without_records_sends_no_batch():
    assert list(batches("dns_logs", None, count=0)) == [] == list(encoded_stream("dns_logs", None, count=0))


def test_bad_batch_sizes_are_refused():
    with pytest.raises(ValueError, match="batch_size: expected a whole number of at least 1, got 0"):
        batches("dns_logs", batch_size=0)
    with pytest.raises(ValueError, match="batch_size: expected a whole number of at least 1, got 0"):
        encoded_stream("dns_logs", batch_size=0)


def test_jitter_applies_to_fast_batches_too():
    options = "fields=RayID"
    rows = list(records("http_requests", seed=5, count=900, fields=["RayID"], jitter=1.5))
    assert b"".join(batches("http_requests", options, seed=5, count=900, jitter=1.5)) == Encoder("http_requests", options).encode_batch(rows)


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
