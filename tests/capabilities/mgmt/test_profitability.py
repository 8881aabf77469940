"""Management analytics per exposure: EL, IRB capital, RAROC, EVA, and the by-dimension view.

DOMAIN.md §2.10's vectors are checked to the decimals given there; K is also checked against
scipy's normal distribution where scipy is installed (the runtime uses the standard library's).
The catalog is built in memory from this module's tuple and the ``mgmt`` domain, so the tests
do not depend on the installed plugin registering them.
"""

from __future__ import annotations

import itertools
import json
import math

import pytest
from pydantic import BaseModel, ValidationError

import jimu
from jimu.testing import check_examples, run
from jimu_credit.domains import DOMAINS
from jimu_credit.mgmt import profitability as mod

EL = "mgmt.step.el"
IRB = "mgmt.step.irb_capital"
RAROC = "mgmt.profitability.raroc"
EVA = "mgmt.profitability.eva"
VIEW = "mgmt.views.by_dimension"
ALL = (EL, IRB, RAROC, EVA, VIEW)

VECTOR = {"ead": 100_000, "pd": 0.02, "lgd": 0.45, "segment": "other_retail",
          "rate": 0.06, "ftp_rate": 0.025, "opex_rate": 0.015}
RISK = {"pd": 0.02, "lgd": 0.45, "ead": 100_000}


class P:
    """An in-memory plugin: the mgmt domain and this module's capabilities."""

    @jimu.hookimpl
    def jimu_register(self, register):
        for domain in DOMAINS:
            if domain.id == "mgmt":
                register(domain)
        for cap in mod.CAPABILITIES:
            register(cap)


@pytest.fixture(scope="module")
def catalog():
    cat = jimu.load_catalog(plugins=[P()], installed=False)
    assert [str(p) for p in cat.problems] == []
    return cat


@pytest.fixture(scope="module")
def call(catalog):
    def _call(cap_id, record, params=None):
        return run(catalog.get(cap_id), record, params, catalog=catalog)

    return _call


# -- declarations ---------------------------------------------------------------------------------


def test_levels_kinds_and_composition(catalog):
    caps = {cap_id: catalog.get(cap_id) for cap_id in ALL}
    assert caps[EL].level == 5 and caps[IRB].level == 5
    assert not caps[EL].uses and not caps[IRB].uses and not caps[EL].resources
    for cap_id in (RAROC, EVA):
        assert caps[cap_id].level == 4 and caps[cap_id].kind.value == "map"
        assert {u.id for u in caps[cap_id].uses} == {EL, IRB}
    assert caps[VIEW].level == 4 and caps[VIEW].kind.value == "aggregate" and not caps[VIEW].uses
    assert all(c.domain == "mgmt" for c in caps.values())
    assert [c.id for c in mod.CAPABILITIES] == list(ALL)


@pytest.mark.parametrize("cap_id", ALL)
def test_examples_differ_pass_and_the_docstring_cites_its_source(catalog, cap_id):
    cap = catalog.get(cap_id)
    outputs = {json.dumps(e.output, sort_keys=True) for e in cap.examples}
    assert len(cap.examples) >= 2 and len(outputs) >= 2
    assert len(cap.description) > 150 and "DOMAIN.md" in cap.description
    assert check_examples(cap, catalog=catalog) == []


def test_the_raroc_reason_code_is_registered_with_both_texts(catalog):
    code = catalog.reasons["MGMT_RAROC_NO_CAPITAL"]
    assert code.capability == RAROC and code.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in code.text_zh)


# -- DOMAIN.md §2.10 vectors ----------------------------------------------------------------------


def test_vector_expected_loss(call):
    out = call(EL, RISK)
    assert out.el == pytest.approx(900.0, abs=1e-9) and out.el_rate == pytest.approx(0.009, abs=1e-15)


def test_vector_irb_other_retail(call):
    out = call(IRB, {**RISK, "segment": "other_retail"})
    assert round(out.r, 5) == 0.09456
    assert round(out.k, 5) == 0.04639
    assert round(out.rwa, 2) == 57_986.44
    assert round(out.ec, 2) == 4_638.92
    assert out.rwa == pytest.approx(12.5 * out.ec, rel=1e-15)
    assert out.pd_used == 0.02 and not out.pd_floored


