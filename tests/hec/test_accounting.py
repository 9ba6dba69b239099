"""Delivery accounting over one journal or several, with lines that are not records left out."""

from __future__ import annotations

import orjson
import pytest

from hecharness.errors import InvalidArgument
from hecharness.hec import FakeHEC, JournalTruncated, Token
from hecharness.hec.accounting import account, records_among
from hecharness.hec.batches import Event, EventBatch, RawBatch
from hecharness.hec.batches import RequestRecord
from hecharness.hec.journal import Journal
from hecharness.hec.lines import RawLines

PROBE = '{"content":"tests"}'  # what Logpush's validation posts before the first batch


def raw(journal: Journal, *lines: str) -> None:
    """Journal one /raw request that delivered `lines`, as the collector hands it over."""
    request_id = journal.next_request_id()
    shared = (request_id, None, "main", "http:test", "st", "host", None)
    batch = RawBatch(shared, RawLines.listed([line.encode() for line in lines]))
    journal.record(RequestRecord(request_id, 0.0, "POST", "/services/collector/raw", "", {}, "", status=200), batch)


def event(journal: Journal, *payloads: object) -> None:
    """Journal one /event request that delivered `payloads`."""
    request_id = journal.next_request_id()
    items = [Event(request_id, None, "main", "http:test", "st", "host", None, None, payload) for payload in payloads]
    journal.record(RequestRecord(request_id, 0.0, "POST", "/services/collector/event", "", {}, "", status=200), EventBatch(items))


def rays(*keys: str) -> list[str]:
    return [orjson.dumps({"RayID": key}).decode() for key in keys]


def test_both_batch_kinds_are_read_back_as_events_in_arrival_order():
    journal = Journal()
    raw(journal, "alpha", "beta")
    event(journal, {"RayID": "c"}, "delta")
    assert [e.text for e in journal.events] == ["alpha", "beta", '{"RayID":"c"}', "delta"]
    assert [e.request_id for e in journal.events] == [1, 1, 2, 2]


def test_several_journals_are_counted_together():
    one, two = Journal(), Journal()
    raw(one, *rays("a", "b"))
    raw(two, *rays("b", "x"))
    event(two, {"RayID": "d"})
    report = account([{"RayID": k} for k in "abcd"], [one, two], key="RayID")
    assert (report.expected, report.received, report.delivered) == (4, 5, 3)
    assert (report.missing_keys, report.duplicated_keys, report.unexpected_keys) == (["c"], {"b": 1}, ["x"])


def test_ignored_lines_are_not_received_nor_unexpected_whatever_the_key():
    one, two = Journal(), Journal()
    for journal in (one, two):
        raw(journal, PROBE)
    raw(one, *rays("a"))
    raw(two, *rays("b"))
    for key, records in ((None, rays("a", "b")), ("RayID", [{"RayID": "a"}, {"RayID": "b"}])):
        report = account(records, [one, two], key=key, ignore=[PROBE])
        assert report.complete and (report.received, report.delivered) == (2, 2), key
        counted = account(records, [one, two], key=key)
        assert (counted.received, counted.unexpected) == (4, 2), key  # without ignore=, the probes are strangers


def test_ignore_matches_whole_lines_given_as_text_or_bytes():
    journal = Journal()
    raw(journal, PROBE, PROBE + " ", "record")
    report = journal.delivery(["record"], ignore=[PROBE.encode() + b"\n"])
    assert (report.received, report.unexpected_keys) == (2, [PROBE + " "])  # only the exact line is left out


def test_ignore_refuses_a_lone_line():
    with pytest.raises(TypeError, match=r"ignore=\['probe'\]"):
        account([], [Journal()], ignore="probe")


def test_records_among_leaves_out_ignored_events_and_keeps_order():
    journal = Journal()
    raw(journal, "a", PROBE, "b")
    event(journal, {"content": "tests"})  # the same line, sent to /event
    assert [e.text for e in records_among(journal.events, ignore=[PROBE])] == ["a", "b"]
    assert len(records_among(journal.events)) == 4


def test_any_truncated_journal_refuses_to_account():
    whole, capped = Journal(), Journal(max_events=1)
    raw(whole, "a")
    raw(capped, "b", "c")
    with pytest.raises(JournalTruncated, match="max_events=1"):
        account(["a", "b", "c"], [whole, capped])


def test_assert_delivered_leaves_out_ignored_lines():
    with FakeHEC([Token("t")], admin_port=None) as hec, hec.client() as client:
        client.post("/services/collector/raw", content=f"{PROBE}\nrecord".encode(), headers={"Authorization": "Splunk t"})
        with pytest.raises(AssertionError, match="unexpected 1"):
            hec.assert_delivered(["record"])
        assert hec.assert_delivered(["record"], ignore=[PROBE]).received == 1


def test_records_nested_deeper_than_orjson_writes_are_accounted_not_an_error():
    deep: object = "leaf"
    for _ in range(400):  # orjson writes at most 254 levels; HEC's parser reads 1,024
        deep = {"a": deep}
    journal = Journal()
    assert account([deep], [journal]).missing == 1


def test_records_nested_in_another_are_found_and_named():
    journal = Journal()
    parent = {"RayID": "p", "Subrequests": [{"RayID": "s1"}, {"RayID": "s2"}]}
    raw(journal, orjson.dumps(parent).decode(), *rays("q", "s3"))
    expected = [{"RayID": k} for k in ("p", "s1", "s2", "q", "s3")]
    report = account(expected, [journal], key="RayID", nested="Subrequests")
    assert report.complete and (report.received, report.delivered) == (5, 5)
    assert (report.nested_in, report.nested_keys) == ("Subrequests", ["s1", "s2"])
    assert "2 found nested in Subrequests, e.g. 's1', 's2'" in report.summary()
    assert report.to_dict()["first_nested"] == ["s1", "s2"] and report.to_dict()["nested"] == 2
    # Without nested=, the same events miss the two subrequests.
    plain = account(expected, [journal], key="RayID")
    assert plain.missing_keys == ["s1", "s2"] and "nested" not in plain.to_dict()


def test_a_nested_path_reaches_lists_deeper_down_and_skips_events_without_one():
    journal = Journal()
    event(journal, {"RayID": "a", "merge": {"into": [{"RayID": "b"}, {"RayID": "a"}]}}, "not json", {"RayID": "c", "merge": 3})
    report = account([{"RayID": k} for k in "abc"], [journal], key="RayID", nested=["merge", "into"])
    assert report.duplicated_keys == {"a": 1} and report.nested_keys == ["b", "a"] and report.unexpected_keys == [None]


@pytest.mark.parametrize(("nested", "key", "message"), [
    ("Subrequests", None, "nested: records inside an event can only be told apart by a key, such as key='RayID'"),
    ([], "RayID", "nested: expected a field name or a list of them, got []"),
    (["a", 3], "RayID", "nested: expected a field name or a list of them, got ['a', 3]"),
])
def test_a_bad_nested_path_is_a_one_line_error(nested, key, message):
    with pytest.raises(InvalidArgument) as caught:
        account([], [Journal()], key=key, nested=nested)
    assert str(caught.value) == message
