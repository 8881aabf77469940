"""The validator's caches and shortcuts (what makes ``bench/validation.py`` fast) never change a finding.

Each shortcut is checked against what it stands for: the expression cache against a fresh
check, a changed file or catalog against stale results, the per-validator step outcomes against
files of other kinds (levels, branches), the no-graph run order against networkx, the shared
parsed composite against a second validation, the collector pause against the collector's state.
"""

from __future__ import annotations

import gc
import itertools
import textwrap
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jimu import Composite, ContractModel, Domain, capability, hookimpl, load_catalog
from jimu.assembly import exprs, validate_paths
from jimu.assembly.collector import collector_paused
from jimu.assembly.load import display_path
from jimu.expressions.checker import check
from jimu.types import DOUBLE, INT, STRING, TypeKind, VType
from jimu.yamlfile import load_yaml


# --------------------------------------------------------------------------- a tiny catalog


def _catalog(y_type: type, composite_dir: Path | None = None, composites: tuple[str, ...] = (),
             entitled: tuple[str, ...] = ()):
    """One domain, an L5 step ``alpha.step.one`` taking x: float and giving y of ``y_type``."""

    class In(ContractModel):
        x: float

    Out = type("Out", (ContractModel,), {"__annotations__": {"y": y_type}})

    def step(v: In) -> Out:
        """A step for the tests."""
        return Out(y=v.x)

    items = [Domain(id="alpha", name="Alpha", name_zh="域", owner="t"),
             capability(id="alpha.step.one", version="1.0.0", level=5, name="One", name_zh="一", owner="t",
                        input=In, output=Out, entitlements=entitled)(step)]
    files = [composite_dir / f"{c}.yaml" for c in composites] if composite_dir else []

    class Plugin:
        @hookimpl
        def jimu_register(self, register):
            for item in items:
                register(item)
            for path in files:
                register(Composite.from_file(path))

    catalog = load_catalog(installed=False, plugins=[Plugin()])
    assert not catalog.problems, catalog.problems
    return catalog


def _product(branch: str = "bench", when: str = "steps.a.y > 1.0") -> str:
    return textwrap.dedent(f"""\
        kind: product
        id: {branch}.p
        version: 1.0.0
        branch: {branch}
        name: P
        name_zh: 产品
        owner: t
        inputs: {{x: number}}
        steps:
          - id: a
            uses: alpha.step.one
            version: "~=1.0"
          - id: b
            uses: alpha.step.one
            version: "~=1.0"
            when: "{when}"
            with: {{x: steps.a.y}}
        decision: none
        outputs: {{y: steps.b.y?}}
        """)


def _composite(cid: str, level: int) -> str:
    return textwrap.dedent(f"""\
        kind: composite
        id: {cid}
        version: 1.0.0
        level: {level}
        name: C
        name_zh: 组合
        owner: t
        lifecycle: production
        inputs: {{x: number}}
        steps:
          - id: s0
            uses: alpha.step.one
            version: "~=1.0"
          - id: s1
            uses: alpha.step.one
            version: "~=1.0"
        outputs: {{y: steps.s1.y}}
        """)


def _found(analyses, name: str) -> list[tuple]:
    analysis, = [a for a in analyses if a.file.path.name == name]
    return [(d.code, d.message, d.line, d.column, d.hint) for d in analysis.diagnostics]


# --------------------------------------------------------------------------- the expression cache


def _scope(y: VType, steps: tuple[str, ...] = ("a", "b"), name: str = "Out") -> VType:
    out = VType(TypeKind.OBJECT, fields=(("y", y),), name=name)
    return VType(TypeKind.OBJECT, fields=(
        ("inputs", VType(TypeKind.OBJECT, fields=(("x", DOUBLE),), name="inputs")),
        ("steps", VType(TypeKind.OBJECT, fields=tuple((s, out) for s in steps), name="steps"))))


