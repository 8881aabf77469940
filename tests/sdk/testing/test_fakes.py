"""Fake resources record their calls, satisfy the declared protocol, and bind over installed providers."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

import pytest

from jimu import ContractModel, Domain, Resource, ResourceProvider, capability
from jimu.testing import FakeResource, bind_fakes, build_catalog, check_capability, fake_resource, run
from jimu.testing.fakes import protocol_members


@runtime_checkable
class Rates(Protocol):
    def rate_on(self, day: dt.date) -> float: ...

    def source(self) -> str: ...


@runtime_checkable
class Listing(Protocol):
    def hits(self, key: str) -> list[str]: ...


RATES = Resource(name="data.toy.rates", protocol=Rates)
LIST = Resource(name="data.toy.list", protocol=Listing)


class Day(ContractModel):
    day: dt.date


class Rate(ContractModel):
    rate: float


@capability(id="data.task.toy_rate", version="1.0.0", level=4, name="Rate", name_zh="利率", owner="t",
            resources=["data.toy.rates"], examples=[{"input": {"day": "2025-01-02"}, "output": {"rate": 0.031}}])
def rate(d: Day, ctx) -> Rate:
    return Rate(rate=ctx.resource("data.toy.rates").rate_on(d.day))


DATA = Domain(id="data", name="Data", name_zh="数据", owner="t")


def test_a_fake_records_calls_and_satisfies_the_protocol():
    fake = fake_resource(RATES, rate_on=lambda day: 0.031)
    assert RATES.accepts(fake) and isinstance(fake, FakeResource)
    assert fake.rate_on(dt.date(2025, 1, 2)) == 0.031
    assert fake.calls == [("rate_on", (dt.date(2025, 1, 2),), {})]
    assert fake.calls_to("rate_on") == [((dt.date(2025, 1, 2),), {})]


def test_a_method_the_test_gave_no_behaviour_fails_loudly_naming_it():
    fake = fake_resource(RATES, rate_on=lambda day: 0.031)
    with pytest.raises(AssertionError, match=r"fake data.toy.rates: source\(\) was called"):
        fake.source()


def test_a_fake_that_cannot_pass_for_the_resource_is_refused():
    class NotRates:
        pass

    with pytest.raises(TypeError, match="does not satisfy Rates"):
        bind_fakes(build_catalog(DATA, RATES, strict=False), {"data.toy.rates": NotRates()})
    assert protocol_members(Rates) == {"rate_on", "source"} and protocol_members(int) == set()


def test_attributes_are_kept_as_given_and_a_name_alone_works():
    fake = fake_resource("data.toy.list", entries=("a",), hits=lambda key: [key])
    assert fake.entries == ("a",) and fake.hits("x") == ["x"] and fake.name == "data.toy.list"


def test_fakes_bind_over_the_installed_providers():
    provided = ResourceProvider(resource=LIST.name, factory=lambda: fake_resource(LIST, hits=lambda k: ["real"]))
    catalog = build_catalog(DATA, RATES, LIST, provided, rate, strict=False)
    resources = bind_fakes(catalog, {"data.toy.rates": fake_resource(RATES, rate_on=lambda d: 0.031)})
    assert resources["data.toy.list"].hits("k") == ["real"]  # the provider, for what was not faked
    assert run(rate, {"day": "2025-01-02"}, resources=resources, catalog=catalog).rate == 0.031


def test_check_capability_runs_a_lookup_with_a_fake_and_catches_a_wrong_one():
    catalog = build_catalog(DATA, RATES, rate, strict=False)  # declared, no provider: the test fakes it
    fake = fake_resource(RATES, rate_on=lambda day: 0.031)
    check_capability(rate, catalog=catalog, resources={"data.toy.rates": fake}, max_examples=10)
    assert len(fake.calls) > 10  # examples, params probes and generated inputs all went through it
    stale = fake_resource(RATES, rate_on=lambda day: 0.029)
    with pytest.raises(AssertionError, match=r"example 1: expected \{'rate': 0.031\}, got \{'rate': 0.029\}"):
        check_capability(rate, catalog=catalog, resources={"data.toy.rates": stale}, max_examples=0)


def test_a_lookup_without_its_resource_is_reported_not_raised():
    catalog = build_catalog(DATA, RATES, rate, strict=False)
    with pytest.raises(AssertionError, match="no provider for resource 'data.toy.rates'"):
        check_capability(rate, catalog=catalog, max_examples=5)


def test_the_pytest_fixtures(fake_resource, bind_resources, jimu_catalog):
    fake = fake_resource(LIST, hits=lambda key: [])
    resources = bind_resources({"data.lists.blacklist": fake})
    assert resources["data.lists.blacklist"] is fake
    assert "data.market.lpr" in resources  # the installed providers are there for the rest
