from jimu import ContractModel, capability, hookimpl


class In(ContractModel):
    x: int


class Out(ContractModel):
    y: int


@capability(id="acme.step.increment", version="1.0.0", level=5, name="Increment", name_zh="加一",
            owner="acme.team")
def increment(value: In) -> Out:
    return Out(y=value.x + 1)


@capability(id="acme.task.uses_a_task", version="1.0.0", level=4, name="Breaks the five-level rule",
            name_zh="违反五级规则", owner="acme.team", uses=["customer.kyc.person"])
def uses_a_task(value: In) -> Out:
    return Out(y=value.x)


@hookimpl
def jimu_register(register):
    register(increment)
    register("not a capability")  # refused: wrong type
    register(increment)  # refused: the same id@version twice
    register(uses_a_task)  # loads, but the catalog check reports the L4 -> L4 use
