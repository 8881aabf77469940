"""Test-only plugin distribution, installed beside jimu-test-good.

- ``acme.task.quadruple`` 2.0.0: the next major version of jimu-test-good's 1.0.0, shipped by
  another distribution (module ``jimu_test_nextgen``, not ``jimu_test_good``); it uses
  ``acme.step.double`` 2.x from jimu-test-good, and adds an output and a param.
- ``acme.step.halve`` 1.0.0 and 1.1.0: a *breaking minor release* (1.1.0 drops the ``rest``
  output, makes ``precision`` a required input and narrows ``digits`` from 0..6 to 0..4),
  which ``jimu diff`` calls breaking and validation warns about (J208).
- ``acme.step.halve`` 2.0.0: the same break done right, as a major version.
"""
from pydantic import Field

from jimu import ContractModel, capability, hookimpl


class Number(ContractModel):
    x: float


class Quadrupled(ContractModel):
    y: float
    doublings: int = Field(description="how many times acme.step.double ran")


class Times(ContractModel):
    doublings: int = Field(2, ge=1, le=4)


@capability(id="acme.task.quadruple", version="2.0.0", level=4, name="Quadruple (counted)", name_zh="四倍（计次）",
            owner="acme.team", uses=["acme.step.double>=2"],
            examples=[{"input": {"x": 1.5}, "output": {"y": 6.0, "doublings": 2}}])
def quadruple_v2(number: Number, params: Times, ctx) -> Quadrupled:
    y = number.x
    for _ in range(params.doublings):
        y = ctx.use("acme.step.double")({"x": y}).y
    return Quadrupled(y=y, doublings=params.doublings)


class Halved(ContractModel):
    y: float
    rest: float = Field(description="what rounding dropped")


class Digits(ContractModel):
    digits: int = Field(2, ge=0, le=6)


@capability(id="acme.step.halve", version="1.0.0", level=5, name="Halve", name_zh="减半", owner="acme.team",
            lifecycle="production", examples=[{"input": {"x": 3}, "output": {"y": 1.5, "rest": 0.0}}])
def halve_v1(number: Number, params: Digits) -> Halved:
    y = round(number.x / 2, params.digits)
    return Halved(y=y, rest=number.x / 2 - y)


class Precise(ContractModel):
    x: float
    precision: int = Field(ge=0, description="now required: the caller says how exact")


class HalvedOnly(ContractModel):
    y: float


class FewerDigits(ContractModel):
    digits: int = Field(2, ge=0, le=4)


@capability(id="acme.step.halve", version="1.1.0", level=5, name="Halve", name_zh="减半", owner="acme.team",
            examples=[{"input": {"x": 3, "precision": 1}, "output": {"y": 1.5}}])
def halve_v1_1(number: Precise, params: FewerDigits) -> HalvedOnly:
    return HalvedOnly(y=round(number.x / 2, min(params.digits, number.precision)))


@capability(id="acme.step.halve", version="2.0.0", level=5, name="Halve", name_zh="减半", owner="acme.team",
            examples=[{"input": {"x": 3, "precision": 1}, "output": {"y": 1.5}}])
def halve_v2(number: Precise, params: FewerDigits) -> HalvedOnly:
    return HalvedOnly(y=round(number.x / 2, min(params.digits, number.precision)))


@hookimpl
def jimu_register(register):
    for item in (quadruple_v2, halve_v1, halve_v1_1, halve_v2):
        register(item)
