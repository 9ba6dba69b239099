"""Output paths checked before work starts, and rich output that is not wrapped off a terminal."""

from __future__ import annotations

import io

import click
import pytest
from rich.padding import Padding
from rich.text import Text

from hecharness.cli import output
from hecharness.cli.output import OutputFile


def test_a_writable_path_passes_and_is_not_created(tmp_path):
    path = tmp_path / "ready.json"
    assert OutputFile().convert(str(path), None, None) == path
    assert not path.exists()  # a process waiting for it to appear must not see it early


def test_an_existing_file_is_left_as_it_was(tmp_path):
    path = tmp_path / "report.json"
    path.write_text("before")
    OutputFile().convert(str(path), None, None)
    assert path.read_text() == "before"


@pytest.mark.parametrize(
    ("where", "reason"),
    [("missing/out.json", "No such file or directory"), ("a-file/out.json", "Not a directory"), ("a-dir", "Is a directory")],
)
def test_an_unwritable_path_is_refused_naming_it(tmp_path, where, reason):
    (tmp_path / "a-file").write_text("")
    (tmp_path / "a-dir").mkdir()
    with pytest.raises(click.BadParameter, match=f"cannot write '{tmp_path / where}': {reason}"):
        OutputFile().convert(str(tmp_path / where), None, None)


def test_stdout_is_a_dash_only_where_allowed(tmp_path, monkeypatch):
    assert OutputFile(stdout=True).convert("-", None, None) == "-"
    monkeypatch.chdir(tmp_path)
    assert OutputFile().convert("-", None, None) == tmp_path.joinpath("-").relative_to(tmp_path)


def test_off_a_terminal_lines_are_neither_wrapped_nor_padded(monkeypatch):
    captured = io.StringIO()
    monkeypatch.setattr("sys.stdout", captured)
    url = "POST https://hec.example.com:8088/services/collector/raw?sourcetype=" + "x" * 120
    console = output.console()
    console.print(Padding(Text(url), (0, 0, 0, 5)))
    console.print(Text("short"))
    assert captured.getvalue() == f"     {url}\nshort\n"
