"""Field list files: a dataset added without code, checked entry by entry, usable everywhere a dataset is named."""

import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from hecharness.cli import main
from hecharness.generate import (
    DATASET_NAMES,
    FieldListError,
    UnknownDatasetError,
    add_field_list,
    dataset_names,
    encoded_stream,
    get_dataset,
    records,
)
from hecharness.generate.fieldlist import parse_field_list

FIELDS = [
    {"name": "When", "type": "int or string", "description": "When it happened."},
    {"name": "Ended", "type": "int or string"},
    {"name": "EventID", "type": "string"},
    {"name": "ClientIP", "type": "string"},
    {"name": "ClientCountryCode", "type": "string"},
    {"name": "Verdict", "type": "string", "values": ["pass", "block"]},
    {"name": "Score", "type": "int"},
    {"name": "Tags", "type": "array[string]"},
    {"name": "Extra", "type": None},
    {"name": "Legacy", "type": "bool", "deprecated": True},
]


def write(tmp_path, datasets, name="fields.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"datasets": datasets}))
    return path


def test_a_dataset_from_a_file_generates_every_field_typed(tmp_path):
    (added,) = add_field_list(write(tmp_path, {"edge_audit_a": {"scope": "zone", "fields": FIELDS}}))
    assert added is get_dataset("edge_audit_a") and added.listed and added.scope == "zone"
    assert "edge_audit_a" in dataset_names() and "edge_audit_a" not in DATASET_NAMES
    assert (added.key, added.event_time) == ("EventID", "When")
    rows = list(records("edge_audit_a", seed=1, count=500, fields=added.field_names))
    assert len({r["EventID"] for r in rows}) == 500
    for row in rows:
        assert type(row["When"]) is int and row["When"] - 300 * 10**9 <= row["Ended"] <= row["When"] + 300 * 10**9
        assert row["Verdict"] in ("pass", "block") and type(row["Score"]) is int and row["Extra"] is None
        assert row["ClientCountryCode"].isupper() and len(row["ClientCountryCode"]) == 2
        assert isinstance(row["Tags"], list) and all(isinstance(tag, str) for tag in row["Tags"])
    assert "Legacy" not in next(records("edge_audit_a"))  # deprecated: only when named


def test_the_file_may_name_the_key_and_the_event_time(tmp_path):
    path = write(tmp_path, {"edge_audit_b": {"fields": FIELDS, "key": "When", "event_time": "Ended"}})
    (added,) = add_field_list(path)
    assert (added.key, added.event_time) == ("When", "Ended")
    first = next(records("edge_audit_b", start=1_600_000_000, fields=["Ended"]))
    assert first["Ended"] == 1_600_000_000 * 10**9


def test_adding_again_replaces_a_users_dataset_but_never_a_built_in_one(tmp_path):
    add_field_list(write(tmp_path, {"edge_audit_c": {"fields": FIELDS}}))
    add_field_list(write(tmp_path, {"edge_audit_c": {"fields": FIELDS[:3]}}, "again.json"))
    assert get_dataset("edge_audit_c").field_names == ("When", "Ended", "EventID")
    assert list(next(records("edge_audit_c"))) == ["When", "Ended", "EventID"]
    with pytest.raises(FieldListError, match="datasets.gateway_dns: a built-in dataset has that name"):
        add_field_list(write(tmp_path, {"gateway_dns": {"fields": FIELDS}}, "clash.json"))
    assert get_dataset("gateway_dns").field_names[0] == "AccountID"


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    add_field_list(write(tmp_path, {"edge_audit_d": {"fields": FIELDS}}))
    options = {"timestamp_format": "rfc3339"}
    first = b"".join(encoded_stream("edge_audit_d", options, seed=4, count=200))
    assert first == b"".join(encoded_stream("edge_audit_d", options, seed=4, count=200))
    assert first != b"".join(encoded_stream("edge_audit_d", options, seed=5, count=200))
    assert orjson.loads(first.splitlines()[0])["When"].endswith("Z")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], 'expected an object with a "datasets" object'),
        ({"datasets": {}}, "datasets: no dataset is listed"),
        ({"datasets": {"My-Logs": {"fields": FIELDS}}}, "dataset name 'My-Logs' must be lowercase letters, digits and underscores"),
        ({"datasets": {"x": {"fields": []}}}, "datasets.x.fields: expected a non-empty list of fields"),
        ({"datasets": {"x": {"fields": [{"type": "int"}]}}}, "datasets.x.fields[0]: name None must be a field name"),
        ({"datasets": {"x": {"fields": [{"name": "A"}]}}}, "datasets.x.fields[0] ('A'): type is missing"),
        ({"datasets": {"x": {"fields": [{"name": "A", "type": "integer"}]}}}, "datasets.x.fields[0] ('A'): type 'integer' is not one of string, int,"),
        ({"datasets": {"x": {"fields": [{"name": "A", "type": "int"}, {"name": "A", "type": "int"}]}}}, "datasets.x.fields[1] ('A'): listed twice"),
        ({"datasets": {"x": {"fields": [{"name": "A", "type": "string", "values": "a|b"}]}}}, "('A'): values must be a list"),
        ({"datasets": {"x": {"fields": [{"name": "A", "type": "int", "values": ["1"]}]}}}, "('A'): value '1' is not a int"),
        ({"datasets": {"x": {"fields": [{"name": "A", "type": "bool", "values": [True]}]}}}, "('A'): values are only for string and int fields"),
        ({"datasets": {"x": {"fields": [{"name": "A", "type": "bool", "deprecated": "yes"}]}}}, "('A'): deprecated must be true or false"),
        ({"datasets": {"x": {"fields": FIELDS, "scope": "global"}}}, "datasets.x.scope: 'global' is not one of zone, account"),
        ({"datasets": {"x": {"fields": FIELDS, "key": "Nope"}}}, "datasets.x.key: 'Nope' is not one of the dataset's fields"),
        ({"datasets": {"x": {"fields": FIELDS, "event_time": "Score"}}}, "datasets.x.event_time: 'Score' is a int field"),
    ],
)
def test_a_bad_entry_is_named_in_one_line(document, message):
    with pytest.raises(FieldListError) as caught:
        parse_field_list(document, "mine.json")
    assert str(caught.value).startswith("mine.json: ") and message in str(caught.value) and "\n" not in str(caught.value)


