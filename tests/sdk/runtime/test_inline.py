"""Composites inlined into the product's loop (jimu.runtime.inline) come to exactly what running
them nested does: outputs, decisions, reasons, errors, rejects and failures, record for record."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jimu import load_catalog
from jimu.assembly import load_file
from jimu.assembly.model import OnError
from jimu.assembly.validate import Validator
from jimu.runtime import RecordRejected, RunFailed, compile_plan, run_record
from jimu.runtime.inline import inline
from jimu.testing.strategies import model_strategy
from jimu_credit.loanbook import loans
from jimu_credit.samples import applicants

ROOT = Path(__file__).resolve().parents[3]
PRODUCTS = sorted((ROOT / "assemblies").glob("*/*.yaml"))
SAMPLES = ROOT / "assemblies" / "samples"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def plans(catalog, path):
    loaded = load_file(path)
    validator = Validator(catalog, [loaded])
    analysis = validator.validate_all([loaded])[0]
    return (compile_plan(analysis, catalog, validator=validator),
            compile_plan(analysis, catalog, validator=validator, inline=False))


def outcome(plan, record, trace=False):
    """Everything a caller can observe of one record's run."""
    try:
        r = run_record(plan, record, trace=trace)
    except RecordRejected as exc:
        return ("rejected", exc.reason, exc.step, exc.field)
    except RunFailed as exc:
        return ("failed", str(exc))
    decision = None if r.decision is None else (r.decision, r.decision.model_dump())
    return ("ok", r.outputs, decision, [vars(e) for e in r.errors])


def traced(plan, record):
    """A traced run's steps, as shown (durations aside)."""
    try:
        r = run_record(plan, record, trace=True)
    except (RecordRejected, RunFailed) as exc:
        return repr(exc)
    return [(t.step, t.capability, t.status, t.inputs, t.outputs, t.note) for t in r.trace]


def records_for(plan, n=60):
    """The sample rows that fit a product: the pre-loan applicants, the loan book, the CSV samples."""
    fields = set(plan.input_model.model_fields)
    with (SAMPLES / "identity_organisations.csv").open(encoding="utf-8") as f:
        usccs = [row["uscc"] for row in csv.DictReader(f)]
    merchants = [{**r, "merchant_uscc": u} for r, u in zip(applicants(n), itertools.cycle(usccs))]
    sources = [merchants, loans(n)]
    for path in sorted(SAMPLES.glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            rows = itertools.islice(csv.DictReader(f), n)
            sources.append([{k: v for k, v in row.items() if v != ""} for row in rows])
    fitting = []
    for rows in sources:
        rows = list(rows)
        required = {name for name, info in plan.input_model.model_fields.items() if info.is_required()}
        if rows and required <= set(rows[0]) and fields & set(rows[0]):
            fitting.extend(rows)
    return fitting


@pytest.mark.parametrize("path", PRODUCTS, ids=lambda p: p.stem)
def test_every_product_runs_inlined_exactly_as_nested_on_its_samples(catalog, path):
    inlined, nested = plans(catalog, path)
    records = records_for(inlined)
    assert records, f"no sample fits {path.name}"
    has_composites = any(step.sub is not None for step in inlined.steps)
    assert (inlined.inlined is not None) == has_composites and nested.inlined is None
    for record in records:
        expected = outcome(nested, record)
        assert outcome(inlined, record) == expected, record
        assert outcome(inlined, record, trace=True) == expected  # traced runs are nested: the same answer
    for record in records[:10]:
        assert traced(inlined, record) == traced(nested, record)


def test_the_preloan_product_is_one_function_with_its_composites_inside(catalog):
    inlined, _ = plans(catalog, ROOT / "assemblies" / "hq" / "preloan_standard.yaml")
    flat = inlined.inlined
    assert (flat.calls, flat.composites) == (14, 6)
    for path in ("preloan", "preloan.intake", "preloan.intake.kyc", "underwrite.matrix"):
        assert f"# {path}\n" in flat.source
    # eligibility, the card check and the multi-lender query have a ``when``: no other step checks for one
    assert flat.source.count("_condition(") == 3


def _steps(plan, prefix=""):
    for step in plan.steps:
        yield step
        if step.sub is not None:
            yield from _steps(step.sub)


@pytest.mark.parametrize("on_error", list(OnError))
@pytest.mark.parametrize("failing", ["preloan", "preloan.intake", "preloan.intake.kyc", "preloan.prescreen.scorecard",
                                     "underwrite.pricing", "underwrite"])
def test_a_failing_step_at_any_depth_comes_to_the_same_errors_rejects_and_failures(catalog, failing, on_error):
    inlined, nested = plans(catalog, ROOT / "assemblies" / "hq" / "preloan_standard.yaml")
    for plan in (inlined, nested):
        step = next((s for s in _steps(plan) if s.path == failing), None)
        assert step is not None, failing
        step.on_error = on_error
        if step.sub is None:
            def boom(inputs):
                raise ValueError("the bureau's answer was garbled")
            step.run = boom
        else:  # a composite's own failure: its inputs break its contract
            step.forward, step.shares_inputs = None, False
            step.getters = tuple((name, _broken, optional) for name, _get, optional in step.getters)
    inlined.inlined = inline(inlined)  # on_error shapes the generated code: generate it again
    for record in applicants(15):
        assert outcome(inlined, record) == outcome(nested, record), record


def _broken(env):
    return object()  # no contract accepts it


@pytest.mark.parametrize("name", ["preloan_standard", "hangzhou_pharmacy_merchant_loan", "postloan_monitoring"])
def test_generated_records_come_to_the_same_answer_inlined_and_nested(catalog, name):
    inlined, nested = plans(catalog, next(p for p in PRODUCTS if p.stem == name))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(model_strategy(inlined.input_model), st.dictionaries(st.sampled_from(
        sorted(inlined.input_model.model_fields)), st.one_of(st.none(), st.integers(), st.text(max_size=20)))))
    def check(record):
        assert outcome(inlined, record) == outcome(nested, record)

    check()