@pytest.mark.parametrize(("segment", "r", "k"), [("qrre", 0.04, 0.02314), ("mortgage", 0.15, 0.07035)])
def test_vector_irb_qrre_and_mortgage(call, segment, r, k):
    out = call(IRB, {**RISK, "segment": segment})
    assert out.r == r and round(out.k, 5) == k


def test_vector_raroc(call):
    out = call(RAROC, VECTOR)
    assert (out.revenue, out.funding_cost, out.opex) == pytest.approx((6000.0, 2500.0, 1500.0), abs=1e-9)
    assert out.costs == pytest.approx(4000.0, abs=1e-9) and out.el == pytest.approx(900.0, abs=1e-9)
    assert out.risk_adjusted_return == pytest.approx(1100.0, abs=1e-9)
    assert round(out.ec, 2) == 4_638.92 and out.capital_benefit == 0.0
    assert round(out.raroc * 100, 2) == 23.71 and out.reasons == []
    assert out.raroc == pytest.approx(1100.0 / out.ec, rel=1e-15)


def test_vector_eva(call):
    out = call(EVA, VECTOR, {"tax_rate": 0.25, "hurdle_rate": 0.12})
    assert out.pre_tax_profit == pytest.approx(1100.0, abs=1e-9)
    assert out.nopat == pytest.approx(825.0, abs=1e-9)
    assert round(out.capital_charge, 2) == 556.67
    assert round(out.eva, 2) == 268.33
    assert out.eva == pytest.approx(out.nopat - out.capital_charge, abs=1e-12)


def test_k_matches_scipy(call):
    norm = pytest.importorskip("scipy.stats").norm
    for pd, lgd, segment in itertools.product((0.0003, 0.001, 0.02, 0.15, 0.6, 0.99), (0.1, 0.45, 1.0),
                                              ("other_retail", "qrre", "mortgage")):
        out = call(IRB, {"pd": pd, "lgd": lgd, "ead": 1.0, "segment": segment})
        w = (1 - math.exp(-35 * pd)) / (1 - math.exp(-35))
        r = {"qrre": 0.04, "mortgage": 0.15}.get(segment, 0.03 * w + 0.16 * (1 - w))
        k = lgd * norm.cdf((norm.ppf(pd) + math.sqrt(r) * norm.ppf(0.999)) / math.sqrt(1 - r)) - pd * lgd
        assert out.r == pytest.approx(r, rel=1e-12)
        assert out.k == pytest.approx(k, rel=1e-9, abs=1e-15), (pd, lgd, segment)


# -- properties -----------------------------------------------------------------------------------


def test_k_rises_with_lgd_and_is_linear_in_it(call):
    ks = [call(IRB, {**RISK, "lgd": lgd}).k for lgd in (0.0, 0.1, 0.25, 0.45, 0.7, 1.0)]
    assert ks[0] == 0.0 and all(a < b for a, b in itertools.pairwise(ks))
    assert ks[-1] == pytest.approx(ks[3] / 0.45, rel=1e-12)


def test_el_and_capital_are_linear_in_ead(call):
    eads = (0.0, 1.0, 25_000.0, 100_000.0, 1e9)
    els = [call(EL, {**RISK, "ead": ead}).el for ead in eads]
    assert els == pytest.approx([0.009 * ead for ead in eads], rel=1e-12)
    a, b = call(EL, {**RISK, "ead": 30_000}).el, call(EL, {**RISK, "ead": 70_000}).el
    assert a + b == pytest.approx(call(EL, RISK).el, rel=1e-12)
    caps = [call(IRB, {**RISK, "ead": ead}) for ead in eads]
    assert len({c.k for c in caps}) == 1
    assert [c.ec for c in caps] == pytest.approx([caps[0].k * ead for ead in eads], rel=1e-12)


def test_other_retail_correlation_falls_from_16_to_3_percent_as_pd_rises(call):
    rs = [call(IRB, {**RISK, "pd": pd}).r for pd in (0.0003, 0.01, 0.05, 0.1, 0.3, 0.99)]
    assert all(a > b for a, b in itertools.pairwise(rs))
    assert 0.158 < rs[0] <= 0.16 and 0.03 <= rs[-1] < 0.0301


