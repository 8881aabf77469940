from pydantic import Field

from jimu import ContractModel, Domain, capability, hookimpl


class Number(ContractModel):
    x: float


class Doubled(ContractModel):
    y: float


class Scale(ContractModel):
    factor: float = Field(2.0, ge=0, le=10)


@capability(id="acme.step.double", version="1.0.0", level=5, name="Double", name_zh="加倍",
            owner="acme.team", examples=[{"input": {"x": 2}, "output": {"y": 4.0}}])
def double_v1(number: Number) -> Doubled:
    return Doubled(y=number.x * 2)


@capability(id="acme.step.double", version="2.0.0", level=5, name="Double (scalable)", name_zh="加倍（可调）",
            owner="acme.team", lifecycle="experimental",
            examples=[{"input": {"x": 2}, "params": {"factor": 3}, "output": {"y": 6.0}}])
def double_v2(number: Number, params: Scale) -> Doubled:
    return Doubled(y=number.x * params.factor)


@capability(id="acme.task.quadruple", version="1.0.0", level=4, name="Quadruple", name_zh="四倍",
            owner="acme.team", uses=["acme.step.double<2"],
            examples=[{"input": {"x": 1.5}, "output": {"y": 6.0}}])
def quadruple(number: Number, ctx) -> Doubled:
    twice = ctx.use("acme.step.double")(number)
    return ctx.use("acme.step.double")({"x": twice.y})


@capability(id="acme.step.legacy_double", version="1.0.0", level=5, name="Double (old)", name_zh="加倍（旧）",
            owner="acme.team",
            lifecycle={"status": "deprecated", "successor": "acme.step.double", "sunset": "2027-06-30"})
def legacy_double(number: Number) -> Doubled:
    return Doubled(y=number.x * 2)


@capability(id="acme.step.triple", version="1.0.0", level=5, name="Triple", name_zh="三倍",
            owner="acme.team", lifecycle="retired")
def triple(number: Number) -> Doubled:
    return Doubled(y=number.x * 3)


@capability(id="acme.task.zhejiang_only", version="1.0.0", level=4, name="Zhejiang-only task",
            name_zh="浙江专用任务", owner="acme.team", entitlements=["zhejiang.*"])
def zhejiang_only(number: Number) -> Doubled:
    return Doubled(y=number.x)


@hookimpl
def jimu_register(register):
    register(Domain(id="acme", name="ACME branch data", name_zh="示例分行数据", owner="acme.team"))
    for item in (double_v1, double_v2, quadruple, legacy_double, triple, zhejiang_only):
        register(item)
