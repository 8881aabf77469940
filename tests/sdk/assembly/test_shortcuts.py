"""The second round of validation shortcuts (``bench/validation.py``) never change a finding.

Each is checked against what it stands for: the plain acyclicity test against networkx, the
single-version resolution against the general one, the file read once against the old two
reads (an unreadable file, a BOM), the YAML builder's inline text values against positions
and limits, the memoised specifier check against packaging, and the written-out ``__init__``
of ``Diagnostic`` and ``VType`` against what a dataclass's own would do.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import textwrap

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jimu import ContractModel, Domain, capability, hookimpl, load_catalog
from jimu.assembly.load import load_file
from jimu.assembly.model import _is_specifier
from jimu.assembly.validate import Validator, _acyclic
from jimu.diagnostics import Diagnostic, Severity
from jimu.types import DOUBLE, TypeKind, VType
from jimu.yamlfile import MAX_DEPTH, MAX_NODES, YamlError, load_yaml

# --------------------------------------------------------------------------- composition cycles

edges = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)).map(lambda e: (f"c{e[0]}", f"c{e[1]}")),
                 max_size=20)


@settings(max_examples=300, deadline=None)
@given(edges)
def test_acyclic_agrees_with_networkx(pairs):
    graph = nx.DiGraph(pairs)
    assert _acyclic(pairs) == nx.is_directed_acyclic_graph(graph)


def test_acyclic_cases():
    assert _acyclic([])
    assert _acyclic([("a", "b"), ("a", "b"), ("b", "c")])  # a step used twice: one edge twice
    assert not _acyclic([("a", "a")])
    assert not _acyclic([("a", "b"), ("b", "c"), ("c", "a"), ("x", "a")])


# --------------------------------------------------------------------------- resolution


def _catalog(*versions: str):
    class In(ContractModel):
        x: float

    class Out(ContractModel):
        y: float

    def step(v: In) -> Out:
        """A step for the tests."""
        return Out(y=v.x)

    items = [Domain(id="alpha", name="Alpha", name_zh="域", owner="t")]
    items += [capability(id="alpha.step.one", version=v, level=5, name="One", name_zh="一", owner="t",
                         input=In, output=Out)(step) for v in versions]

    class Plugin:
        @hookimpl
        def jimu_register(self, register):
            for item in items:
                register(item)

    catalog = load_catalog(installed=False, plugins=[Plugin()])
    assert not catalog.problems, catalog.problems
    return catalog


@pytest.mark.parametrize("specifier", ["", "~=1.0", ">=2", "==1.0.0", "<1", "~=1.0.0rc1", ">=1.0.0rc1"])
@pytest.mark.parametrize("version", ["1.0.0", "1.0.0rc1", "2.1.0"])
def test_one_installed_version_resolves_as_the_general_case(specifier, version):
    validator = Validator(_catalog(version))
    fast = [validator._resolve(cid, specifier) for cid in ("alpha.step.one", "alpha", "alpha.step.none")]
    for cid in ("alpha.step.one", "alpha"):
        validator._local_by_id[cid] = []  # (no local file, but the general path taken)
    general = [validator._resolve(cid, specifier) for cid in ("alpha.step.one", "alpha", "alpha.step.none")]
    assert fast == general
    assert fast[2] == (None, [])


# --------------------------------------------------------------------------- reading a file once


def test_an_unreadable_file_says_so_with_an_empty_text(tmp_path):
    loaded = load_file(tmp_path)  # a folder: reading it fails
    assert loaded.text == "" and loaded.doc is None
    (d,) = loaded.diagnostics
    assert (d.code, d.line, d.column) == ("J101", 1, 1)
    assert d.message.startswith("cannot read the file: ")


def test_the_text_and_the_parse_come_from_one_read(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"\xef\xbb\xbfkind: product\nid: x\xff\n")
    loaded = load_file(path)
    assert loaded.text == "kind: product\nid: x\ufffd\n"  # as far as it decodes, the BOM dropped
    assert [d.code for d in loaded.diagnostics] == ["J101"]
    assert "not UTF-8" in loaded.diagnostics[0].message
    path.write_bytes(b"\xef\xbb\xbfkind: product\n")
    assert load_file(path).text == "kind: product\n"


# --------------------------------------------------------------------------- the YAML builder


def test_inline_text_values_keep_their_positions():
    doc = load_yaml(textwrap.dedent("""\
        a: one
        b:
          c: "two"
          d: [x, {e: three}]
        f: 4
        """))
    assert doc.data == {"a": "one", "b": {"c": "two", "d": ["x", {"e": "three"}]}, "f": 4}
    where = {path: (p.line, p.column) for path, p in doc.positions.items()}
    assert where[("a",)] == (1, 4) and where[("b", "c")] == (3, 6) and where[("b", "d", 1, "e")] == (4, 14)
    assert where[("f",)] == (5, 4)
    assert {path: (p.line, p.column) for path, p in doc.key_positions.items()}[("b", "c")] == (3, 3)


def test_a_text_value_below_the_depth_limit_is_refused_as_before():
    def nested(depth: int) -> str:  # ``depth`` mappings, the innermost holding a text value
        return "".join("  " * i + f"k{i}:\n" for i in range(depth - 1)) + "  " * (depth - 1) + f"k{depth - 1}: v\n"

    load_yaml(nested(MAX_DEPTH))  # the value's path has MAX_DEPTH keys: accepted
    with pytest.raises(YamlError, match="nested more than"):
        load_yaml(nested(MAX_DEPTH + 1))


def test_text_values_count_towards_the_node_limit():
    # text values inside an aliased mapping: built inline, still counted
    text = "a: &x {" + ", ".join(f"k{i}: v" for i in range(1000)) + "}\n" + \
        "".join(f"b{i}: *x\n" for i in range(MAX_NODES // 1000))
    with pytest.raises(YamlError, match="too many values"):
        load_yaml(text)
    assert load_yaml("".join(f"k{i}: v\n" for i in range(1000))).data["k999"] == "v"


# --------------------------------------------------------------------------- specifiers


@pytest.mark.parametrize("text,valid", [("", True), ("~=1.0", True), (">=1.2,<2", True), ("1.0", False),
                                        ("~=1", False), ("latest", False)])
def test_the_memoised_specifier_check_is_packagings(text, valid):
    assert _is_specifier(text) is valid
    assert _is_specifier(text) is valid  # and again, from the cache


# --------------------------------------------------------------------------- written-out __init__s


def test_diagnostic_is_the_dataclass_it_was():
    d = Diagnostic("J602", "m", "f.yaml", 3, 4, "h")
    assert d.severity is Severity.WARNING and d.hint == "h"
    assert d == Diagnostic(code="J602", message="m", file="f.yaml", line=3, column=4, hint="h")
    assert hash(d) == hash(Diagnostic("J602", "m", "f.yaml", 3, 4, "h"))
    assert Diagnostic("J602", "m", "f", 1, 1, severity="error").severity is Severity.ERROR
    assert dataclasses.replace(d, line=9).line == 9 and dataclasses.asdict(d)["column"] == 4
    assert pickle.loads(pickle.dumps(d)) == d and copy.copy(d) == d
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.line = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="unregistered"):
        Diagnostic("J999", "m", "f", 1, 1)
    with pytest.raises(ValueError):
        Diagnostic("J602", "m", "f", 1, 1, severity="fatal")
    with pytest.raises(TypeError):
        Diagnostic("J602", "m", "f", 1)  # type: ignore[call-arg]


def test_vtype_is_the_dataclass_it_was():
    t = VType(TypeKind.OBJECT, fields=(("y", DOUBLE),), name="Out")
    assert (t.kind, t.nullable, t.element, t.fields, t.name, t.values) == (TypeKind.OBJECT, False, None,
                                                                          (("y", DOUBLE),), "Out", ())
    assert t == VType(kind=TypeKind.OBJECT, fields=(("y", DOUBLE),), name="Out") and hash(t) == hash(copy.deepcopy(t))
    assert t != t.with_nullable(True) and t.with_nullable(True).nullable
    assert pickle.loads(pickle.dumps(t)) == t and dataclasses.replace(t, name="X").name == "X"
    assert hash(t) == hash((t.kind, t.nullable, t.element, t.fields, t.name, t.values))  # the dataclass's hash, cached
    assert "_hash" not in pickle.loads(pickle.dumps(t)).__dict__  # (another process hashes strings otherwise)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.name = "X"  # type: ignore[misc]


def test_every_type_fits_itself():
    """check_bindings skips assignable_to when a binding's type is the input's own type object."""
    from jimu.types import DYN, INT, NULL, STRING, list_of

    enum = VType(TypeKind.STRING, values=("a", "b"))
    obj = VType(TypeKind.OBJECT, fields=(("y", DOUBLE), ("n", INT.with_nullable(True)), ("e", enum)), name="O")
    for t in (DOUBLE, INT, STRING, NULL, DYN, enum, obj, list_of(obj), list_of(enum, nullable=True),
              obj.with_nullable(True), VType(TypeKind.STRING, values=())):
        assert t.assignable_to(t), t