def test_pd_floor_is_applied_to_capital_and_el(call):
    at_floor = call(IRB, {**RISK, "pd": 0.0003})
    assert at_floor.pd_used == 0.0003 and not at_floor.pd_floored
    for pd in (0.0, 1e-6, 0.0001, 0.000299):
        out = call(IRB, {**RISK, "pd": pd})
        assert out.pd_used == 0.0003 and out.pd_floored
        assert out.k == at_floor.k and out.ec == at_floor.ec
    raised = call(IRB, {**RISK, "pd": 0.0003}, {"pd_floor": 0.0005})
    assert raised.pd_used == 0.0005 and raised.pd_floored and raised.k > at_floor.k
    # the tasks take EL on the floored PD too, so EL and capital rest on the same PD
    for cap_id in (RAROC, EVA):
        out = call(cap_id, {**VECTOR, "pd": 0.0})
        assert out.pd_used == 0.0003 and out.el == pytest.approx(0.0003 * 0.45 * 100_000, rel=1e-12)
        assert out.ec == pytest.approx(at_floor.ec, rel=1e-15)


def test_capital_benefit_flag(call):
    off = call(RAROC, VECTOR)
    on = call(RAROC, VECTOR, {"capital_benefit": True, "capital_benefit_rate": 0.03})
    assert on.capital_benefit == pytest.approx(0.03 * off.ec, rel=1e-15)
    assert on.risk_adjusted_return == pytest.approx(1100.0 + 0.03 * off.ec, rel=1e-12)
    assert on.raroc == pytest.approx(off.raroc + 0.03, rel=1e-12)
    # the rate alone does nothing while the flag is off
    assert call(RAROC, VECTOR, {"capital_benefit_rate": 0.08}).raroc == off.raroc


# -- edge cases -----------------------------------------------------------------------------------


def test_zero_exposure(call):
    assert call(EL, {**RISK, "ead": 0}).el == 0.0
    cap = call(IRB, {**RISK, "ead": 0})
    assert cap.k > 0 and cap.rwa == 0.0 and cap.ec == 0.0
    r = call(RAROC, {**VECTOR, "ead": 0})
    assert r.ec == 0.0 and r.risk_adjusted_return == 0.0
    assert r.raroc is None and r.reasons == ["MGMT_RAROC_NO_CAPITAL"]
    e = call(EVA, {**VECTOR, "ead": 0})
    assert (e.nopat, e.capital_charge, e.eva) == (0.0, 0.0, 0.0)


def test_defaulted_exposure_holds_no_capital(call):
    cap = call(IRB, {**RISK, "pd": 1})
    assert (cap.k, cap.rwa, cap.ec) == (0.0, 0.0, 0.0) and cap.pd_used == 1.0
    assert call(EL, {**RISK, "pd": 1}).el == pytest.approx(45_000.0)
    r = call(RAROC, {**VECTOR, "pd": 1})
    assert r.raroc is None and r.reasons == ["MGMT_RAROC_NO_CAPITAL"]
    assert r.risk_adjusted_return == pytest.approx(6000 - 4000 - 45_000)
    e = call(EVA, {**VECTOR, "pd": 1})
    assert e.capital_charge == 0.0 and e.eva == pytest.approx(e.nopat) == pytest.approx(-43_000 * 0.75)
    # just short of default: capital is small, finite and not negative
    near = call(IRB, {**RISK, "pd": 1 - 1e-12})
    assert 0.0 <= near.k < 1e-6


def test_zero_lgd_means_no_loss_and_no_capital(call):
    r = call(RAROC, {**VECTOR, "lgd": 0})
    assert r.el == 0.0 and r.ec == 0.0 and r.raroc is None


def _floats(model: BaseModel):
    for name, value in model:
        if isinstance(value, float):
            yield name, value
        elif isinstance(value, BaseModel):
            yield from _floats(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, BaseModel):
                    yield from _floats(item)