def test_equal_types_share_one_analysis_that_equals_a_fresh_check():
    text = "steps.a.y > 1.0 && inputs.x < 2.0"
    first = exprs.analyse(text, _scope(DOUBLE))
    # other steps around, and a step type of another name: what the expression reads is the same
    second = exprs.analyse(text, _scope(DOUBLE, steps=("a", "z", "q"), name="Other"))
    assert second is first
    fresh = check(text, _scope(DOUBLE))
    assert (first.type, first.findings) == (fresh.type, fresh.findings) and not first.findings


def test_a_changed_field_type_is_checked_again():
    text = "steps.a.y > 1.0"
    assert not exprs.analyse(text, _scope(DOUBLE)).findings
    as_text = exprs.analyse(text, _scope(STRING))
    assert [f.code for f in as_text.findings] == ["J403"]
    as_int = exprs.analyse(text, _scope(INT))  # int and double compare: no finding, another key all the same
    assert not as_int.findings and as_int is not exprs.analyse(text, _scope(DOUBLE))


def test_a_nullable_step_on_the_way_is_part_of_the_key():
    text = "steps.a.y"
    plain = exprs.analyse(text, _scope(DOUBLE))
    out = VType(TypeKind.OBJECT, nullable=True, fields=(("y", DOUBLE),), name="Out")
    scope = VType(TypeKind.OBJECT, fields=(("steps", VType(TypeKind.OBJECT, fields=(("a", out),))),))
    nullable = exprs.analyse(text, scope)
    assert plain.type.describe() == "double" and nullable.type.describe() == "double?"


def test_unknown_names_are_not_cached_their_hints_list_the_others():
    text = "steps.c.y"
    one = exprs.analyse(text, _scope(DOUBLE, steps=("a", "b")))
    other = exprs.analyse(text, _scope(DOUBLE, steps=("cc", "d")))
    assert [f.code for f in one.findings] == [f.code for f in other.findings] == ["J402"]
    assert one.findings[0].hint != other.findings[0].hint  # each names its own steps


def test_reads_and_guards_are_immutable_when_cached():
    assert isinstance(exprs.reads("steps.a.y > 1"), tuple)
    assert isinstance(exprs.guards("has(steps.a.y) && steps.a.y > 1"), frozenset)
    assert "has:a" in exprs.guards("has(steps.a.y) && steps.a.y > 1")


# --------------------------------------------------------------------------- files and catalogs change


def test_a_changed_file_is_validated_anew(tmp_path):
    catalog = _catalog(float)
    path = tmp_path / "p.yaml"
    path.write_text(_product(), encoding="utf-8")
    assert _found(validate_paths([path], catalog), "p.yaml") == []
    path.write_text(_product(when="steps.a.y > 'high'"), encoding="utf-8")
    found = _found(validate_paths([path], catalog), "p.yaml")
    assert [f[0] for f in found] == ["J403"] and found[0][2] == 16


