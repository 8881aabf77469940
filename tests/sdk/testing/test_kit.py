"""The author's test kit, used the way an HQ developer would."""

import pytest
from pydantic import Field

from jimu import ContractModel, Domain, Resource, capability
from jimu.testing import InlinePlugin, check_examples, matches


class Phone(ContractModel):
    phone: str


class Hit(ContractModel):
    hit: bool
    reasons: list[str] = Field(default_factory=list)


@capability(
    id="data.task.blacklist", version="1.0.0", level=4, name="Blacklist", name_zh="黑名单",
    owner="t", resources=["data.blacklist"],
    examples=[{"input": {"phone": "13800000000"}, "output": {"hit": True}}],
)
def blacklist(p: Phone, ctx) -> Hit:
    return Hit(hit=p.phone in ctx.resource("data.blacklist"))


DATA = Domain(id="data", name="Data", name_zh="数据", owner="t")
LIST = Resource(name="data.blacklist", protocol=set)


def test_make_catalog_with_inline_items_and_fake_resources(make_catalog, run_capability, fake_resources):
    catalog = make_catalog(DATA, blacklist, LIST)  # no provider: a warning, not an error
    fake_resources["data.blacklist"] = {"13800000000"}
    assert run_capability(blacklist, {"phone": "13800000000"}, resources=fake_resources, catalog=catalog).hit
    assert not run_capability(blacklist, {"phone": "13900000000"}, resources=fake_resources, catalog=catalog).hit
    assert check_examples(blacklist, catalog=catalog, resources=fake_resources) == []
    assert check_examples(blacklist, catalog=catalog, resources={"data.blacklist": set()}) == [
        "data.task.blacklist@1.0.0 example 1: expected {'hit': True}, got {'hit': False}"
    ]


def test_inline_plugin_objects_register_as_themselves(make_catalog):
    catalog = make_catalog(InlinePlugin(DATA, blacklist, LIST, name="branch-data"))
    assert catalog.source(catalog.get("data.task.blacklist")).plugin == "branch-data"


def test_strict_catalog_fails_on_errors(make_catalog):
    with pytest.raises(AssertionError, match="cannot register int"):
        make_catalog(DATA, 42)


def test_installed_catalog_fixture_has_hq_plugin(jimu_catalog):
    assert jimu_catalog.get("customer.kyc.person").level == 4


@pytest.mark.parametrize(
    "expected,actual,ok",
    [
        ({"a": 230097.11}, {"a": 230097.1148, "b": 1}, True),
        ({"a": 230097.11}, {"a": 230097.12}, False),
        ({"a": 0.04639}, {"a": 0.046392}, True),
        ({"a": [1, 2]}, {"a": [1, 2]}, True),
        ({"a": "x"}, {}, False),
        ({"a": True}, {"a": 1.0}, False),
    ],
)
def test_matches_compares_floats_to_their_written_precision(expected, actual, ok):
    assert matches(expected, actual) is ok
