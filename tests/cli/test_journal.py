"""`hecharness journal merge`: sent = received over several fakes, as behind a user's own load balancer."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from click.testing import CliRunner

from hecharness.cli import main
from hecharness.hec import FakeHEC, HECSettings, Token
from hecharness.logpush.slices import RecordSlice

RECORDS = [json.dumps({"RayID": f"ray-{n}", "n": n}) for n in range(3)]


def _post(hec: FakeHEC, lines: list[str]) -> None:
    response = httpx.post(f"{hec.url}/services/collector/raw", content="\n".join(lines).encode(), headers={"Authorization": "Splunk t"})
    assert response.status_code == 200, response.text


def _expected(tmp_path: Path) -> Path:
    path = tmp_path / "sent.ndjson"
    path.write_text("".join(line + "\n" for line in RECORDS))
    return path


def test_a_record_that_reached_two_fakes_is_one_duplicate(tmp_path: Path) -> None:
    with FakeHEC([Token("t")]) as one, FakeHEC([Token("t")]) as two:
        _post(one, RECORDS[:2])
        _post(two, RECORDS[1:])  # ray-1 went to both: each fake alone saw it once
        result = CliRunner().invoke(main, ["journal", "merge", one.admin_url, two.admin_url, "--expected", str(_expected(tmp_path)), "--key", "RayID"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == "sent 3, received 4, missing 0, duplicated 1"
    assert "first duplicated: 'ray-1' x2" in result.stderr


def test_every_record_once_across_the_fakes_passes(tmp_path: Path) -> None:
    with FakeHEC([Token("t")]) as one, FakeHEC([Token("t")]) as two:
        _post(one, RECORDS[:1])
        _post(two, RECORDS[1:])
        result = CliRunner().invoke(main, ["journal", "merge", one.admin_url, two.admin_url, "--expected", str(_expected(tmp_path)), "--key", "RayID"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "sent 3, received 3, missing 0, duplicated 0\n"


def test_fakes_that_kept_only_counters_are_accounted_by_count(tmp_path: Path) -> None:
    with FakeHEC([Token("t")], settings=HECSettings(count_only=True)) as one, FakeHEC([Token("t")]) as two:
        _post(one, RECORDS[:1])
        _post(two, RECORDS[2:])
        result = CliRunner().invoke(main, ["journal", "merge", one.admin_url, two.admin_url, "--expected", str(_expected(tmp_path)), "--key", "RayID"])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("sent 3, received 2, missing 1, duplicated 0 (by count")


def test_a_locust_runs_sent_file_names_the_records(tmp_path: Path) -> None:
    chosen = RecordSlice.for_sender(1, dataset="http_requests", logpull_options="fields=RayID,ClientIP", start=1_700_000_000).sent(5)
    lines = [line.decode().rstrip("\n") for line in chosen.lines()]
    sent = tmp_path / "sent.json"
    sent.write_text(json.dumps({"slices": [chosen.to_dict()]}))
    with FakeHEC([Token("t")]) as hec:
        _post(hec, lines[:4])
        result = CliRunner().invoke(main, ["journal", "merge", hec.admin_url, "--sent", str(sent)])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == "sent 5, received 4, missing 1, duplicated 0"
    assert json.loads(lines[4])["RayID"] in result.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    neither = runner.invoke(main, ["journal", "merge", "http://127.0.0.1:9"])
    assert neither.exit_code == 2 and "--expected FILE" in neither.stderr
    not_a_url = runner.invoke(main, ["journal", "merge", "ftp://x", "--expected", str(_expected(tmp_path))])
    assert not_a_url.exit_code == 2 and "'ftp://x' is not an http:// or https:// URL" in not_a_url.stderr
    with FakeHEC([Token("t")]) as hec:
        url = hec.admin_url
    nobody = runner.invoke(main, ["journal", "merge", url, "--expected", str(_expected(tmp_path))])
    assert nobody.exit_code == 2 and "no answer from the admin API" in nobody.stderr
    assert "Traceback" not in nobody.output


def test_one_fake_that_kept_only_counters_is_accounted_by_count(tmp_path: Path) -> None:
    # One fake answers the accounting itself (POST /journal/delivery), and refuses it when it kept no events.
    with FakeHEC([Token("t")], settings=HECSettings(count_only=True)) as hec:
        _post(hec, RECORDS)
        _post(hec, RECORDS[:1])
        result = CliRunner().invoke(main, ["journal", "merge", hec.admin_url, "--expected", str(_expected(tmp_path)), "--key", "RayID"])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("sent 3, received 4, missing 0, duplicated 1 (by count")
