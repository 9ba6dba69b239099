"""Logpush's `record_template`: Go text/template stripped down to three kinds of token.

- text, copied as is;
- actions: ``{{ .Field }}`` (a field's rendered value) or a string constant ``{{ "text" }}`` /
  ``{{ `raw text` }}``;
- comments ``{{/* ... */}}``, dropped.

Trim markers work as in Go: ``{{- `` eats the whitespace before the action, `` -}}`` the
whitespace after it. Anything else (conditionals, pipelines, functions, ``.A.B``) is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hecharness.generate.errors import OutputOptionsError

__all__ = ["Template", "parse_template"]


@dataclass(frozen=True)
class Template:
    """A parsed template: `parts` alternates literal bytes and field names, starting with bytes."""

    parts: tuple[bytes | str, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(p for p in self.parts if isinstance(p, str))


_FIELD = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)")
_ESCAPE = re.compile(r"\\(?:([abfnrtv\\\"])|x([0-9a-fA-F]{2})|([0-7]{3})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")
_SIMPLE_ESCAPES = {"a": b"\a", "b": b"\b", "f": b"\f", "n": b"\n", "r": b"\r", "t": b"\t", "v": b"\v", "\\": b"\\", '"': b'"'}
_SPACE = " \t\r\n"


def parse_template(source: str) -> Template:
    """Parse a record template; raise OutputOptionsError naming the offending action."""
    parts: list[bytes | str] = []
    text = bytearray()
    position = 0
    trim_next = False
    while True:
        start = source.find("{{", position)
        literal = source[position:] if start < 0 else source[position:start]
        if trim_next:
            literal = literal.lstrip(_SPACE)
        if start < 0:
            text += literal.encode()
            break
        end = _action_end(source, start + 2)
        if end < 0:
            raise OutputOptionsError(f"record_template: unclosed action at offset {start}: {source[start:start + 30]!r}")
        inner = source[start + 2 : end]
        trim_before = len(inner) >= 2 and inner[0] == "-" and inner[1] in _SPACE
        trim_next = len(inner) >= 2 and inner[-1] == "-" and inner[-2] in _SPACE
        if trim_before:
            inner = inner[2:]
            literal = literal.rstrip(_SPACE)
        if trim_next:
            inner = inner[:-2]
        text += literal.encode()
        action = inner.strip(_SPACE)
        where = f"at offset {start}: {source[start:end + 2]!r}"
        if action.startswith("/*"):
            if not action.endswith("*/"):
                raise OutputOptionsError(f"record_template: unterminated comment {where}")
        elif (match := _FIELD.fullmatch(action)) is not None:
            parts.append(bytes(text))
            parts.append(match.group(1))
            text = bytearray()
        elif len(action) >= 2 and action[0] == action[-1] == "`":
            text += action[1:-1].encode()
        elif len(action) >= 2 and action[0] == action[-1] == '"':
            text += _unquote(action[1:-1], where)
        elif not action:
            raise OutputOptionsError(f"record_template: empty action {where}")
        else:
            raise OutputOptionsError(
                f"record_template: only {{{{ .Field }}}}, string constants and comments are allowed, not {action!r} {where}"
            )
        position = end + 2
    parts.append(bytes(text))
    return Template(tuple(parts))


def _action_end(source: str, position: int) -> int:
    """Where the action opened before `position` closes; quoted text and comments may hold braces."""
    comment = source.find("/*", position, position + 4)
    if comment >= 0 and not source[position:comment].strip("- "):
        close = source.find("*/", comment + 2)
        return -1 if close < 0 else source.find("}}", close + 2)
    while position < len(source):
        char = source[position]
        if char == '"':
            position += 1
            while position < len(source) and source[position] != '"':
                position += 2 if source[position] == "\\" else 1
        elif char == "`":
            position = source.find("`", position + 1)
            if position < 0:
                return -1
        elif source.startswith("}}", position):
            return position
        position += 1
    return -1


def _unquote(body: str, where: str) -> bytes:
    """Decode a Go interpreted string literal; \\x and octal escapes are raw bytes, as in Go."""
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(body):
        chunk = body[position : match.start()]
        if "\\" in chunk or '"' in chunk:
            raise OutputOptionsError(f"record_template: bad string constant {where}")
        out += chunk.encode()
        simple, hex_byte, octal, short, long = match.groups()
        if simple:
            out += _SIMPLE_ESCAPES[simple]
        elif hex_byte:
            out.append(int(hex_byte, 16))
        elif octal:
            if int(octal, 8) > 255:
                raise OutputOptionsError(f"record_template: octal escape out of range {where}")
            out.append(int(octal, 8))
        else:
            code = int(short or long, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise OutputOptionsError(f"record_template: invalid Unicode escape {where}")
            out += chr(code).encode()
        position = match.end()
    rest = body[position:]
    if "\\" in rest or '"' in rest:
        raise OutputOptionsError(f"record_template: bad string constant {where}")
    out += rest.encode()
    return bytes(out)