def test_a_changed_catalog_is_not_met_with_stale_results(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(_product(), encoding="utf-8")
    assert _found(validate_paths([path], _catalog(float)), "p.yaml") == []
    # the same text, a capability whose y became a string: the when compares text with a number now
    assert [f[0] for f in _found(validate_paths([path], _catalog(str)), "p.yaml")] == ["J403"]
    path.write_text(_product(when="inputs.x > 1.0"), encoding="utf-8")  # and the binding feeds text to x
    assert _found(validate_paths([path], _catalog(float)), "p.yaml") == []
    assert [f[0] for f in _found(validate_paths([path], _catalog(str)), "p.yaml")] == ["J303"]


def test_validating_twice_with_one_catalog_reports_an_installed_composites_findings_once(tmp_path):
    folder = tmp_path / "hq"
    folder.mkdir()
    (folder / "alpha.task.c.yaml").write_text(_composite("alpha.task.c", 4), encoding="utf-8")
    catalog = _catalog(float, folder, ("alpha.task.c",))
    product = tmp_path / "p.yaml"
    product.write_text(_product().replace("uses: alpha.step.one\n    version: \"~=1.0\"\n  - id: b",
                                          "uses: alpha.task.c\n    version: \"~=1.0\"\n  - id: b", 1),
                       encoding="utf-8")
    first = validate_paths([product], catalog)
    second = validate_paths([product], catalog)
    composite = [(d.code, d.line) for a in first for d in a.diagnostics if a.file.path.name == "alpha.task.c.yaml"]
    assert composite == [("J602", 11)]  # s0 feeds nothing the outputs read
    assert [(d.code, d.line) for a in second for d in a.diagnostics
            if a.file.path.name == "alpha.task.c.yaml"] == composite


# --------------------------------------------------------------------------- step outcomes by kind of file


def test_one_capability_in_files_of_other_levels_and_branches(tmp_path):
    """A step's findings are worked out once per capability and kind of file, and reported at each step."""
    (tmp_path / "l4.yaml").write_text(_composite("alpha.task.c", 4), encoding="utf-8")
    (tmp_path / "l3.yaml").write_text(_composite("alpha.activity.c", 3), encoding="utf-8")
    (tmp_path / "in.yaml").write_text(_product("bench"), encoding="utf-8")
    (tmp_path / "out.yaml").write_text(_product("other"), encoding="utf-8")
    analyses = validate_paths([tmp_path], _catalog(float, entitled=("bench",)))
    assert [f[0] for f in _found(analyses, "in.yaml")] == []
    out = _found(analyses, "out.yaml")
    assert [(f[0], f[2]) for f in out] == [("J205", 11), ("J205", 14)]  # at each step, not once
    assert _found(analyses, "l4.yaml") == _found(analyses, "l3.yaml") == [
        ("J602", "step 's0' computes nothing the decision or outputs read", 11, 9,
         "read its outputs (outputs:, with:, decision:) or remove the step")]


# --------------------------------------------------------------------------- run order without a graph


def _reach_by_networkx(reads: dict[int, set[int]], sinks: set[int]) -> tuple[list[int], set[int]]:
    graph = nx.DiGraph()
    graph.add_nodes_from(reads)
    graph.add_edges_from((source, step) for step, sources in reads.items() for source in sources)
    order = list(nx.lexicographical_topological_sort(graph, key=lambda n: n))
    needed = set(sinks)
    for sink in sinks:
        needed |= nx.ancestors(graph, sink)
    return order, needed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(2, 9).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n),
    st.sets(st.integers(0, n - 1), min_size=1))))
@example((3, [(0, 1), (1, 2)], {2}))  # a chain: s0 is needed through s1
@example((4, [(0, 3), (1, 2)], {2}))  # s0 and s3 are not
def test_steps_reading_only_steps_above_them_run_in_file_order_and_reach_as_networkx_says(graphs, case):
    """The J602 reach of the no-graph path (steps read only steps above) is networkx's, over random files."""
    n, pairs, sinks = case
    reads = {i: set() for i in range(n)}
    for a, b in pairs:
        if a != b:
            reads[max(a, b)].add(min(a, b))  # forward only: the shortcut's case
    lines = ["kind: composite", "id: alpha.task.g", "version: 1.0.0", "level: 4", "name: G", "name_zh: 组合",
             "owner: t", "lifecycle: production", "inputs: {x: number}", "steps:"]
    for i in range(n):
        lines += [f"  - id: s{i}", "    uses: alpha.step.one", '    version: "~=1.0"']
        if reads[i]:  # the step reads its sources in its when (its x still comes from inputs)
            lines.append('    when: "' + " && ".join(f"steps.s{j}.y > 0.0" for j in sorted(reads[i])) + '"')
    lines.append("outputs: {" + ", ".join(f"o{k}: steps.s{k}.y?" for k in sorted(sinks)) + "}")
    text = "\n".join(lines) + "\n"
    folder, catalog = graphs
    path = folder / f"g{next(_COUNT)}.yaml"
    path.write_text(text, encoding="utf-8")
    analysis, = validate_paths([path], catalog)
    order, needed = _reach_by_networkx(reads, sinks)
    assert analysis.order == [f"s{i}" for i in order]
    unreachable = {int(d.message.split("'")[1][1:]) for d in analysis.diagnostics if d.code == "J602"}
    assert unreachable == set(range(n)) - needed, [d.message for d in analysis.diagnostics]


