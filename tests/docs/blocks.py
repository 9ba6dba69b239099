"""The runnable blocks of a Markdown page, as docs/contributing.md describes them.

Sybil lexes the page (fenced blocks, directives in HTML comments, line numbers); what each block
means is decided here, once: a block whose first line is `# name.ext` is a file, a ```python
block is Python, a ```sh block is a shell script. A directive comment applies to the next block:
`<!-- skip: next "why" -->`, `<!-- xfail: next "why" -->`, `<!-- server: next -->`,
`<!-- background: next -->`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sybil import Document, Region
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer, FencedCodeBlockLexer

LANGUAGES = {"python": "python", "sh": "sh", "bash": "sh"}
FILE_NAME = re.compile(r"# ([\w.-]+\.\w+)\n")
DIRECTIVE_ARGUMENTS = re.compile(r'next(?:\s+"([^"]*)")?\s*$')
MARKERS = ("skip", "xfail", "server", "background")


@dataclass(frozen=True)
class Block:
    """One runnable block: where it is, what it is, and the directive before it, if any."""

    page: Path
    line: int
    kind: str  # "python", "sh" or "file"
    source: str
    file_name: str | None = None
    marker: str | None = None  # one of MARKERS
    reason: str = ""

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Every runnable block of `page`, in page order, each with the directive that precedes it."""
    document = Document(page.read_text(encoding="utf-8"), str(page))
    every_fence = list(FencedCodeBlockLexer(language=r"[^\n]*")(document))
    # A block shown inside a longer fence (````markdown, as docs/contributing.md shows them) is text.
    fences = [fence for fence in every_fence if not any(_inside(fence, other) for other in every_fence)]
    invisible = list(DirectiveInHTMLCommentLexer(directive="invisible-code-block", arguments=r"python|sh")(document))
    directives = [
        region
        for region in DirectiveInHTMLCommentLexer(directive="|".join(MARKERS))(document)
        # A directive shown inside a fenced block (as docs/contributing.md shows them) is text, not a directive.
        if not any(fence.start <= region.start < fence.end for fence in fences)
    ]
    found: list[Block] = []
    pending: Region | None = None
    for region in sorted([*fences, *invisible, *directives], key=lambda region: region.start):
        lexemes = region.lexemes
        if region in directives:
            if pending is not None:
                raise ValueError(f"{_where(document, pending)}: a directive must be followed by a block, not another directive")
            _marker(document, region)
            pending = region
            continue
        language = (lexemes.get("language") or lexemes.get("arguments") or "").strip().split(" ")[0]
        source = str(lexemes["source"])
        # The line of the block's first line of code (the one after the fence or comment opener).
        line = _line(document, region.start) + 2 + lexemes["source"].line_offset
        file_name = FILE_NAME.match(source)
        kind = "file" if file_name else LANGUAGES.get(language)
        if kind is None:
            continue
        marker, reason = _marker(document, pending)
        pending = None
        found.append(Block(page, line, kind, source, file_name and file_name.group(1), marker, reason))
    if pending is not None:
        raise ValueError(f"{_where(document, pending)}: the directive is not followed by a block")
    return found


def _marker(document: Document, directive: Region | None) -> tuple[str | None, str]:
    if directive is None:
        return None, ""
    name, arguments = directive.lexemes["directive"], directive.lexemes["arguments"] or ""
    match = DIRECTIVE_ARGUMENTS.match(arguments.strip())
    if match is None:
        raise ValueError(f'{_where(document, directive)}: write <!-- {name}: next "why" -->, not {arguments!r}')
    return name, match.group(1) or ""


def _inside(region: Region, other: Region) -> bool:
    return region is not other and other.start <= region.start and region.end <= other.end


def _line(document: Document, position: int) -> int:
    return document.text.count("\n", 0, position)


def _where(document: Document, region: Region) -> str:
    return f"{Path(document.path).name}:{_line(document, region.start) + 1}"