def test_every_output_field_is_finite(call):
    grid = itertools.product((0.0, 1e-9, 0.0003, 0.02, 0.5, 1 - 1e-12, 1.0), (0.0, 0.45, 1.0),
                             (0.0, 1.0, 1e12), ("other_retail", "qrre", "mortgage"))
    for pd, lgd, ead, segment in grid:
        record = {"pd": pd, "lgd": lgd, "ead": ead}
        outs = [call(EL, record), call(IRB, {**record, "segment": segment})]
        exposure = {**VECTOR, **record, "segment": segment}
        outs += [call(RAROC, exposure, {"capital_benefit": True}), call(EVA, exposure)]
        for out in outs:
            for name, value in _floats(out):
                assert math.isfinite(value), (name, value, record, segment)
        cap = outs[1]
        assert 0.0 <= cap.k <= lgd
        assert (outs[2].raroc is None) == (outs[2].ec == 0.0)


# -- bounds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cap_id", "params"), [
    (IRB, {"pd_floor": 0.0001}),  # below the Basel floor
    (IRB, {"pd_floor": 0.02}),
    (RAROC, {"pd_floor": 0.0}),
    (RAROC, {"capital_benefit_rate": 0.2}),
    (RAROC, {"capital_benefit_rate": -0.01}),
    (EVA, {"tax_rate": 0.6}),
    (EVA, {"tax_rate": -0.1}),
    (EVA, {"hurdle_rate": 0.01}),
    (EVA, {"hurdle_rate": 0.5}),
    (EVA, {"hurdle": 0.12}),  # unknown param
    (VIEW, {"dimension": "city"}),
])
def test_params_outside_hq_bounds_are_rejected(catalog, cap_id, params):
    cap = catalog.get(cap_id)
    with pytest.raises(ValidationError):
        cap.params.model_validate(params)
    record = VIEW_ROWS if cap_id == VIEW else VECTOR if cap.level == 4 else RISK
    with pytest.raises(ValidationError):
        run(cap, record, params, catalog=catalog)


@pytest.mark.parametrize("bad", [
    {"pd": -0.01}, {"pd": 1.01}, {"lgd": 1.5}, {"lgd": -0.1}, {"ead": -1}, {"segment": "sme"},
    {"rate": 1.2}, {"ftp_rate": -0.01}, {"opex_rate": 2}, {"pd": float("nan")}, {"ead": float("inf")},
])
def test_inputs_outside_their_range_are_rejected(call, bad):
    with pytest.raises(ValidationError):
        call(RAROC, {**VECTOR, **bad})
    if set(bad) <= {"pd", "lgd", "ead", "segment"}:
        with pytest.raises(ValidationError):
            call(IRB, {**RISK, **bad})


# -- mgmt.views.by_dimension ----------------------------------------------------------------------

ROW = {"branch": "BJ01", "product": "consumer", "region": "110000", "customer": "C1"}
#: A crafted branch: a tiny exposure with a high RAROC beside a large one with a low RAROC.
SMALL = {**ROW, "exposure_id": "E1", "ead": 2_000, "el": 18, "ec": 100, "revenue": 200, "costs": 132,
         "nopat": 37.5, "eva": 25.5}  # RAROC (200 − 132 − 18)/100 = 50 %
LARGE = {**ROW, "exposure_id": "E2", "customer": "C2", "product": "sme", "ead": 200_000, "el": 1_800,
         "ec": 10_000, "revenue": 12_000, "costs": 9_700, "nopat": 375, "eva": -825}  # 500/10,000 = 5 %
OTHER = {**ROW, "exposure_id": "E3", "branch": "SH01", "region": "310000", "customer": "C3", "ead": 50_000,
         "el": 450, "ec": 2_000, "revenue": 3_000, "costs": 2_000, "nopat": 412.5, "eva": 172.5}  # 27.5 %
VIEW_ROWS = {"rows": [SMALL, LARGE, OTHER]}


def _group(view, key):
    return next(g for g in view.groups if g.key == key)


