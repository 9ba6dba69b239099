"""record_template: Go text/template reduced to fields, constants and comments."""

import pytest

from hecharness.generate import OutputOptionsError
from hecharness.generate.template import parse_template


def test_the_documented_template():
    template = parse_template('"client-ip":{{.ClientIP}},"timestamp":{{.EdgeStartTimestamp}},"ray-id":{{.RayID}}')
    assert template.parts == (b'"client-ip":', "ClientIP", b',"timestamp":', "EdgeStartTimestamp", b',"ray-id":', "RayID", b"")
    assert template.fields == ("ClientIP", "EdgeStartTimestamp", "RayID")


def test_constants_comments_and_literal_braces():
    template = parse_template('{{"a\\tb\\u00e9\\x41"}}|{{`{{raw}}`}}|{{/* dropped {{ }} */}}{{ .RayID }}')
    assert template.parts == (b"a\tb\xc3\xa9A|{{raw}}|", "RayID", b"")


def test_trim_markers_eat_neighbouring_whitespace():
    assert parse_template("a  {{- .X -}}  b").parts == (b"a", "X", b"b")
    assert parse_template("a \n{{- /* c */ -}}\t b").parts == (b"ab",)


def test_a_dash_without_a_space_is_not_a_trim_marker():
    with pytest.raises(OutputOptionsError, match="not '-3'"):
        parse_template("{{-3}}")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ .RayID ", "record_template: unclosed action at offset 0"),
        ("x {{ if .RayID }}y{{ end }}", "record_template: only {{ .Field }}, string constants and comments are allowed, not 'if .RayID' at offset 2"),
        ("{{ .A.B }}", "not '.A.B'"),
        ("{{ . }}", "not '.'"),
        ("{{ .RayID | printf }}", "not '.RayID | printf'"),
        ("{{}}", "record_template: empty action at offset 0"),
        ('{{ "bad \\q escape" }}', "record_template: bad string constant"),
        ('{{ "\\U00110000" }}', "record_template: invalid Unicode escape"),
        ('{{ "\\777" }}', "record_template: octal escape out of range"),
        ("{{/* unterminated }}", "record_template: unclosed action"),
        ('{{ "open }}', "record_template: unclosed action"),
    ],
)
def test_unsupported_templates_are_refused(source, message):
    with pytest.raises(OutputOptionsError) as caught:
        parse_template(source)
    assert message in str(caught.value)