_COUNT = itertools.count()


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    """A folder for the generated files and the catalog they use (module-wide: hypothesis runs many)."""
    return tmp_path_factory.mktemp("graphs"), _catalog(float)


def test_a_step_reading_a_step_below_it_is_ordered_by_the_graph(tmp_path):
    text = _product().replace("""\
  - id: a
    uses: alpha.step.one
    version: "~=1.0"
  - id: b
    uses: alpha.step.one
    version: "~=1.0"
    when: "steps.a.y > 1.0"
    with: {x: steps.a.y}
""", """\
  - id: b
    uses: alpha.step.one
    version: "~=1.0"
    when: "steps.a.y > 1.0"
    with: {x: steps.a.y}
  - id: a
    uses: alpha.step.one
    version: "~=1.0"
""")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    analysis, = validate_paths([path], _catalog(float))
    assert analysis.order == ["a", "b"] and analysis.diagnostics == []


# --------------------------------------------------------------------------- loading


def test_cached_plain_scalar_tags_still_resolve_by_text():
    for _ in range(2):  # the second time from the cache
        doc = load_yaml("a: 1.0\nb: 1.0.0\nc: true\nd: '1.0'\ne: 2026-01-02\nf: null\ng: 0x10\n")
        assert doc.data == {"a": 1.0, "b": "1.0.0", "c": True, "d": "1.0", "e": __import__("datetime").date(2026, 1, 2),
                            "f": None, "g": 16}


def test_display_paths_follow_the_working_directory_and_symlinks(tmp_path, monkeypatch):
    (tmp_path / "one" / "sub").mkdir(parents=True)
    (tmp_path / "two").mkdir()
    target = tmp_path / "one" / "sub" / "p.yaml"
    target.write_text("kind: product\n", encoding="utf-8")
    (tmp_path / "two" / "link.yaml").symlink_to(target)
    monkeypatch.chdir(tmp_path / "one")
    assert display_path(Path("sub/p.yaml")) == "sub/p.yaml"
    assert display_path(Path("sub/../sub/p.yaml")) == "sub/p.yaml"
    assert display_path(tmp_path / "two" / "link.yaml") == "sub/p.yaml"  # resolved, as before
    monkeypatch.chdir(tmp_path)  # the same relative folder name, another working directory
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.yaml").write_text("kind: product\n", encoding="utf-8")
    assert display_path(Path("sub/p.yaml")) == "sub/p.yaml"
    assert display_path(Path("one/sub/p.yaml")) == "one/sub/p.yaml"


def test_the_collector_is_paused_and_restored_as_it_was():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block restores the outer pause, not the collector
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller's own pause is left alone
    finally:
        gc.enable()
    with pytest.raises(ZeroDivisionError):
        with collector_paused():
            1 / 0
    assert gc.isenabled()


def test_after_a_pause_the_batchs_objects_are_old_and_still_collected():
    class Node:
        pass

    gc.collect()
    with collector_paused():
        ring = [Node() for _ in range(1000)]
        for a, b in zip(ring, ring[1:] + ring[:1]):
            a.next = b  # a cycle: only the cyclic collector frees it
        young = gc.get_count()[0]
    assert young > 1000 and gc.get_count()[0] < young  # handed to the oldest generation, not left young
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    probe = __import__("weakref").ref(ring[0])
    del ring, a, b
    gc.collect()
    assert probe() is None  # garbage cycles made during the pause are still freed by a full collection


def test_a_programs_own_frozen_objects_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_paused():
            [object() for _ in range(100)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
