"""The runner of the documentation's blocks keeps the promises docs/contributing.md makes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.docs.blocks import blocks
from tests.docs.pages import BlockFailed, Page

FENCE = "```"


def page(tmp_path: Path, text: str) -> Page:
    """A fresh run of a page made of `text` (with ''' for a fence), in a directory of its own."""
    directory = Path(tempfile.mkdtemp(dir=tmp_path))
    path = directory / "page.md"
    path.write_text(text.replace("'''", FENCE), encoding="utf-8")
    workdir = directory / "work"
    workdir.mkdir()
    return Page(blocks(path), workdir)


def test_blocks_are_python_shell_or_files_and_the_rest_is_text(tmp_path: Path) -> None:
    run = page(
        tmp_path,
        """
'''python
x = 1
'''

'''toml
a = 1
'''

'''toml
# settings.toml
a = 1
'''

'''sh
echo hi
'''

''''markdown
<!-- skip: next -->
'''python
raise SystemExit("shown, not run")
'''
''''
""",
    )
    assert [(block.kind, block.file_name, block.line) for block in run.blocks] == [
        ("python", None, 3),
        ("file", "settings.toml", 11),
        ("sh", None, 16),
    ]


def test_a_block_sees_what_the_blocks_before_it_made_even_when_run_alone(tmp_path: Path) -> None:
    run = page(
        tmp_path,
        """
'''python
# notes.txt
from the page
'''

'''python
total = 41
'''

'''sh
grep -q "^from the page$" notes.txt
python -c 'print(42)' > answer.txt
'''

'''python
assert open("answer.txt").read().strip() == str(total + 1)
'''
""",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(run.workdir)
        run.run(3)
    assert run.done == 4


def test_a_failing_block_fails_and_so_do_the_blocks_after_it(tmp_path: Path) -> None:
    run = page(tmp_path, "'''sh\nfalse\n'''\n\n'''python\nx = 1\n'''\n")
    with pytest.raises(BlockFailed, match=r"page.md:2: the block exited 1"):
        run.run(0)
    again = page(tmp_path, "'''sh\nfalse\n'''\n\n'''python\nx = 1\n'''\n")
    with pytest.raises(BlockFailed, match=r"the earlier block at page.md:2 failed"):
        again.run(1)


def test_a_test_file_block_is_run_with_pytest_and_must_pass(tmp_path: Path) -> None:
    run = page(tmp_path, "'''python\n# test_it.py\ndef test_it():\n    assert 1 == 2\n'''\n")
    with pytest.raises(BlockFailed, match=r"pytest test_it.py exited 1"):
        run.run(0)


def test_skip_and_xfail_directives(tmp_path: Path) -> None:
    run = page(
        tmp_path,
        """
<!-- skip: next "needs a real Splunk" -->
'''sh
exit 3
'''

<!-- xfail: next "issue 99" -->
'''sh
exit 3
'''

<!-- xfail: next "issue 100" -->
'''sh
true
'''
""",
    )
    with pytest.raises(pytest.skip.Exception, match="needs a real Splunk"):
        run.run(0)
    with pytest.raises(pytest.xfail.Exception, match="issue 99"):
        run.run(1)
    with pytest.raises(BlockFailed, match="passes now: remove the xfail marker"):
        run.run(2)


def test_a_directive_must_say_next_and_precede_a_block(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r'page.md:2: write <!-- skip: next "why" -->'):
        page(tmp_path, '\n<!-- skip: start -->\n')
    with pytest.raises(ValueError, match="not followed by a block"):
        page(tmp_path, '\n<!-- skip: next -->\n')


def test_a_server_block_starts_each_command_and_stops_it_with_ctrl_c(tmp_path: Path) -> None:
    run = page(
        tmp_path,
        """
<!-- server: next -->
'''sh
hecharness serve --port 0 --ready-file hec.json   # ready once hec.json is written
hecharness serve --port 0 --ready-file=hec.json --tls valid,plain --quiet
'''
""",
    )
    run.run(0)


def test_a_server_that_does_not_handle_ctrl_c_fails_its_block(tmp_path: Path) -> None:
    run = page(
        tmp_path,
        """
<!-- server: next -->
'''sh
python -c 'import time; open("ready", "w").close(); time.sleep(60)' --ready-file ready
'''
""",
    )
    # Python's default SIGINT handler ends it with a KeyboardInterrupt traceback: not a clean stop.
    with pytest.raises(BlockFailed, match="did not stop cleanly on Ctrl-C"):
        run.run(0)


def test_a_server_that_exits_before_it_is_ready_fails_the_block(tmp_path: Path) -> None:
    run = page(tmp_path, "<!-- server: next -->\n'''sh\nhecharness serve --port -1 --ready-file hec.json\n'''\n")
    with pytest.raises(BlockFailed, match="exited 2 before it was ready"):
        run.run(0)


def test_a_server_command_must_name_its_ready_file(tmp_path: Path) -> None:
    run = page(tmp_path, "<!-- server: next -->\n'''sh\nhecharness serve --port 0\n'''\n")
    with pytest.raises(BlockFailed, match="needs --ready-file FILE"):
        run.run(0)


def test_a_background_server_runs_until_the_page_closes(tmp_path: Path) -> None:
    run = page(
        tmp_path,
        """
<!-- background: next -->
'''sh
hecharness serve --port 0 --ready-file hec.json --quiet
'''

'''sh
URL=$(python -c 'import json; print(json.load(open("hec.json"))["url"])')
python -c "import httpx, sys; assert httpx.get(sys.argv[1] + '/services/collector/health').status_code == 200" "$URL"
'''
""",
    )
    run.run(1)
    (server,) = run.servers
    run.close()
    assert server.process.returncode == 0


def test_a_block_after_a_passing_xfail_block_runs_as_usual(tmp_path: Path) -> None:
    # Only the marked block fails (its marker must go); what follows it is not blamed.
    run = page(tmp_path, "<!-- xfail: next \"fixed since\" -->\n'''python\nx = 1\n'''\n\n'''python\nassert x == 1\n'''\n")
    run.run(1)
