import pytest
from pydantic import BaseModel, Field, ValidationError

from jimu import Capability, ContractModel, Kind, ReasonCode, Use, capability


class In(ContractModel):
    x: int


class Out(ContractModel):
    y: int
    reasons: list[str] = []


class P(ContractModel):
    k: int = Field(1, ge=0, le=5)


META = dict(version="1.0.0", name="T", name_zh="测试", owner="t")


def make(**overrides):
    def f(value: In, params: P) -> Out:
        return Out(y=value.x + params.k)

    return capability(**{"id": "risk.step.t", "level": 5, **META, **overrides})(f)


def test_models_are_read_from_annotations_and_docstring():
    def add(value: In, params: P) -> Out:
        """Adds k."""
        return Out(y=value.x + params.k)

    cap = capability(id="risk.step.add", level=5, **META)(add)
    assert (cap.input, cap.output, cap.params, cap.kind, cap.description) == (In, Out, P, Kind.MAP, "Adds k.")
    assert cap({"x": 2}, {"k": 3}) == Out(y=5)


def test_the_call_passes_only_what_the_function_takes():
    seen = {}

    def with_ctx(value: In, ctx) -> Out:
        seen["ctx"] = ctx
        return Out(y=value.x)

    cap = capability(id="risk.task.c", level=4, **META)(with_ctx)
    assert cap.call(In(x=1), P(), ctx="CTX") == Out(y=1) and seen["ctx"] == "CTX"


def test_open_models_are_refused():
    class Open(BaseModel):
        x: int

    with pytest.raises(ValidationError, match="extra='forbid'"):
        make(input=Open)


def test_level_one_is_not_a_capability():
    with pytest.raises(ValidationError, match="domain"):
        make(level=1)


def test_l5_steps_are_pure():
    with pytest.raises(ValidationError, match="pure"):
        make(uses=["risk.step.other"])


def test_lookup_kind_follows_resources():
    with pytest.raises(ValidationError, match="declares the resources"):
        make(id="risk.task.l", level=4, kind="lookup")
    with pytest.raises(ValidationError, match="kind='lookup'"):
        make(id="risk.task.l", level=4, kind="map", resources=["data.blacklist"])
    assert make(id="risk.task.l", level=4, resources=["data.blacklist"]).kind is Kind.LOOKUP


def test_extra_required_arguments_are_refused():
    def f(value: In, other: int) -> Out: ...

    with pytest.raises(ValidationError, match="requires other"):
        capability(id="risk.step.f", level=5, **META)(f)


def test_reason_codes_belong_to_their_capability():
    code = ReasonCode(code="T_FAILED", text="t", text_zh="失败")
    cap = make(reasons=[code])
    assert cap.reasons[0].capability == "risk.step.t" and cap.reason_codes == {"T_FAILED"}
    foreign = code.model_copy(update={"capability": "risk.step.other"})
    with pytest.raises(ValidationError, match="belongs to"):
        make(reasons=[foreign])


def test_examples_are_checked_against_the_contract():
    with pytest.raises(ValidationError, match="example 1"):
        make(examples=[{"input": {"x": "not a number"}, "output": {"y": 1}}])
    with pytest.raises(ValidationError, match="no field"):
        make(examples=[{"input": {"x": 1}, "output": {"z": 1}}])


def test_use_parses_id_and_specifier():
    use = Use.parse("customer.step.luhn~=1.2")
    assert (use.id, use.specifier, str(use)) == ("customer.step.luhn", "~=1.2", "customer.step.luhn~=1.2")
    assert use.admits("1.9.0") and not use.admits("2.0.0")
    assert Use.parse("customer.step.luhn").admits("7.0.0")
    with pytest.raises(ValidationError):
        Use.parse("customer.step.luhn~=banana")


def test_catch_all_reason_codes_are_refused():
    for bad in ("OTHER", "RISK_OTHER", "lowercase", "UNKNOWN"):
        with pytest.raises(ValidationError):
            ReasonCode(code=bad, text="x", text_zh="其他")


def test_capability_is_a_catalog_entry():
    cap = make()
    assert isinstance(cap, Capability) and cap.domain == "risk" and cap.key == "risk.step.t@1.0.0"


def test_examples_can_be_attached_after_the_fact_and_are_checked():
    from jimu import ContractModel, capability

    class In(ContractModel):
        x: int

    class Out(ContractModel):
        y: int

    @capability(id="acme.step.inc", version="1.0.0", level=5, name="inc", name_zh="加一", owner="t")
    def inc(v: In) -> Out:
        return Out(y=v.x + 1)

    more = inc.with_examples([{"input": {"x": 1}, "output": {"y": 2}}])
    assert len(more.examples) == 1 and inc.examples == () and more(In(x=4)).y == 5
    with pytest.raises(ValueError, match="example 1"):
        inc.with_examples([{"input": {"x": "not a number"}, "output": {"y": 2}}])
