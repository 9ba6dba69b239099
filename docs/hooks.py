"""mkdocs hook: a block the test suite does not run, or expects to fail, says so on the rendered page.

The directive stays in the Markdown source for tests/docs (docs/contributing.md); the site adds a
note with its reason, which a reader of the HTML would otherwise not see.
"""

from __future__ import annotations

import re
from typing import Any

DIRECTIVE = re.compile(r'^(<!-- (skip|xfail): next "([^"]*)" -->)$', re.MULTILINE)
NOTES = {"skip": ('note', "Not run by the test suite"), "xfail": ('warning', "Known bug: this example fails for now")}


def on_page_markdown(markdown: str, **_: Any) -> str:
    def note(match: re.Match[str]) -> str:
        kind, title = NOTES[match.group(2)]
        return f'{match.group(1)}\n\n!!! {kind} "{title}"\n    {match.group(3)}\n'

    return DIRECTIVE.sub(note, markdown)
