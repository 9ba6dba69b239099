"""The README's pytest plugin section is run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_files() -> dict[str, str]:
    """The section's Python blocks, by the file name each one's first line gives."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## pytest plugin\n") :]
    following = section.find("\n## ", 1)
    section = section if following < 0 else section[:following]
    blocks = re.findall(r"```python\n# (\S+\.py)\n(.*?)```", section, flags=re.S)
    return {name: body for name, body in blocks}


def test_the_readme_examples_pass(pytester: pytest.Pytester) -> None:
    files = readme_files()
    assert set(files) == {"sender.py", "test_sender.py"}
    for name, body in files.items():
        pytester.path.joinpath(name).write_text(body, encoding="utf-8")
    pytester.syspathinsert()
    pytester.runpytest().assert_outcomes(passed=5)
