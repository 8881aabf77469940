"""The runtime's shortcuts keep every guarantee they skip work for.

A plan does not validate twice what was validated once: an output returned as an instance of
exactly its contract's model, a composite's inputs passed on unchanged from its parent's
validated inputs, and a dependency's handle prepared once (``ctx.use``). These tests pin what
must still be caught on each shortcut: NaN set after construction, undeclared reason codes, a
hook wrapper's output, and an input that changes type on its way into a composite.
"""

from __future__ import annotations

import math

import pytest

from jimu import ContractModel, Decision, ReasonCode, capability, hookimpl, load_catalog
from jimu.composite import Composite
from jimu.decision import Outcome
from jimu.invoke import CapabilityError, output_checker
from jimu.runtime import load_plan, run_record
from jimu.runtime.plan import _outputs_read

CODE = ReasonCode(code="TST_FAST", text="Declined by the fast-path test", text_zh="测试拒绝")


class Number(ContractModel):
    x: float


class Count(ContractModel):
    n: int


class Score(ContractModel):
    y: float
    decision: Decision


class Mode(ContractModel):
    mode: str = "plain"


class Out(ContractModel):
    y: float


class SubOut(Out):
    pass


@capability(id="tst.step.score", version="1.0.0", level=5, name="score", name_zh="评分", owner="t", reasons=(CODE,))
def score(v: Number, params: Mode) -> Score:
    out = Score(y=v.x, decision=Decision.approve())
    if params.mode == "nan_after":  # assignment after construction: pydantic does not look
        out.y = math.nan
    elif params.mode == "constructed_int":  # an int where the contract says float: only model_construct can
        out = Score.model_construct(y=int(v.x), decision=Decision.approve())
    elif params.mode == "constructed_foreign_code":
        out = Score.model_construct(y=v.x, decision=Decision.decline("TST_NOT_DECLARED"))
    return out


@capability(id="tst.step.count", version="1.0.0", level=5, name="count", name_zh="计数", owner="t")
def count(v: Count) -> Out:
    return Out(y=float(v.n))


@capability(id="tst.step.twice", version="1.0.0", level=4, name="twice", name_zh="两次", owner="t",
            uses=("tst.step.count~=1.0",))
def twice(v: Count, ctx) -> Out:
    use = ctx.use("tst.step.count")
    assert use is ctx.use("tst.step.count")  # one handle per dependency, prepared once
    return Out(y=use({"n": v.n}).y + use(Count(n=v.n)).y)


class Listed(ContractModel):
    reasons: list[str]


@capability(id="tst.step.listing", version="1.0.0", level=5, name="listing", name_zh="列出", owner="t", reasons=(CODE,))
def listing(v: Count) -> Listed:
    return Listed(reasons=[])


def _plugin(tmp_path, wrapper=None):
    composite = tmp_path / "tst_counted.yaml"
    composite.write_text(
        "kind: composite\nid: tst.counted\nversion: 1.0.0\nlevel: 3\nname: counted\nname_zh: 计数组合\nowner: t\n"
        "inputs: {n: integer, note: {type: string, optional: true}}\n"
        "steps:\n  - id: twice\n    uses: tst.step.twice\n    version: \"~=1.0\"\n"
        "outputs: {y: steps.twice.y}\n")

    class Plugin:
        @hookimpl
        def jimu_register(self, register):
            for item in (CODE, score, count, twice, Composite.from_file(composite)):
                register(item)

    return [Plugin()] + ([wrapper] if wrapper else [])


def _product(tmp_path, inputs: str, steps: str, name: str = "p.yaml"):
    path = tmp_path / name
    path.write_text(f"kind: product\nid: t.fast\nversion: 1.0.0\nbranch: t\nname: fast\nname_zh: 快\nowner: t\n"
                    f"inputs: {inputs}\nsteps:\n{steps}")
    return path


SCORED = "  - id: s\n    uses: tst.step.score\n{params}decision: steps.s.decision\noutputs: {{y: steps.s.y}}\n"


def _scored(tmp_path, mode: str | None, plugins):
    params = f"    params: {{mode: {mode}}}\n" if mode else ""
    catalog = load_catalog(installed=False, plugins=plugins)
    return load_plan(_product(tmp_path, "{x: number}", SCORED.format(params=params)), catalog)