def test_view_ratio_is_the_ratio_of_sums_not_the_mean(call):
    view = call(VIEW, VIEW_ROWS, {"dimension": "branch"})
    bj = _group(view, "BJ01")
    assert bj.exposures == 2
    assert (bj.ead, bj.el, bj.ec) == (202_000, 1_818, 10_100)
    assert (bj.revenue, bj.costs, bj.nopat, bj.eva) == (12_200, 9_832, 412.5, -799.5)
    assert bj.risk_adjusted_return == 550
    ratio_of_sums = (12_200 - 9_832 - 1_818) / 10_100
    mean_of_ratios = (0.50 + 0.05) / 2
    assert bj.raroc == pytest.approx(ratio_of_sums, rel=1e-15)
    assert abs(mean_of_ratios - ratio_of_sums) > 0.2  # averaging would be 27.5 %, not 5.45 %
    assert bj.raroc != pytest.approx(mean_of_ratios)
    assert bj.el_rate == pytest.approx(1_818 / 202_000) and bj.ec_rate == pytest.approx(10_100 / 202_000)


@pytest.mark.parametrize(("dimension", "keys"), [
    ("branch", ["BJ01", "SH01"]),
    ("product", ["consumer", "sme"]),
    ("region", ["110000", "310000"]),
    ("customer", ["C1", "C2", "C3"]),
])
def test_view_groups_by_each_dimension_and_the_total_is_the_sum(call, dimension, keys):
    view = call(VIEW, VIEW_ROWS, {"dimension": dimension})
    assert view.dimension == dimension and [g.key for g in view.groups] == keys
    for measure in ("exposures", "ead", "el", "ec", "revenue", "costs", "risk_adjusted_return", "nopat", "eva"):
        assert math.fsum(getattr(g, measure) for g in view.groups) == pytest.approx(getattr(view.total, measure))
    assert view.total.exposures == 3
    assert view.total.raroc == pytest.approx((15_200 - 11_832 - 2_268) / 12_100, rel=1e-15)


def test_view_over_task_outputs_reproduces_each_exposures_raroc(call):
    """Rows built from the RAROC and EVA tasks: a one-exposure group has that exposure's RAROC."""
    exposures = [
        ("BJ01", {**VECTOR}),
        ("BJ01", {**VECTOR, "ead": 5_000, "pd": 0.005, "rate": 0.12, "segment": "qrre"}),
        ("SH01", {**VECTOR, "ead": 800_000, "pd": 0.01, "lgd": 0.25, "rate": 0.042, "segment": "mortgage"}),
    ]
    rows, rarocs = [], []
    for number, (branch, exposure) in enumerate(exposures):
        r, e = call(RAROC, exposure), call(EVA, exposure)
        rarocs.append(r)
        rows.append({"branch": branch, "product": exposure["segment"], "region": "000000",
                     "customer": f"C{number}", "ead": exposure["ead"], "el": r.el, "ec": r.ec,
                     "revenue": r.revenue, "costs": r.costs, "nopat": e.nopat, "eva": e.eva})
    by_customer = call(VIEW, {"rows": rows}, {"dimension": "customer"})
    for group, single in zip(by_customer.groups, rarocs, strict=True):
        assert group.raroc == pytest.approx(single.raroc, rel=1e-12)
    bj = _group(call(VIEW, {"rows": rows}), "BJ01")
    expected = (rarocs[0].risk_adjusted_return + rarocs[1].risk_adjusted_return) / (rarocs[0].ec + rarocs[1].ec)
    assert bj.raroc == pytest.approx(expected, rel=1e-12)
    assert bj.raroc != pytest.approx((rarocs[0].raroc + rarocs[1].raroc) / 2, rel=1e-3)


def test_view_zero_capital_and_empty_population(call):
    zero = {**ROW, "ead": 0, "el": 0, "ec": 0, "revenue": 0, "costs": 0, "nopat": 0, "eva": 0}
    view = call(VIEW, {"rows": [zero]})
    assert view.groups[0].raroc is None and view.groups[0].el_rate is None and view.groups[0].ec_rate is None
    empty = call(VIEW, {"rows": []})
    assert empty.groups == [] and empty.total.exposures == 0 and empty.total.raroc is None


@pytest.mark.parametrize("bad", [{"ead": -1}, {"ec": -5}, {"branch": ""}, {"city": "Beijing"}, {"eva": float("nan")}])
def test_view_rejects_malformed_rows(call, bad):
    with pytest.raises(ValidationError):
        call(VIEW, {"rows": [SMALL, {**LARGE, **bad}]})
