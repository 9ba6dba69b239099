"""The site's hook shows on the rendered page what the Markdown source says in a directive."""

from __future__ import annotations

import importlib.util

from tests.docs.pages import ROOT


def load_hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_skipped_and_xfailed_blocks_get_a_note_with_their_reason() -> None:
    hooks = load_hooks()
    page = '<!-- skip: next "needs a real Splunk" -->\n```sh\nx\n```\n\n<!-- xfail: next "issue 14" -->\n```sh\ny\n```\n'
    rendered = hooks.on_page_markdown(page, page=None, config=None, files=None)
    assert '!!! note "Not run by the test suite"\n    needs a real Splunk\n' in rendered
    assert '!!! warning "Known bug: this example fails for now"\n    issue 14\n' in rendered
    assert rendered.count("<!--") == 2  # the directives stay for the test suite


def test_directives_shown_inline_or_in_other_words_are_left_alone() -> None:
    hooks = load_hooks()
    page = 'Write `<!-- skip: next "why" -->` before it.\n<!-- server: next -->\n'
    assert hooks.on_page_markdown(page, page=None, config=None, files=None) == page