def test_an_exact_instance_is_returned_as_is_and_anything_else_is_validated():
    check = output_checker(count)
    out = Out(y=1.0)
    assert check(out) is out
    assert check({"y": 2}).y == 2.0
    sub = check(SubOut(y=3.0))  # a subclass may add what the contract forbids: validated into Out
    assert type(sub) is Out and sub.y == 3.0
    # model_construct skips pydantic: a wrong type there is the one thing the trusted path cannot see
    # (documented); a plan whose steps a hook wrapper may replace outputs of does not trust instances
    constructed = Out.model_construct(y="not a number")
    assert check(constructed) is constructed
    with pytest.raises(CapabilityError, match="breaks its contract"):
        output_checker(count, trust_instances=False)(constructed)


def test_a_trusted_instance_still_refuses_nan_and_undeclared_codes():
    check = output_checker(score)
    bad = Score(y=1.0, decision=Decision.approve())
    bad.y = math.nan
    with pytest.raises(CapabilityError, match="NaN for y"):
        check(bad)
    with pytest.raises(CapabilityError, match="undeclared reason code"):
        check(Score.model_construct(y=1.0, decision=Decision.decline("TST_NOT_DECLARED")))
    # a reasons list is checked on the trusted path too, and the error names every undeclared code
    listed = output_checker(listing)
    assert listed(Listed(reasons=["TST_FAST"])).reasons == ["TST_FAST"]
    with pytest.raises(CapabilityError, match=r"undeclared reason code\(s\) TST_A, TST_B$"):
        listed(Listed(reasons=["TST_B", "TST_FAST", "TST_A"]))


@pytest.mark.parametrize("mode", ["nan_after", "constructed_foreign_code"])
def test_a_step_whose_trusted_output_breaks_its_contract_is_referred(tmp_path, mode):
    plan = _scored(tmp_path, mode, _plugin(tmp_path))
    assert plan.steps[0].run is plan.steps[0].bound  # no hooks: the direct call, and instances trusted
    result = run_record(plan, {"x": 1.0})
    assert result.decision.outcome is Outcome.REFER and result.decision.reasons == ["SYS_STEP_CONTRACT"]
    assert run_record(_scored(tmp_path, None, _plugin(tmp_path)), {"x": 1.0}).decision.outcome is Outcome.APPROVE


class ConstructingWrapper:
    """A hook wrapper that swaps the output for one pydantic never validated."""

    @hookimpl(wrapper=True)
    def jimu_run_step(self, step, inputs):
        yield
        return Score.model_construct(y="not a number", decision=Decision.approve())


def test_outputs_through_a_hook_wrapper_are_validated_again(tmp_path):
    plan = _scored(tmp_path, None, _plugin(tmp_path, ConstructingWrapper()))
    assert plan.steps[0].run is not plan.steps[0].bound
    result = run_record(plan, {"x": 1.0})
    assert result.decision.outcome is Outcome.REFER and result.decision.reasons == ["SYS_STEP_CONTRACT"]


COUNTED = "  - id: c\n    uses: tst.counted\n    version: \"~=1.0\"\n{with_}decision: none\noutputs: {{y: steps.c.y}}\n"


def test_a_composite_gets_its_parents_inputs_unvalidated_only_when_passed_on_unchanged(tmp_path):
    catalog = load_catalog(installed=False, plugins=_plugin(tmp_path))
    same = load_plan(_product(tmp_path, "{n: integer}", COUNTED.format(with_="")), catalog)
    assert same.steps[0].forward == (("n", "n"), ("note", None))
    result = run_record(same, {"n": "3"})
    assert result.outputs["y"] == 6.0 and not result.errors
    renamed = load_plan(_product(tmp_path, "{m: integer}", COUNTED.format(with_="    with: {n: inputs.m}\n"),
                                 "renamed.yaml"), catalog)
    assert renamed.steps[0].forward == (("n", "m"), ("note", None))
    assert run_record(renamed, {"m": 4}).outputs["y"] == 8.0
    # a computed value: the composite's contract judges it, record by record
    computed = load_plan(_product(tmp_path, "{n: integer}", COUNTED.format(with_="    with: {n: inputs.n * 2}\n"),
                                  "computed.yaml"), catalog)
    assert computed.steps[0].forward is None
    assert run_record(computed, {"n": 3}).outputs["y"] == 12.0