def test_a_file_that_is_not_json_or_not_there(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"datasets": ')
    with pytest.raises(FieldListError, match=r"broken.json: not valid JSON \(Expecting value at line 1 column 14\)"):
        add_field_list(broken)
    with pytest.raises(FieldListError, match="missing.json: cannot read the field list"):
        add_field_list(tmp_path / "missing.json")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_generate_and_fields_take_a_field_list(tmp_path):
    path = write(tmp_path, {"edge_audit_e": {"fields": FIELDS}})
    result = run("generate", "--field-list", str(path), "-d", "edge_audit_e", "-n", "3", "--seed", "2", "--timestamps", "unix")
    assert result.exit_code == 0, result.stderr
    rows = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    assert [list(row) for row in rows] == [[f["name"] for f in FIELDS if not f.get("deprecated")]] * 3
    assert rows[0]["When"] < 10**10  # seconds
    listing = run("fields", "--field-list", str(path), "--dataset", "edge_audit_e").stdout.splitlines()
    assert listing[0].startswith("# edge_audit_e: 10 fields (1 deprecated); key EventID; event time When")
    assert any(line.startswith("Extra") and "undocumented" in line for line in listing)


@pytest.mark.parametrize("command", [["generate", "-d", "x"], ["fields", "x"], ["push", "--destination-conf", "x"]])
def test_a_bad_field_list_is_a_usage_error(tmp_path, command):
    path = write(tmp_path, {"x": {"fields": [{"name": "A", "type": "integer"}]}})
    result = CliRunner().invoke(main, [*command, "--field-list", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "Invalid value for '--field-list': " in result.stderr and "datasets.x.fields[0] ('A'): type 'integer'" in result.stderr


def test_fields_without_a_dataset_lists_them_all():
    lines = run("fields").stdout.splitlines()
    assert lines[0] == f"# {len(dataset_names())} datasets; 'hecharness fields NAME' lists one's fields"
    rows = {line.split()[0]: line for line in lines[1:]}
    assert list(rows) == list(dataset_names())
    assert rows["http_requests"].endswith("hand-modelled") and rows["gateway_dns"].endswith("from its field list")
    assert "82 fields" in rows["gateway_dns"]


def test_fields_refuses_two_different_datasets():
    result = CliRunner().invoke(main, ["fields", "dns_logs", "--dataset", "gateway_dns"])
    assert result.exit_code == 2 and "two datasets given" in result.stderr
    assert run("fields", "--dataset", "gateway_dns").stdout.startswith("# gateway_dns: 82 fields")


def test_an_unknown_dataset_is_still_refused():
    with pytest.raises(UnknownDatasetError, match="unknown dataset 'gateway_dnz' \\(did you mean 'gateway_dns'\\?\\)"):
        get_dataset("gateway_dnz")


def test_the_datasets_page_lists_every_dataset_with_its_key_and_event_time():
    page = (Path(__file__).parents[2] / "docs" / "generate.md").read_text()
    table = page[page.index("## Datasets"):page.index("## A dataset of your own")]
    rows = {line.split("|")[1].split()[0].strip("`"): line for line in table.splitlines() if line.startswith("| `")}
    assert list(rows) == list(DATASET_NAMES)
    for name, row in rows.items():
        dataset = get_dataset(name)
        assert ("field list" if dataset.listed else "hand-modelled") in row, name
        assert f"`{dataset.event_time}`" in row and (f"`{dataset.key}`" in row if dataset.key else "none" in row), name


def test_fields_about_one_subject_agree_within_a_record():
    continents = {"US": "NA", "DE": "EU", "JP": "AS", "BR": "SA", "AU": "OC", "ZA": "AF"}
    seen = 0
    for row in records("gateway_network", seed=6, count=2000, fields=["SourceIPCountryCode", "SourceIPContinentCode",
                                                                        "DestinationIPCountryCode", "DestinationIPContinentCode"]):
        for side in ("Source", "Destination"):
            country = row[f"{side}IPCountryCode"]
            if country in continents:
                seen += 1
                assert row[f"{side}IPContinentCode"] == continents[country], row
    assert seen > 1000
    names: dict[int, set[str]] = {}
    for row in records("nel_reports", seed=6, count=2000):
        names.setdefault(row["ClientIPASN"], set()).add(row["ClientIPASNDescription"])
    assert len(names) > 20 and all(len(described) == 1 for described in names.values()), names
