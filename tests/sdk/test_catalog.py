import pytest
from pydantic import Field

from jimu import ContractModel, Domain, Resource, ResourceProvider, UnknownCapability, capability
from jimu.testing import build_catalog


class In(ContractModel):
    x: int


class Out(ContractModel):
    y: int


class P(ContractModel):
    k: int = Field(0, ge=0)


META = dict(name="T", name_zh="测试", owner="t")
RISK = Domain(id="risk", name="Risk", name_zh="风险", owner="hq")


def step(cap_id="risk.step.s", version="1.0.0", level=5, **kw):
    def f(value: In) -> Out:
        return Out(y=value.x)

    return capability(id=cap_id, version=version, level=level, **META, **kw)(f)


def test_versions_side_by_side_and_specifiers():
    catalog = build_catalog(RISK, step(version="1.0.0"), step(version="1.4.2"), step(version="2.0.0"), step(version="3.0.0rc1"))
    assert [e.version for e in catalog.versions("risk.step.s")] == ["1.0.0", "1.4.2", "2.0.0", "3.0.0rc1"]
    assert catalog.get("risk.step.s").version == "2.0.0"  # newest final release
    assert catalog.get("risk.step.s", "~=1.0").version == "1.4.2"
    assert catalog.get("risk.step.s@1.0.0").version == "1.0.0"
    assert catalog.get("risk.step.s>=3.0.0rc1").version == "3.0.0rc1"
    with pytest.raises(UnknownCapability, match="installed: 1.0.0, 1.4.2, 2.0.0, 3.0.0rc1"):
        catalog.get("risk.step.s", ">=4")


def test_unknown_id_suggests_close_ones():
    catalog = build_catalog(RISK, step("risk.prescreen.antifraud", level=4))
    with pytest.raises(UnknownCapability, match="did you mean 'risk.prescreen.antifraud'"):
        catalog.get("risk.prescreen.antifrad")
    assert catalog.suggest("data.antifraud") == ["risk.prescreen.antifraud"]  # by last segment


def test_queries_by_level_domain_kind_lifecycle():
    catalog = build_catalog(
        RISK,
        Domain(id="mgmt", name="M", name_zh="管理", owner="hq"),
        step("risk.step.a", lifecycle="production"),
        step("risk.step.a", version="2.0.0"),
        step("mgmt.step.b"),
    )
    assert [e.key for e in catalog.find(level=1)] == ["mgmt@1.0.0", "risk@1.0.0"]
    assert [e.key for e in catalog.find(domain="risk", level=5)] == ["risk.step.a@1.0.0", "risk.step.a@2.0.0"]
    assert [e.key for e in catalog.find(domain="risk", level=5, latest=True)] == ["risk.step.a@2.0.0"]
    assert [e.key for e in catalog.find(lifecycle="production", kind="map")] == ["risk.step.a@1.0.0"]


def test_composition_graph_and_used_by():
    low = step("risk.step.low")

    def task(value: In, ctx) -> Out:
        return ctx.use("risk.step.low")(value)

    t = capability(id="risk.task.t", version="1.0.0", level=4, uses=["risk.step.low~=1.0"], **META)(task)
    a = capability(id="risk.act.a", version="1.0.0", level=3, uses=["risk.task.t", "risk.step.low"], **META)(task)
    catalog = build_catalog(RISK, low, t, a)
    g = catalog.graph()
    assert set(g.successors("risk.task.t@1.0.0")) == {"risk.step.low@1.0.0"}
    assert set(g.successors("risk.act.a@1.0.0")) == {"risk.task.t@1.0.0", "risk.step.low@1.0.0"}
    assert g.in_degree("risk.step.low@1.0.0") == 2  # a shared step
    assert sorted(c.id for c in catalog.used_by("risk.step.low")) == ["risk.act.a", "risk.task.t"]


def test_five_level_rule_and_unresolved_uses_are_reported():
    def task(value: In) -> Out: ...

    same_level = capability(id="risk.task.a", version="1.0.0", level=4, uses=["risk.task.b"], **META)(task)
    other = capability(id="risk.task.b", version="1.0.0", level=4, **META)(task)
    dangling = capability(id="risk.task.c", version="1.0.0", level=4, uses=["risk.step.nope"], **META)(task)
    catalog = build_catalog(RISK, same_level, other, dangling, strict=False)
    messages = [str(p) for p in catalog.errors]
    assert any("five-level rule" in m and "risk.task.b is L4" in m for m in messages)
    assert any("risk.step.nope" in m and "unknown capability" in m for m in messages)


def test_undeclared_domain_and_unprovided_resource_are_warnings():
    def look(value: In, ctx) -> Out: ...

    lookup = capability(id="data.task.l", version="1.0.0", level=4, resources=["data.blacklist"], **META)(look)
    catalog = build_catalog(lookup, Resource(name="data.blacklist", protocol=object), strict=False)
    warnings = [p.message for p in catalog.problems if p.severity == "warning"]
    assert any("domain 'data' is not declared" in w for w in warnings)
    assert any("no plugin provides" in w for w in warnings)
    assert not catalog.errors
    provided = build_catalog(
        lookup, Resource(name="data.blacklist", protocol=set),
        ResourceProvider(resource="data.blacklist", factory=lambda: {"x"}), strict=False,
    )
    assert not any("provides" in p.message for p in provided.problems)
    assert provided.bind_resources()["data.blacklist"] == {"x"}
    assert provided.bind_resources({"data.blacklist": {"fake"}})["data.blacklist"] == {"fake"}


def test_strict_build_fails_loudly_on_errors():
    with pytest.raises(AssertionError, match="already registered"):
        build_catalog(RISK, step(), step())
