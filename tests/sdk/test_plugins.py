"""Plugin loading: in-memory plugins, and real distributions discovered through entry points."""

import json

from jimu import ContractModel, capability, hookimpl, load_catalog


class In(ContractModel):
    x: int


class Out(ContractModel):
    y: int


def _cap(cap_id="risk.step.s"):
    def f(value: In) -> Out:
        return Out(y=value.x)

    return capability(id=cap_id, version="1.0.0", level=5, name="S", name_zh="步骤", owner="t")(f)


class Good:
    __name__ = "good"

    @hookimpl
    def jimu_register(self, register):
        register(_cap("risk.step.good"))


class RaisesHalfway:
    __name__ = "halfway"

    @hookimpl
    def jimu_register(self, register):
        register(_cap("risk.step.before"))
        raise RuntimeError("database unreachable")


class UnknownHook:
    __name__ = "typo"

    @hookimpl
    def jimu_regster(self, register): ...


def test_one_failing_plugin_leaves_the_others_and_its_earlier_items():
    catalog = load_catalog(plugins=[Good(), RaisesHalfway()], installed=False)
    assert {c.id for c in catalog.capabilities.values()} == {"risk.step.good", "risk.step.before"}
    (problem,) = catalog.errors
    assert problem.source.plugin == "halfway" and "RuntimeError: database unreachable" in problem.message


def test_unknown_hook_names_are_reported():
    catalog = load_catalog(plugins=[UnknownHook()], installed=False)
    assert any("unknown hook 'jimu_regster'" in p.message and "jimu_register" in p.message for p in catalog.errors)


def test_installed_distributions_load_through_entry_points(with_test_plugins):
    catalog = load_catalog()
    by_dist = {}
    for entry in catalog.entries():
        by_dist.setdefault(catalog.source(entry).distribution, set()).add(entry.key)
    assert "customer.kyc.person@1.1.0" in by_dist["jimu-credit"]
    assert {"acme.step.double@1.0.0", "acme.step.double@2.0.0", "acme.task.quadruple@1.0.0"} <= by_dist["jimu-test-good"]
    # jimu-test-invalid reuses jimu-credit's entry-point name "credit": both still load.
    assert "acme.step.increment@1.0.0" in by_dist["jimu-test-invalid"]
    problems = {(p.source.distribution, p.source.dist_version): [] for p in catalog.problems}
    for p in catalog.problems:
        problems[(p.source.distribution, p.source.dist_version)].append(p.message)
    (import_error,) = problems[("jimu-test-importerror", "0.1.0")]
    assert "failed to import jimu_test_importerror.plugin" in import_error and "ModuleNotFoundError" in import_error
    invalid = problems[("jimu-test-invalid", "0.1.0")]
    assert any("cannot register str" in m for m in invalid)
    assert any("already registered" in m for m in invalid)
    assert any("five-level rule" in m for m in invalid)
    assert ("jimu-credit", catalog.source(catalog.get("customer")).dist_version) not in problems


def test_allow_and_block_lists(with_test_plugins, monkeypatch):
    only_credit = load_catalog(allow=["jimu-credit"])
    assert {s.distribution for s in only_credit.plugins} == {"jimu", "jimu-credit"} and not only_credit.errors
    monkeypatch.setenv("JIMU_PLUGINS_BLOCK", "jimu_test_importerror, jimu-test-invalid")
    blocked = load_catalog()
    loaded = {s.distribution for s in blocked.plugins}
    # other test distributions come and go; what matters is that the blocked ones are not loaded
    assert {"jimu", "jimu-credit", "jimu-test-good", "jimu-test-nextgen"} <= loaded
    assert not loaded & {"jimu-test-importerror", "jimu-test-invalid"}
    assert not blocked.errors


def test_catalog_json_reports_broken_plugins_by_name(with_test_plugins, jimu_cmd):
    result = jimu_cmd("catalog", "--json", extra_path=with_test_plugins)
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert {"acme.task.quadruple", "customer.kyc.person"} <= {e["id"] for e in entries}
    assert "jimu-test-importerror 0.1.0" in result.stderr and "failed to import" in result.stderr
    assert "jimu-test-invalid 0.1.0" in result.stderr
