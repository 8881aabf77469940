"""Resources at run time: a missing or failing data source is the error of the step that reads it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pytest
from pydantic import Field

from jimu import (ContractModel, Decision, Outcome, ReasonCode, Resource, ResourceProvider, capability, hookimpl,
                  load_catalog)
from jimu.runtime import load_plan, run_record

AS_OF = "2026-06-30"
PERSON = {"resident_id": "11010519491231002X", "as_of": AS_OF}
LISTED = ReasonCode(code="ACME_BLACKLISTED", text="Applicant is on the branch blacklist", text_zh="申请人在分行黑名单中")


@runtime_checkable
class ListStore(Protocol):
    def contains(self, key: str) -> bool: ...


class Applicant(ContractModel):
    resident_id: str = Field(description="normalised resident ID")


class Screened(ContractModel):
    listed: bool
    decision: Decision


@capability(id="acme.task.blacklist", version="1.0.0", level=4, name="Blacklist check", name_zh="黑名单检查",
            owner="acme.risk", resources=["acme.blacklist"], reasons=[LISTED])
def blacklist(applicant: Applicant, ctx) -> Screened:
    listed = ctx.resource("acme.blacklist").contains(applicant.resident_id)
    return Screened(listed=listed, decision=Decision.decline(LISTED.code) if listed else Decision.approve())


class SetStore:
    def __init__(self, keys=(), fail: Exception | None = None):
        self.keys, self.fail = set(keys), fail

    def contains(self, key: str) -> bool:
        if self.fail is not None:
            raise self.fail
        return key in self.keys


class Plugin:
    def __init__(self, factory=None):
        self.factory = factory

    @hookimpl
    def jimu_register(self, register):
        register(Resource(name="acme.blacklist", protocol=ListStore, owner="acme.risk"))
        register(blacklist)
        if self.factory is not None:
            register(ResourceProvider(resource="acme.blacklist", factory=self.factory))


PRODUCT = f"""\
kind: product
id: zhejiang.hangzhou.listed_screen
version: 1.0.0
branch: zhejiang.hangzhou
name: List screening
name_zh: 名单筛查
owner: zhejiang.hangzhou.tech
inputs: {{resident_id: string, as_of: date}}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: listcheck
    uses: acme.task.blacklist
    with: {{resident_id: steps.kyc.resident_id}}
    when: has(steps.kyc.resident_id)
decision: [steps.kyc.decision, steps.listcheck.decision]
"""


@pytest.fixture
def plan_for(tmp_path):
    def build(factory=None, resources=None):
        path = tmp_path / "product.yaml"
        path.write_text(PRODUCT, encoding="utf-8")
        return load_plan(path, load_catalog(plugins=[Plugin(factory)]), resources=resources)
    return build


def test_a_provided_resource_is_read(plan_for):
    plan = plan_for(lambda: SetStore({"11010519491231002X"}))
    result = run_record(plan, PERSON)
    assert (result.decision.outcome, result.decision.reasons) == (Outcome.DECLINE, ["ACME_BLACKLISTED"])


def test_a_fake_passed_to_the_plan_replaces_the_provider(plan_for):
    plan = plan_for(lambda: SetStore({"11010519491231002X"}), resources={"acme.blacklist": SetStore()})
    assert run_record(plan, PERSON).decision.outcome is Outcome.APPROVE


@pytest.mark.parametrize(("factory", "why"), [
    (None, "no provider"),
    (lambda: (_ for _ in ()).throw(FileNotFoundError("blacklist.csv")), "could not be opened"),
    (lambda: SetStore(fail=ConnectionError("list service refused")), "list service refused"),
    (lambda: SetStore(fail=TimeoutError("bureau timed out")), "timed out"),
])
def test_a_missing_or_failing_resource_refers_with_the_step_named(plan_for, factory, why):
    result = run_record(plan_for(factory), PERSON, trace=True)
    assert result.decision.outcome is Outcome.REFER
    assert result.decision.reasons == ["SYS_RESOURCE_UNAVAILABLE"]
    assert [e.step for e in result.errors] == ["listcheck"] and why in result.errors[0].message
    assert next(t for t in result.trace if t.step == "listcheck").status == "error"


def test_a_resource_failure_never_approves_even_when_kyc_passes(plan_for):
    result = run_record(plan_for(lambda: SetStore(fail=ConnectionError("down"))), PERSON)
    assert result.decision.outcome is not Outcome.APPROVE