def test_a_composite_shares_its_parents_inputs_dict_only_when_every_name_is_the_same(tmp_path):
    catalog = load_catalog(installed=False, plugins=_plugin(tmp_path))
    shared = load_plan(_product(tmp_path, "{n: integer, note: {type: string, optional: true}, other: string}",
                                COUNTED.format(with_="")), catalog)
    assert shared.steps[0].forward == (("n", "n"), ("note", "note")) and shared.steps[0].shares_inputs
    result = run_record(shared, {"n": 3, "note": "x", "other": "not the composite's"})
    assert result.outputs["y"] == 6.0 and not result.errors
    # the trace shows the composite's own inputs, not the parent's dict it was given
    traced = run_record(shared, {"n": 3, "other": "y"}, trace=True)
    assert traced.trace[0].inputs == {"n": 3, "note": None}
    # an unbound optional input must read as null, not as a parent's value of the same name
    unbound = load_plan(_product(tmp_path, "{n: integer}", COUNTED.format(with_=""), "unbound.yaml"), catalog)
    assert not unbound.steps[0].shares_inputs
    renamed = load_plan(_product(tmp_path, "{m: integer}", COUNTED.format(with_="    with: {n: inputs.m}\n"),
                                 "renamed.yaml"), catalog)
    assert not renamed.steps[0].shares_inputs


def test_outputs_and_decisions_that_are_paths_are_read_directly_with_the_compiled_semantics(tmp_path):
    plan = _scored(tmp_path, "constructed_int", _plugin(tmp_path))
    (name, read, _optional), = plan.outputs
    assert read.source == "steps.s.y"  # the text the batch engine compiles again
    assert plan.decisions[0].source == "steps.s.decision"
    result = run_record(plan, {"x": 3.0})
    # a path typed double turns an int into a float, as compile_record's path does
    assert result.outputs["y"] == 3.0 and type(result.outputs["y"]) is float
    assert result.decision.outcome is Outcome.APPROVE
    # a step that did not run: its outputs read as None and it does not decide (a referral, with no errors)
    steps = "  - id: s\n    uses: tst.step.score\n    when: inputs.x > 5.0\ndecision: steps.s.decision\noutputs: {y: steps.s.y?}\n"
    skipped = load_plan(_product(tmp_path, "{x: number}", steps, "skipped.yaml"),
                        load_catalog(installed=False, plugins=_plugin(tmp_path)))
    result = run_record(skipped, {"x": 1.0})
    assert result.outputs == {"y": None} and result.decision.reasons == ["SYS_NO_DECISION"]


def test_a_composite_evaluates_only_the_outputs_its_parent_reads_unless_traced(tmp_path):
    catalog = load_catalog(installed=False, plugins=_plugin(tmp_path))
    reading = load_plan(_product(tmp_path, "{n: integer}", COUNTED.format(with_="")), catalog)
    assert [name for name, _, _ in reading.steps[0].reads_outputs] == ["y"]
    unread = load_plan(_product(tmp_path, "{n: integer}", COUNTED.format(with_="").replace(
        "outputs: {y: steps.c.y}", "outputs: {n: inputs.n}"), "unread.yaml"), catalog)
    assert unread.steps[0].reads_outputs == []
    assert run_record(unread, {"n": 2}).outputs == {"n": 2}
    # a trace shows the composite's outputs all the same
    traced = run_record(unread, {"n": 2}, trace=True)
    assert traced.trace[0].step == "c" and traced.trace[0].outputs == {"y": 4.0}
    # an expression reading the step whole, or ``steps`` itself, needs every output
    assert _outputs_read([("steps", "c", "y"), ("inputs", "n"), ("steps", "d", "z")], "c") == {"y"}
    assert _outputs_read([("steps", "c", "y"), ("steps", "c")], "c") is None
    assert _outputs_read([("steps",)], "c") is None
