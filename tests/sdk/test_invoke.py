import math

import pytest
from pydantic import ValidationError

from jimu import CapabilityError, ContractModel, Domain, ReasonCode, capability, invoke
from jimu.testing import build_catalog

META = dict(version="1.0.0", name="T", name_zh="测试", owner="t")
RISK = Domain(id="risk", name="Risk", name_zh="风险", owner="hq")
LOW = ReasonCode(code="T_LOW", text="low", text_zh="低")


class In(ContractModel):
    x: float


class Out(ContractModel):
    y: float
    reasons: list[str] = []


def cap_returning(value, reasons=()):
    def f(inp: In) -> Out:
        return value(inp) if callable(value) else value

    return capability(id="risk.step.r", level=5, reasons=reasons, **META)(f)


def test_contract_is_enforced_on_the_way_in():
    cap = cap_returning(Out(y=1))
    with pytest.raises(ValidationError):
        invoke(cap, {"x": "abc"})
    with pytest.raises(ValidationError):
        invoke(cap, {"x": 1, "unexpected": 2})


@pytest.mark.parametrize(
    "returned,message",
    [
        ({"y": "not a number"}, "breaks its contract"),
        ({"y": math.nan}, "NaN for y|finite number"),
        ({"z": 1}, "breaks its contract"),
        (None, "breaks its contract"),
        ({"y": 1, "reasons": ["NOT_REGISTERED"]}, "undeclared reason code"),
    ],
)
def test_broken_output_is_a_capability_error(returned, message):
    with pytest.raises(CapabilityError, match=message) as info:
        invoke(cap_returning(returned, reasons=[LOW]), {"x": 1})
    assert info.value.capability == "risk.step.r@1.0.0"


def test_a_raising_capability_is_wrapped_with_its_id():
    def boom(inp):
        raise ZeroDivisionError("division by zero")

    with pytest.raises(CapabilityError, match=r"risk.step.r@1.0.0: raised ZeroDivisionError"):
        invoke(cap_returning(boom), {"x": 1})


def test_declared_reason_codes_pass_and_are_passed_up_by_users():
    low = cap_returning(Out(y=0, reasons=["T_LOW"]), reasons=[LOW])
    assert invoke(low, {"x": 1}).reasons == ["T_LOW"]

    def task(inp: In, ctx) -> Out:
        return ctx.use("risk.step.r")(inp)

    user = capability(id="risk.task.u", level=4, uses=["risk.step.r"], **META)(task)
    catalog = build_catalog(RISK, low, user)
    assert invoke(user, {"x": 1}, catalog=catalog).reasons == ["T_LOW"]


def test_ctx_refuses_undeclared_uses_and_resources():
    def sneaky(inp: In, ctx) -> Out:
        return ctx.use("risk.step.r")(inp)

    def reader(inp: In, ctx) -> Out:
        ctx.resource("data.secret")

    catalog = build_catalog(RISK, cap_returning(Out(y=1)))
    with pytest.raises(CapabilityError, match="did not declare that it uses"):
        invoke(capability(id="risk.task.s", level=4, **META)(sneaky), {"x": 1}, catalog=catalog)
    with pytest.raises(CapabilityError, match="did not declare resource"):
        invoke(capability(id="risk.task.r", level=4, **META)(reader), {"x": 1}, catalog=catalog)
