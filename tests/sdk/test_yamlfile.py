"""Tests for jimu.yamlfile: positions, every error path, and properties over arbitrary input.

The strict xfails these tests first recorded (unchecked tags on collections, PyYAML exceptions
escaping, merge keys taken for duplicates, positions of control characters, BOMs and NULs) were
fixed in yamlfile.py; the tests now hold.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jimu import yamlfile
from jimu.yamlfile import MAX_DEPTH, Position, YamlDocument, YamlError, load_yaml, load_yaml_file

# --------------------------------------------------------------------------- positions

BLOCK = """\
name: demo
steps:
  - uses: fetch
    with:
      url: "http://x"
      retries: 3
  - uses: store
    tags: [a, b]
meta: {owner: ops, ids: [1, 2]}
"""


@pytest.fixture
def block() -> YamlDocument:
    return load_yaml(BLOCK)


def test_block_document_data(block):
    assert block.data == {
        "name": "demo",
        "steps": [
            {"uses": "fetch", "with": {"url": "http://x", "retries": 3}},
            {"uses": "store", "tags": ["a", "b"]},
        ],
        "meta": {"owner": "ops", "ids": [1, 2]},
    }
    assert block.text == BLOCK


@pytest.mark.parametrize(
    "path,line,column",
    [
        ((), 1, 1),
        (("name",), 1, 7),
        (("steps",), 3, 3),  # a block sequence starts at its first "-"
        (("steps", 0), 3, 5),
        (("steps", 0, "uses"), 3, 11),
        (("steps", 0, "with"), 5, 7),
        (("steps", 0, "with", "url"), 5, 12),  # at the opening quote
        (("steps", 0, "with", "retries"), 6, 16),
        (("steps", 1), 7, 5),
        (("steps", 1, "uses"), 7, 11),
        (("steps", 1, "tags"), 8, 11),
        (("steps", 1, "tags", 0), 8, 12),
        (("steps", 1, "tags", 1), 8, 15),
        (("meta",), 9, 7),
        (("meta", "owner"), 9, 15),
        (("meta", "ids"), 9, 25),
        (("meta", "ids", 0), 9, 26),
        (("meta", "ids", 1), 9, 29),
    ],
)
def test_value_positions(block, path, line, column):
    assert block.positions[path] == Position(line, column)
    assert block.position(path) == Position(line, column)


@pytest.mark.parametrize(
    "path,line,column",
    [
        (("name",), 1, 1),
        (("steps",), 2, 1),
        (("steps", 0, "uses"), 3, 5),
        (("steps", 0, "with"), 4, 5),
        (("steps", 0, "with", "url"), 5, 7),
        (("steps", 0, "with", "retries"), 6, 7),
        (("steps", 1, "uses"), 7, 5),
        (("steps", 1, "tags"), 8, 5),
        (("meta",), 9, 1),
        (("meta", "owner"), 9, 8),
        (("meta", "ids"), 9, 20),
    ],
)
def test_key_positions(block, path, line, column):
    assert block.key_positions[path] == Position(line, column)
    assert block.position(path, key=True) == Position(line, column)


def test_every_value_and_key_has_a_position(block):
    assert set(block.positions) == {
        (), ("name",), ("steps",), ("steps", 0), ("steps", 0, "uses"), ("steps", 0, "with"),
        ("steps", 0, "with", "url"), ("steps", 0, "with", "retries"), ("steps", 1),
        ("steps", 1, "uses"), ("steps", 1, "tags"), ("steps", 1, "tags", 0), ("steps", 1, "tags", 1),
        ("meta",), ("meta", "owner"), ("meta", "ids"), ("meta", "ids", 0), ("meta", "ids", 1),
    }
    # only mapping entries have keys; sequence items do not
    assert set(block.key_positions) == {
        ("name",), ("steps",), ("steps", 0, "uses"), ("steps", 0, "with"), ("steps", 0, "with", "url"),
        ("steps", 0, "with", "retries"), ("steps", 1, "uses"), ("steps", 1, "tags"),
        ("meta",), ("meta", "owner"), ("meta", "ids"),
    }


def test_flow_document_positions():
    doc = load_yaml('{a: [1, {b: 2}], c: "d"}')
    assert doc.data == {"a": [1, {"b": 2}], "c": "d"}
    assert doc.positions == {
        (): Position(1, 1),
        ("a",): Position(1, 5),
        ("a", 0): Position(1, 6),
        ("a", 1): Position(1, 9),
        ("a", 1, "b"): Position(1, 13),
        ("c",): Position(1, 21),
    }
    assert doc.key_positions == {
        ("a",): Position(1, 2),
        ("a", 1, "b"): Position(1, 10),
        ("c",): Position(1, 18),
    }


def test_flow_document_over_several_lines():
    doc = load_yaml("steps: [\n  {uses: a},\n  {uses: b, n: 2}\n]\n")
    assert doc.data == {"steps": [{"uses": "a"}, {"uses": "b", "n": 2}]}
    assert doc.position(("steps",)) == Position(1, 8)
    assert doc.position(("steps", 0)) == Position(2, 3)
    assert doc.position(("steps", 0, "uses")) == Position(2, 10)
    assert doc.position(("steps", 1, "n")) == Position(3, 16)
    assert doc.position(("steps", 1, "n"), key=True) == Position(3, 13)


def test_sequence_of_sequences_and_block_scalars():
    doc = load_yaml("- - a\n  - b\n- |\n  text\n  more\n- >-\n  folded\n")
    assert doc.data == [["a", "b"], "text\nmore\n", "folded"]
    assert doc.position((0,)) == Position(1, 3)
    assert doc.position((0, 0)) == Position(1, 5)
    assert doc.position((0, 1)) == Position(2, 5)
    assert doc.position((1,)) == Position(3, 3)  # at the "|"
    assert doc.position((2,)) == Position(6, 3)


def test_columns_count_characters_not_bytes():
    doc = load_yaml("名前: 値\nb: [é, x]\n")
    assert doc.data == {"名前": "値", "b": ["é", "x"]}
    assert doc.position(("名前",)) == Position(1, 5)
    assert doc.position(("b", 1)) == Position(2, 8)


def test_crlf_line_endings():
    doc = load_yaml("a: 1\r\nb:\r\n  - x\r\n")
    assert doc.data == {"a": 1, "b": ["x"]}
    assert doc.position(("b", 0)) == Position(3, 5)
    assert doc.position(("b",), key=True) == Position(2, 1)
    assert doc.line_text(2) == "b:"
    assert doc.line_text(3) == "  - x"


def test_position_of_missing_path_falls_back_to_nearest_existing_parent(block):
    assert block.position(("steps", 0, "with", "timeout")) == Position(5, 7)  # the "with" mapping
    assert block.position(("steps", 0, "with", "timeout", "unit", 3)) == Position(5, 7)
    assert block.position(("steps", 7)) == Position(3, 3)  # index beyond the list: the list
    assert block.position(("steps", 1, "tags", 5)) == Position(8, 11)
    assert block.position(("nothing", "here")) == Position(1, 1)  # only the root remains
    assert block.position(["steps", 0, "uses"]) == Position(3, 11)  # any sequence is a path


def test_position_with_key_true(block):
    assert block.position(("steps", 0, "with"), key=True) == Position(4, 5)
    # sequence items have no key: the nearest key above them
    assert block.position(("steps", 1), key=True) == Position(2, 1)
    assert block.position(("steps", 1, "tags", 0), key=True) == Position(8, 5)
    # missing key: the key of the nearest existing parent
    assert block.position(("steps", 0, "with", "timeout"), key=True) == Position(4, 5)
    assert block.position(("meta", "missing"), key=True) == Position(9, 1)
    # nothing but the root: the root value's position
    assert block.position(("missing",), key=True) == Position(1, 1)
    assert block.position((), key=True) == Position(1, 1)


def test_position_in_document_not_starting_on_line_one():
    doc = load_yaml("# comment\n\n  a: 1\n")
    assert doc.position(()) == Position(3, 3)
    assert doc.position(("zzz",)) == Position(3, 3)
    assert doc.position(("a",), key=True) == Position(3, 3)
    assert doc.position(("a",)) == Position(3, 6)


def test_position_in_empty_document_is_line_one():
    doc = load_yaml("")
    assert doc.data is None
    assert doc.positions == {} and doc.key_positions == {}
    assert doc.position(("a", 0)) == Position(1, 1)
    assert doc.position((), key=True) == Position(1, 1)


def test_line_text(block):
    assert block.line_text(1) == "name: demo"
    assert block.line_text(5) == '      url: "http://x"'
    assert block.line_text(9) == "meta: {owner: ops, ids: [1, 2]}"
    assert block.line_text(block.position(("steps", 1, "tags")).line) == "    tags: [a, b]"
    assert block.line_text(0) == ""
    assert block.line_text(-1) == ""
    assert block.line_text(10) == ""  # the text ends with a newline: there is no line 10
    assert load_yaml("").line_text(1) == ""
    assert load_yaml("a: 1\n\nb: 2").line_text(2) == ""
    assert load_yaml("a: 1\n\nb: 2").line_text(3) == "b: 2"


def test_scalar_types_are_standard_yaml():
    doc = load_yaml(
        "s: text\nq: '2026-02-30'\ni: 42\nf: 1.5\nb: true\nn: null\nt: ~\n"
        "d: 2026-02-28\nts: 2026-02-28 10:11:12\nbin: !!binary aGk=\nhex: 0x1f\n"
    )
    assert doc.data == {
        "s": "text", "q": "2026-02-30", "i": 42, "f": 1.5, "b": True, "n": None, "t": None,
        "d": datetime.date(2026, 2, 28), "ts": datetime.datetime(2026, 2, 28, 10, 11, 12),
        "bin": b"hi", "hex": 31,
    }


def test_non_string_scalar_keys():
    doc = load_yaml("1: a\n2.5: b\nnull: c\nfalse: d\n2020-01-01: e\n")
    # keys are names: each is kept as the text it was written as (1 and true would collide in a dict)
    assert doc.data == {"1": "a", "2.5": "b", "null": "c", "false": "d", "2020-01-01": "e"}
    assert doc.position(("1",), key=True) == Position(1, 1)
    assert doc.position(("2020-01-01",)) == Position(5, 13)


def test_yaml_error_is_an_exception_whose_str_is_the_message():
    err = YamlError("boom", Position(3, 4), "hint")
    assert isinstance(err, Exception)
    assert str(err) == "boom"
    assert (err.message, err.position, err.hint) == ("boom", Position(3, 4), "hint")
    assert YamlError("x", Position(1, 1)).hint is None


# --------------------------------------------------------------------------- syntax errors


def _error(text: str) -> YamlError:
    with pytest.raises(YamlError) as info:
        load_yaml(text)
    return info.value


@pytest.mark.parametrize(
    "text,problem,line,column,hint",
    [
        ("a: b: c\n", "mapping values are not allowed in this context", 1, 5,
         "a value containing ': ' needs quotes"),
        ("a: 1\n\tb: 2\n", "found a tab character that violates indentation", 2, 1,
         "indent with spaces, not tabs"),
        ("a:\n  b: 1\n\tc: 2\n", "found a tab character that violates indentation", 3, 1,
         "indent with spaces, not tabs"),
        ("a: |\n\tx\n", "found a tab character where an indentation space is expected", 2, 1,
         "indent with spaces, not tabs"),
        ("a: [1, 2\nb: 3\n", "did not find expected ',' or ']'", 2, 2,
         "check the indentation of this line against the one above"),
        ("a: [1, 2", "did not find expected ',' or ']'", 2, 1,
         "check the indentation of this line against the one above"),
        ("a: {x: 1\n", "did not find expected ',' or '}'", 2, 1,
         "check the indentation of this line against the one above"),
        ("a: 1\nb\nc: 2\n", "could not find expected ':'", 3, 1, "each line of a mapping is `key: value`"),
        ("a:\n  b: 1\n c: 2\n", "did not find expected key", 3, 2,
         "check the indentation of this line against the one above"),
        ("a: 'abc\n", "found unexpected end of stream", 2, 1, None),
        ("a: *x\n", "found undefined alias", 1, 4, None),
    ],
)
def test_syntax_errors(text, problem, line, column, hint):
    err = _error(text)
    assert err.message == f"YAML syntax: {problem}"
    assert err.position == Position(line, column)
    assert err.hint == hint


def test_syntax_error_is_not_chained():
    err = _error("a: b: c\n")
    assert err.__cause__ is None and err.__suppress_context__


@pytest.mark.parametrize("text", ["a:\n\tb: 1\n", "\ta: 1\n"])
def test_tab_hint_for_tab_indented_mapping(text):
    err = _error(text)
    assert err.message == "YAML syntax: found character that cannot start any token"
    assert err.hint == "indent with spaces, not tabs"


def test_multi_document_file_is_refused():
    err = _error("a: 1\n---\nb: 2\n")
    assert err.message == "YAML syntax: but found another document"
    assert err.position == Position(2, 1)
    err = _error("---\na: 1\n---\nb: 2\n")
    assert err.position == Position(3, 1)


def test_single_document_with_markers_is_fine():
    assert load_yaml("---\na: 1\n...\n").data == {"a": 1}


def test_parser_nesting_limit_is_a_yaml_error():
    err = _error("[" * 1001 + "]" * 1001)
    assert err.message == "YAML syntax: exceeded maximum nesting depth"
    assert err.position.line == 1


# --------------------------------------------------------------------------- duplicate keys


def test_duplicate_key_names_the_first_line():
    err = _error("a: 1\nb: 2\na: 3\n")
    assert err.message == "duplicate key 'a' (first at line 1)"
    assert err.position == Position(3, 1)
    assert err.hint == "remove one of them; YAML would silently keep only the last"


def test_duplicate_key_in_nested_mapping():
    err = _error("outer:\n  a: 1\n  b: 2\n  a: 3\n")
    assert err.message == "duplicate key 'a' (first at line 2)"
    assert err.position == Position(4, 3)


def test_duplicate_key_in_flow_mapping():
    err = _error("x: 0\ny: {a: 1, b: 2, a: 3}\n")
    assert err.message == "duplicate key 'a' (first at line 2)"
    assert err.position == Position(2, 17)


def test_duplicate_key_of_other_types():
    err = _error("- 1: a\n  2: b\n  1: c\n")
    assert err.message == "duplicate key '1' (first at line 1)"
    assert err.position == Position(3, 3)


def test_keys_equal_in_python_but_written_differently_are_two_keys():
    assert load_yaml("1: a\ntrue: b\n1.0: c\n").data == {"1": "a", "true": "b", "1.0": "c"}


def test_same_key_at_different_levels_is_not_a_duplicate():
    assert load_yaml("a: {a: {a: 1}}\nb: [{a: 1}, {a: 2}]\n").data == {
        "a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}]}


# --------------------------------------------------------------------------- tags


@pytest.mark.parametrize(
    "text,tag",
    [
        ("a: !!python/object/apply:os.system ls\n", "tag:yaml.org,2002:python/object/apply:os.system"),
        ("a: !!python/object:os.system x\n", "tag:yaml.org,2002:python/object:os.system"),
        ("a: !!python/name:os.system ''\n", "tag:yaml.org,2002:python/name:os.system"),
        ("a: !<tag:yaml.org,2002:python/none> x\n", "tag:yaml.org,2002:python/none"),
    ],
)
def test_python_tags_on_scalars_are_refused(text, tag):
    err = _error(text)
    assert err.message == f"tag {tag!r} is not allowed: assemblies hold data, never objects"
    assert err.position == Position(1, 4)


@pytest.mark.parametrize(
    "text,tag,position",
    [
        ("a: !foo bar\n", "!foo", Position(1, 4)),
        ("x: 1\nlist:\n  - !Ref thing\n", "!Ref", Position(3, 5)),
        ("!foo a: 1\n", "!foo", Position(1, 1)),  # on a key
        ("a: !<tag:example.com,2000:app> x\n", "tag:example.com,2000:app", Position(1, 4)),
    ],
)
def test_custom_tags_on_scalars_are_refused(text, tag, position):
    err = _error(text)
    assert err.message == f"tag {tag!r} is not allowed: assemblies hold data, never objects"
    assert err.position == position
    assert err.hint == "remove the !tag"


def test_standard_tags_are_accepted():
    doc = load_yaml("a: !!str 1\nb: !!int '7'\nc: !!float 2\nd: !<tag:yaml.org,2002:str> x\ne: !!set {x}\n")
    assert doc.data == {"a": "1", "b": 7, "c": 2.0, "d": "x", "e": {"x"}}  # a YAML !!set is a set


@pytest.mark.parametrize(
    "text,message",
    [
        ("a: !!int abc\n", "invalid value 'abc': invalid literal for int() with base 10: 'abc'"),
        ("a: !!seq foo\n", "invalid value: expected a sequence node, but found scalar"),
        ("a: !!merge x\n", "invalid value: could not determine a constructor for the tag "
                           "'tag:yaml.org,2002:merge'"),
    ],
)
def test_standard_tags_with_wrong_values_are_refused(text, message):
    err = _error(text)
    assert err.message == message
    assert err.position == Position(1, 4)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object:os.system {}\n",
        "a: !!python/object/apply:os.system [ls]\n",
        "a: !!python/tuple [1, 2]\n",
        "a: !foo {x: 1}\n",
        "a: !foo [1]\n",
    ],
)
def test_tags_on_collections_are_refused(text):
    err = _error(text)
    assert "not allowed" in err.message or "could not determine a constructor" in err.message
    assert err.position == Position(1, 4)


# --------------------------------------------------------------------------- aliases, cycles, depth


def test_recursive_alias_in_sequence_is_a_cycle():
    err = _error("a: &x [*x]\n")
    assert err.message == "an alias refers to a value that contains it (a cycle)"
    assert err.position == Position(1, 4)
    assert err.hint == "remove the *alias inside its own &anchor"


def test_recursive_alias_in_mapping_is_a_cycle():
    err = _error("top:\n  a: &x\n    b:\n      c: *x\n")
    assert err.message == "an alias refers to a value that contains it (a cycle)"
    # an alias is the very node of its anchor: the error stands at the &anchor, not at the *alias
    assert err.position == Position(2, 6)


def test_shared_alias_that_is_not_a_cycle_is_fine():
    doc = load_yaml("a: &x [1, 2]\nb: [*x, *x]\nc: *x\n")
    assert doc.data == {"a": [1, 2], "b": [[1, 2], [1, 2]], "c": [1, 2]}
    # an alias has no node of its own: its values stand where the &anchor's value stands
    assert doc.position(("c",)) == Position(1, 4)
    assert doc.position(("b", 1, 0)) == Position(1, 8)
    assert doc.position(("c",), key=True) == Position(3, 1)


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused():
    err = _error(BILLION_LAUGHS)
    assert err.message == "the document expands to too many values (alias bomb?)"
    assert err.hint == "remove repeated anchors/aliases"
    assert err.position.line == 1  # the expansion only ever reaches copies of the "lol" list


def test_node_limit_counts_every_value(monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_NODES", 5)
    assert load_yaml("[1, 2, 3, 4]").data == [1, 2, 3, 4]  # 5 values: the list and 4 items
    err = _error("[1, 2, 3, 4, 5]")
    assert err.message == "the document expands to too many values (alias bomb?)"
    assert err.position == Position(1, 14)  # the 6th value


def _nested(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


def test_nesting_up_to_max_depth_is_fine():
    doc = load_yaml(_nested(MAX_DEPTH))
    value = doc.data
    for _ in range(MAX_DEPTH):
        value = value[0]
    assert value == 1
    assert doc.position((0,) * MAX_DEPTH) == Position(1, MAX_DEPTH + 1)


def test_nesting_deeper_than_max_depth_is_refused():
    err = _error(_nested(MAX_DEPTH + 1))
    assert err.message == f"the document is nested more than {MAX_DEPTH} levels deep"
    assert err.position == Position(1, MAX_DEPTH + 2)  # the value at depth MAX_DEPTH + 1


def test_block_nesting_deeper_than_max_depth_is_refused():
    text = "".join(f"{'  ' * i}k{i}:\n" for i in range(MAX_DEPTH)) + "  " * MAX_DEPTH + "leaf: 1\n"
    err = _error(text)
    assert err.message == f"the document is nested more than {MAX_DEPTH} levels deep"
    assert err.position == Position(MAX_DEPTH + 1, 2 * MAX_DEPTH + 7)  # the value 1


def test_alias_chain_deeper_than_max_depth_is_refused():
    text = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, MAX_DEPTH + 5))
    err = _error(text)
    assert err.message == f"the document is nested more than {MAX_DEPTH} levels deep"


# --------------------------------------------------------------------------- values and keys


def test_invalid_date_asks_to_quote_it():
    err = _error("x: 1\nd: 2026-02-30\n")
    assert err.message == "invalid value '2026-02-30': day is out of range for month"
    assert err.position == Position(2, 4)
    assert err.hint == "quote it to keep it as text"


@pytest.mark.parametrize(
    "text,message",
    [
        ("a: 2026-13-01\n", "invalid value '2026-13-01': month must be in 1..12"),
        ("a: 0000-01-01\n", "invalid value '0000-01-01': year 0 is out of range"),
        ("a: 2026-01-01 25:00:00\n", "invalid value '2026-01-01 25:00:00': hour must be in 0..23"),
    ],
)
def test_other_invalid_timestamps(text, message):
    err = _error(text)
    assert err.message == message
    assert err.position == Position(1, 4)
    assert err.hint == "quote it to keep it as text"


@pytest.mark.parametrize(
    "text,position",
    [
        ("? [a]\n: 1\n", Position(1, 3)),
        ("{a: 1}: 2\n", Position(1, 1)),
        ("x: 1\ny:\n  ? {b: 1}\n  : 2\n", Position(3, 5)),
        ("!!python/tuple [1]: 2\n", Position(1, 1)),
    ],
)
def test_non_scalar_mapping_key_is_refused(text, position):
    err = _error(text)
    assert err.message == "a mapping key must be a plain value, not a list or mapping"
    assert err.position == position


# --------------------------------------------------------------------------- merge keys


def test_merge_key():
    doc = load_yaml("base: &base\n  x: 1\n  y: 2\nd:\n  <<: *base\n  z: 3\n")
    assert doc.data == {"base": {"x": 1, "y": 2}, "d": {"x": 1, "y": 2, "z": 3}}
    # merged keys and values stand where they were written: in the base
    assert doc.position(("d", "x"), key=True) == Position(2, 3)
    assert doc.position(("d", "x")) == Position(2, 6)
    assert doc.position(("d", "z"), key=True) == Position(6, 3)
    assert doc.position(("d", "z")) == Position(6, 6)
    assert ("d", "<<") not in doc.key_positions


def test_merge_key_with_list_of_mappings():
    doc = load_yaml("a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n")
    assert doc.data == {"a": {"x": 1}, "b": {"y": 2}, "c": {"x": 1, "y": 2, "z": 3}}
    assert doc.data == yaml.safe_load("a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n")


def test_merge_key_with_inline_mapping_and_in_sequence_items():
    text = "defaults: &d {retries: 3}\nsteps:\n  - <<: *d\n    uses: a\n  - {<<: {retries: 1}, uses: b}\n"
    assert load_yaml(text).data == {
        "defaults": {"retries": 3},
        "steps": [{"retries": 3, "uses": "a"}, {"retries": 1, "uses": "b"}],
    }


def test_merge_key_can_be_overridden():
    text = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  x: 3\n"
    assert load_yaml(text).data == yaml.safe_load(text) == {"base": {"x": 1, "y": 2}, "d": {"x": 3, "y": 2}}


def test_merged_mappings_may_share_a_key():
    text = "a: &a {retries: 1}\nb: &b {retries: 2}\nc:\n  <<: [*a, *b]\n"
    assert load_yaml(text).data["c"] == {"retries": 1}


# --------------------------------------------------------------------------- inputs load_yaml mishandles


@pytest.mark.parametrize(
    "text,position",
    [
        pytest.param("a: !!bool foo\n", Position(1, 4)),
        pytest.param("a: !!timestamp foo\n", Position(1, 4)),
        pytest.param("a: !!int ''\n", Position(1, 4)),
        pytest.param("a: !!float ''\n", Position(1, 4)),
        pytest.param("d:\n  <<: 1\n", Position(2, 3)),
        pytest.param("c:\n  <<: [1]\n", Position(2, 3)),
        pytest.param("s: &s [1]\nm:\n  <<: *s\n", Position(3, 3)),
        pytest.param("{<<: " * 999 + "{x: 1}" + "}" * 999, Position(1, 1)),
        pytest.param("a: \ud800\n", Position(1, 4)),
    ],
)
def test_odd_input_raises_yaml_error(text, position):
    err = _error(text)
    assert err.position.line == position.line


@pytest.mark.parametrize("char", ["\x01", "\x00", "\x7f"])
def test_control_character_is_reported_where_it_stands(char):
    err = _error(f"a: 1\nb: {char}\n")
    assert err.position == Position(2, 4)


@pytest.mark.parametrize("char", ["\x01", "\x00", "\x1b"])
def test_control_character_is_a_yaml_error(char):
    err = _error(f"a: 1\nb: {char}\n")
    assert err.message.startswith(f"YAML syntax: unacceptable character #x{ord(char):04x}")


# --------------------------------------------------------------------------- files


def _write(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "assembly.yaml"
    path.write_bytes(raw)
    return path


def test_load_yaml_file(tmp_path):
    doc = load_yaml_file(_write(tmp_path, BLOCK.encode()))
    assert doc.data == load_yaml(BLOCK).data
    assert doc.position(("steps", 1, "tags", 1)) == Position(8, 15)


def test_load_yaml_file_accepts_str_path(tmp_path):
    path = _write(tmp_path, b"a: 1\n")
    assert load_yaml_file(str(path)).data == {"a": 1}


def test_empty_file_has_no_data(tmp_path):
    doc = load_yaml_file(_write(tmp_path, b""))
    assert doc.data is None
    assert doc.text == ""
    assert doc.position(("anything",)) == Position(1, 1)
    assert load_yaml_file(_write(tmp_path, b"# just a comment\n\n")).data is None


def test_utf8_bom_is_accepted(tmp_path):
    doc = load_yaml_file(_write(tmp_path, "\ufeffname: café\nn: 1\n".encode()))
    assert doc.data == {"name": "café", "n": 1}
    assert doc.text == "name: café\nn: 1\n"  # the BOM is not part of the text
    assert doc.position(("name",)) == Position(1, 7)  # and does not shift columns
    assert doc.line_text(1) == "name: café"


def test_bom_in_a_string_is_accepted_too():
    doc = load_yaml("\ufeffa: 1\nb: 2\n")
    assert doc.data == {"a": 1, "b": 2}
    assert doc.position(("a",)) == Position(1, 4)


def test_file_that_is_not_utf8(tmp_path):
    with pytest.raises(YamlError) as info:
        load_yaml_file(_write(tmp_path, b"a: 1\nb: \xff\nc: 3\n"))
    assert info.value.message == "the file is not UTF-8 text (byte 0xff)"
    assert info.value.position == Position(2, 4)
    assert info.value.hint == "save the file as UTF-8"


@pytest.mark.parametrize(
    "raw,byte,position",
    [
        (b"\xe9t\xe9: 1\n", 0xE9, Position(1, 1)),  # Latin-1
        (b"a: 1\nb: 2\n  c: d\xe2\x82\n", 0xE2, Position(3, 7)),  # truncated sequence
        (b"a: \xe2\x82", 0xE2, Position(1, 4)),  # truncated at the end of the file
        ("a: 1\n".encode("utf-16"), 0xFF, Position(1, 1)),  # UTF-16 with its BOM
        (b"a: \xc0\x80\n", 0xC0, Position(1, 4)),  # overlong encoding of NUL
    ],
)
def test_other_non_utf8_files(tmp_path, raw, byte, position):
    with pytest.raises(YamlError) as info:
        load_yaml_file(_write(tmp_path, raw))
    assert info.value.message == f"the file is not UTF-8 text (byte 0x{byte:02x})"
    assert info.value.position == position


def test_non_utf8_byte_after_a_bom(tmp_path):
    with pytest.raises(YamlError) as info:
        load_yaml_file(_write(tmp_path, b"\xef\xbb\xbfa: 1\nb: \xff\n"))
    assert info.value.message == "the file is not UTF-8 text (byte 0xff)"
    assert info.value.position == Position(2, 4)


def test_non_utf8_byte_column_counts_characters(tmp_path):
    with pytest.raises(YamlError) as info:
        load_yaml_file(_write(tmp_path, "é: ".encode() + b"\xff\n"))
    assert info.value.position == Position(1, 4)


def test_nul_character_in_file(tmp_path):
    with pytest.raises(YamlError) as info:
        load_yaml_file(_write(tmp_path, b"a: 1\nb: \x00\n"))
    assert info.value.message == "the file contains a NUL character"
    assert info.value.position.line == 2
    assert info.value.hint == "is this a binary file? assemblies are YAML text"


def test_nul_character_at_start_of_file(tmp_path):
    with pytest.raises(YamlError) as info:
        load_yaml_file(_write(tmp_path, b"\x00\x00\x00\x01binary"))
    assert info.value.message == "the file contains a NUL character"
    assert info.value.position == Position(1, 1)


def test_nul_character_column(tmp_path):
    with pytest.raises(YamlError) as info:
        load_yaml_file(_write(tmp_path, b"a: 1\nb: \x00\n"))
    assert info.value.position == Position(2, 4)


def test_file_errors_from_the_parser_keep_their_positions(tmp_path):
    with pytest.raises(YamlError) as info:
        load_yaml_file(_write(tmp_path, b"a: 1\nb: 2\na: 3\n"))
    assert info.value.message == "duplicate key 'a' (first at line 1)"
    assert info.value.position == Position(3, 1)


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_yaml_file(tmp_path / "missing.yaml")


# --------------------------------------------------------------------------- properties

PROPERTY = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.text())
def test_any_text_loads_or_raises_yaml_error(text):
    try:
        doc = load_yaml(text)
    except YamlError as err:
        assert isinstance(err.position, Position)
        assert err.position.line >= 1 and err.position.column >= 1
        assert err.message
    else:
        assert isinstance(doc, YamlDocument)
        assert doc.text == text


@PROPERTY
@given(st.binary())
def test_any_bytes_load_or_raise_yaml_error(raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.yaml"
        path.write_bytes(raw)
        try:
            doc = load_yaml_file(path)
        except YamlError as err:
            assert err.position.line >= 1 and err.position.column >= 1
        else:
            assert isinstance(doc, YamlDocument)


_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text())
_documents = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=25,
)


@PROPERTY
@given(_documents, st.sampled_from([None, True, False]), st.booleans())
def test_safe_dumped_documents_load_like_safe_load(data, flow_style, unicode):
    text = yaml.safe_dump(data, default_flow_style=flow_style, allow_unicode=unicode)
    doc = load_yaml(text)
    assert doc.data == yaml.safe_load(text)
    # every value of the data has a position, and positions fall inside the text
    lines = text.splitlines()
    for path, position in doc.positions.items():
        assert 1 <= position.line <= len(lines) + 1
        assert position.column >= 1
        value = doc.data
        for part in path:
            value = value[part]
