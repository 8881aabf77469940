"""Impact: what a change to one capability reaches, by which path, and which products it breaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import jimu
from jimu.assembly import find_assemblies
from jimu.governance.impact import impact, usage_graph

PLUGINS = ["jimu-credit", "jimu-test-good", "jimu-test-nextgen"]
ROOT = Path(__file__).resolve().parents[3]

HEADER = """\
kind: {kind}
id: {id}
version: 1.0.0
{extra}name: {id}
name_zh: 测试
owner: acme.team
inputs:
  x: number
  precision: integer
steps:
{steps}
decision: none
outputs:
  y: steps.{first}.y
"""

FILES = {
    "limits.yaml": dict(kind="composite", id="acme.limits", extra="level: 3\n", first="quad",
                        steps='  - {id: quad, uses: acme.task.quadruple, version: "<2"}'),
    "a.yaml": dict(kind="product", id="zhejiang.hangzhou.a", extra="branch: zhejiang.hangzhou\n", first="limits",
                   steps="  - {id: limits, uses: acme.limits}"),
    "b.yaml": dict(kind="product", id="zhejiang.hangzhou.b", extra="branch: zhejiang.hangzhou\n", first="twice",
                   steps='  - {id: twice, uses: acme.step.double, version: ">=2"}'),
    "c.yaml": dict(kind="product", id="zhejiang.hangzhou.c", extra="branch: zhejiang.hangzhou\n", first="half",
                   steps='  - {id: half, uses: acme.step.halve, version: ">=1"}'),
}


@pytest.fixture
def catalog(with_test_plugins):
    return jimu.load_catalog(allow=PLUGINS)


@pytest.fixture
def assemblies(tmp_path):
    for name, fields in FILES.items():
        (tmp_path / name).write_text(HEADER.format(**fields), encoding="utf-8")
    return tmp_path


@pytest.fixture
def graph(catalog, assemblies):
    return usage_graph(catalog, find_assemblies([assemblies]))


def by_id(result):
    return {a.id + ("@" + a.version if a.kind != "product" else ""): a for a in result.affected}


def test_the_assemblies_are_valid(catalog, assemblies):
    from jimu.assembly import validate_paths

    errors = [d for a in validate_paths([assemblies], catalog=catalog) for d in a.diagnostics if d.is_error]
    assert not errors, errors


def test_everything_that_reaches_it_with_the_path(graph):
    result = impact(graph, "acme.step.double")
    found = by_id(result)
    assert set(found) == {"acme.limits@1.0.0", "acme.task.quadruple@1.0.0", "acme.task.quadruple@2.0.0",
                          "zhejiang.hangzhou.a", "zhejiang.hangzhou.b"}
    assert found["zhejiang.hangzhou.a"].path_text() == (
        "zhejiang.hangzhou.a → step limits → acme.limits@1.0.0 → step quad → acme.task.quadruple@1.0.0 → uses → "
        "acme.step.double@1.0.0")
    assert found["zhejiang.hangzhou.b"].path_text() == "zhejiang.hangzhou.b → step twice → acme.step.double@2.0.0"
    assert found["zhejiang.hangzhou.a"].ids() == ["acme.step.double", "acme.task.quadruple", "acme.limits",
                                                  "zhejiang.hangzhou.a"]
    assert [a.kind for a in result.affected] == ["composite", "capability", "capability", "product", "product"]
    assert not result.breaking and not any(a.breaks for a in result.affected)
    assert found["zhejiang.hangzhou.a"].file.endswith("a.yaml")


def test_rows_by_id_match_the_shape_the_map_lists(graph):
    rows = impact(graph, "acme.step.double").by_id()
    assert rows == [
        ("capability", "acme.limits", ["acme.step.double", "acme.task.quadruple", "acme.limits"]),
        ("capability", "acme.task.quadruple", ["acme.step.double", "acme.task.quadruple"]),
        ("product", "zhejiang.hangzhou.a", ["acme.step.double", "acme.task.quadruple", "acme.limits",
                                            "zhejiang.hangzhou.a"]),
        ("product", "zhejiang.hangzhou.b", ["acme.step.double", "zhejiang.hangzhou.b"]),
    ]


def test_a_version_the_specifiers_do_not_admit_breaks_what_chose_them(graph, catalog):
    result = impact(graph, "acme.step.double", "2.0.0", catalog=catalog)
    found = by_id(result)
    assert {k for k, a in found.items() if a.breaks} == {"acme.task.quadruple@1.0.0", "acme.limits@1.0.0",
                                                         "zhejiang.hangzhou.a"}
    assert found["acme.task.quadruple@1.0.0"].why == ["uses acme.step.double<2, which does not admit 2.0.0"]
    assert found["zhejiang.hangzhou.a"].why == [
        "acme.task.quadruple@1.0.0: uses acme.step.double<2, which does not admit 2.0.0"]
    assert [a.id for a in result.breaking] == ["zhejiang.hangzhou.a"]


def test_an_installed_version_with_a_breaking_contract_breaks_steps_it_would_replace(graph, catalog):
    # c.yaml takes acme.step.halve >=1 and gets 2.0.0 today; 1.0.0 is admitted but lacks the
    # precision input 2.0.0 takes, so a product bound to 2.0.0 would break on it
    result = impact(graph, "acme.step.halve", "1.0.0", catalog=catalog)
    (c,) = result.breaking
    assert c.id == "zhejiang.hangzhou.c"
    assert c.why == ["step half gets acme.step.halve 2.0.0 today; 1.0.0 breaks its contract "
                     "(inputs precision: removed)"]
    assert not impact(graph, "acme.step.halve", "2.0.0", catalog=catalog).breaking


def test_removing_it_breaks_every_user(graph):
    result = impact(graph, "acme.limits", remove=True)
    assert [(a.id, a.breaks, a.why) for a in result.affected] == [
        ("zhejiang.hangzhou.a", True, ["step limits uses acme.limits, which would be removed"])]


def test_a_local_composite_file_stands_for_the_installed_one(catalog, assemblies):
    graph = usage_graph(catalog, find_assemblies([assemblies]))
    assert graph.nodes["acme.limits@1.0.0"]["file"].endswith("limits.yaml")
    (product,) = [n for n, d in graph.nodes(data=True) if d["id"] == "zhejiang.hangzhou.a"]
    assert graph.nodes[product]["kind"] == "product"
    assert graph.edges[product, "acme.limits@1.0.0"]["step"] == "limits"


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture
def cli(jimu_cmd, test_plugins_dir, monkeypatch):
    monkeypatch.setenv("JIMU_PLUGINS_ALLOW", ",".join(PLUGINS))
    return lambda *args: jimu_cmd(*args, extra_path=test_plugins_dir, cwd=ROOT)


def test_cli_lists_affected_products_and_exits_zero(cli):
    done = cli("impact", "customer.step.resident_id_checksum")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "product hq.preloan_standard" in done.stdout
    assert "hq.preloan_standard → step preloan → risk.preloan@1.1.0 → step " in done.stdout
    assert "BREAKS" not in done.stdout and "no product under assemblies would break" in done.stdout


def test_cli_exits_one_when_a_product_would_break(cli, assemblies):
    done = cli("impact", "customer.step.resident_id_checksum@2.0.0", "--json")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["breaks"] is True and data["version"] == "2.0.0"
    broken = {a["id"] for a in data["affected"] if a["kind"] == "product" and a["breaks"]}
    assert "hq.preloan_standard" in broken
    product = next(a for a in data["affected"] if a["id"] == "hq.preloan_standard")
    assert product["hops"][0] == {"kind": "product", "id": "hq.preloan_standard", "version": "", "step": None}
    assert product["hops"][-1]["id"] == "customer.step.resident_id_checksum" and product["why"]
    patch = cli("impact", "customer.step.resident_id_checksum@1.0.1")  # ~=1.0 admits a patch release
    assert patch.returncode == 0, patch.stdout
    text = cli("impact", "acme.step.double@2.0.0", "--assemblies", str(assemblies))
    assert text.returncode == 1
    assert "BREAKS product zhejiang.hangzhou.a" in text.stdout and "1 of 2 product(s) would break" in text.stdout


def test_cli_remove_and_usage_errors(cli, assemblies):
    removed = cli("impact", "acme.step.halve", "--remove", "--assemblies", str(assemblies))
    assert removed.returncode == 1 and "why: step half uses acme.step.halve, which would be removed" in removed.stdout
    unused = cli("impact", "acme.step.triple", "--assemblies", str(assemblies))
    assert unused.returncode == 0 and "nothing uses it" in unused.stdout
    for args in (("impact", "acme.step.dubble"), ("impact", "acme.step.double@two"),
                 ("impact", "acme.step.double@2.0.0", "--remove")):
        done = cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert "did you mean acme.step.double" in cli("impact", "acme.step.dubble").stderr
