"""Every ```python and ```sh block in README.md and docs/ runs as printed (docs/contributing.md: how to write one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.blocks import LANGUAGES, blocks
from tests.docs.pages import ROOT, Page

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCKS = [(page, index) for page in PAGES for index, _ in enumerate(blocks(page))]


def _id(page_and_index: tuple[Path, int]) -> str:
    page, index = page_and_index
    return f"{page.relative_to(ROOT)}:{blocks(page)[index].line}"


@pytest.fixture(scope="session")
def pages() -> Iterator[dict[Path, Page]]:
    """This process's run of each page; what their `background` blocks started stops at the end."""
    runs: dict[Path, Page] = {}
    yield runs
    for page in runs.values():
        page.close()


def page_for(pages: dict[Path, Page], path: Path, index: int, tmp_path_factory: pytest.TempPathFactory) -> Page:
    """This process's run of `path`, unless it has already gone past `index` (then a fresh one)."""
    page = pages.get(path)
    if page is None or page.done > index:
        if page is not None:
            page.close()
        page = pages[path] = Page(blocks(path), tmp_path_factory.mktemp(path.stem))
    return page


@pytest.mark.parametrize("page_and_index", BLOCKS, ids=[_id(item) for item in BLOCKS])
def test_block(
    page_and_index: tuple[Path, int],
    pages: dict[Path, Page],
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, index = page_and_index
    page = page_for(pages, path, index, tmp_path_factory)
    # Python blocks see the page's directory as the current one, as shell blocks do.
    monkeypatch.chdir(page.workdir)
    page.run(index)



SHOWN_ONLY = {"", "toml", "json", "text", "markdown", "xml", "yaml"}


@pytest.mark.parametrize("path", PAGES, ids=[str(page.relative_to(ROOT)) for page in PAGES])
def test_every_block_is_run_or_plainly_not_code(path: Path) -> None:
    # A ```shell or ```py block would silently escape the suite: only the languages run, or data and output.
    fence = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)", re.MULTILINE)
    languages = {match.group(2) for match in fence.finditer(path.read_text(encoding="utf-8"))}
    assert languages <= {*LANGUAGES, *SHOWN_ONLY}, f"write ```python or ```sh, or a data language: {languages - {*LANGUAGES, *SHOWN_ONLY}}"
