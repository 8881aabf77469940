"""Per record: HQ's pre-loan product through Jimu's plan vs the same functions by hand vs Hamilton.

Three ways of running ``assemblies/hq/preloan_standard.yaml`` on the same applicants
(``jimu_credit.samples``, the German Credit sample mapped to the product's inputs):

- **jimu**: ``load_plan`` once, then ``run_record`` per applicant — contracts validated at every
  step, composites with their own contracts (inlined into one function: ``jimu.runtime.inline``),
  ``on_error``, the decision combined;
- **direct**: hand-written code calling the *same capability functions* in the product's order,
  composites' inner steps included: it builds each input model, passes the default params, and
  gives the functions that take ``ctx`` a hand-written context (their resources, and their
  dependencies as plain calls that build the dependency's input model). No Jimu runtime, no
  error handling: the floor any runtime is measured against;
- **hamilton**: the same node functions as the direct code, as an Apache Hamilton DAG
  (``driver.execute`` per record).

The three must give the same decision (outcome, reasons, offer) and outputs on every applicant.
Timed interleaved (``_timing.interleaved``), best round of each. Run: ``make bench`` or
``.venv/bin/python bench/record.py [--quick]``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from jimu import load_catalog
from jimu.decision import Decision, combine
from jimu.runtime import RecordRejected, load_plan, run_record
from jimu_credit.customer import consent as bureau, identity, kyc
from jimu_credit.risk import admission, duediligence, lists, prescreen, scorecard, underwrite
from jimu_credit.samples import applicants

sys.path.insert(0, str(Path(__file__).parent))
from _timing import arguments, goals_table, interleaved, top_frames  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ROOT / "assemblies" / "hq" / "preloan_standard.yaml"
OVERHEAD_GOAL_US = 1.0
RATIO_GOAL = 1.5


class Request(BaseModel):
    """The product's request, typed by hand as a service would (the YAML's ``inputs``)."""

    model_config = ConfigDict(extra="ignore")
    resident_id: str
    as_of: dt.date
    applied_at: dt.datetime
    phone: str | None = None
    device_id: str | None = None
    card_number: str | None = None
    bureau_consent: bool | None = None
    consent_ref: str | None = None
    consent_signed_on: dt.date | None = None
    monthly_income: float
    existing_monthly_debt: float
    requested_amount: float
    tenor_months: int
    status_of_existing_checking_account: str
    duration_in_month: int
    credit_history: str
    purpose: str
    credit_amount: int
    savings_account_and_bonds: str
    present_employment_since: str
    installment_rate_in_percentage_of_disposable_income: int
    other_debtors_or_guarantors: str
    present_residence_since: int
    property: str
    age_in_years: int
    other_installment_plans: str
    housing: str
    number_of_existing_credits_at_this_bank: int
    job: str
    number_of_people_being_liable_to_provide_maintenance_for: int
    telephone: str


SCORED = tuple(scorecard.scorecard.input.model_fields)


# -- the hand-written context: resources, and dependencies as plain calls --------------------------


def _plain_call(cap: Any, takes_params: bool):
    """A dependency as hand-written code calls it: its input model built, its params model if any."""
    func, model, params_model = cap.func, cap.input, cap.params
    if not takes_params:
        return lambda record, params=None: func(model(**record))
    default = params_model()
    return lambda record, params=None: func(model(**record), params=params_model(**params) if params else default)


class HandContext:
    """What the functions that take ``ctx`` are given by the direct code: no contracts checked."""

    def __init__(self, resources: dict[str, object], counting: bool = False):
        self.resources = resources
        self.used = 0  # calls of dependencies, when ``counting`` (the checking pass, not the timed one)
        self.calls = {
            identity.resident_id_checksum.id: _plain_call(identity.resident_id_checksum, True),
            identity.resident_id_birthdate.id: _plain_call(identity.resident_id_birthdate, True),
            identity.uscc_checksum.id: _plain_call(identity.uscc_checksum, False),
            identity.bank_card_luhn.id: _plain_call(identity.bank_card_luhn, False),
            prescreen.cycles.id: _plain_call(prescreen.cycles, True),
            scorecard.woe_points.id: _plain_call(scorecard.woe_points, True),
            underwrite.dti.id: _plain_call(underwrite.dti, False),
            underwrite.clamp.id: _plain_call(underwrite.clamp, False),
        }
        if counting:
            self.calls = {cap_id: self._counted(call) for cap_id, call in self.calls.items()}

    def _counted(self, call):
        def counted(record, params=None):
            self.used += 1
            return call(record, params)
        return counted

    def resource(self, name: str) -> object:
        return self.resources[name]

    def use(self, cap_id: str):
        return self.calls[cap_id]


CTX: HandContext  # set in main(): the resources come from the installed providers
STEPS = (lists.listcheck, identity.resident_id_birthdate, admission.eligibility, kyc.person_kyc, kyc.card_kyc,
         bureau.bureau_consent, prescreen.antifraud, prescreen.multilender, prescreen.graph, scorecard.scorecard, duediligence.route,
         underwrite.pricing, underwrite.limit, underwrite.decision)
P = {cap.id: cap.params() for cap in STEPS}  # every step runs with HQ's default params, as the product does


# -- the product's steps as node functions (the direct code calls them; Hamilton wires them) -------


def request(record: dict) -> Request:
    return Request(**record)


def list_check(request: Request) -> BaseModel:
    f = lists.listcheck
    return f.func(f.input(resident_id=request.resident_id, phone=request.phone, as_of=request.as_of),
                  params=P[f.id], ctx=CTX)


def id_facts(request: Request) -> BaseModel:
    f = identity.resident_id_birthdate
    return f.func(f.input(resident_id=request.resident_id, as_of=request.as_of), params=P[f.id])


def eligibility(id_facts: BaseModel) -> BaseModel | None:
    if id_facts.age is None or id_facts.region_code is None:
        return None
    f = admission.eligibility
    return f.func(f.input(age=id_facts.age, region_code=id_facts.region_code), params=P[f.id])


def admission_decision(list_check: BaseModel, eligibility: BaseModel | None) -> Decision:
    return _decided([list_check.decision, eligibility.decision if eligibility is not None else None])


def person(request: Request) -> BaseModel:
    f = kyc.person_kyc
    return f.func(f.input(resident_id=request.resident_id, as_of=request.as_of), params=P[f.id], ctx=CTX)


def card(request: Request) -> BaseModel | None:
    if request.card_number is None:
        return None
    f = kyc.card_kyc
    return f.func(f.input(card_number=request.card_number), ctx=CTX)


def intake_decision(person: BaseModel, card: BaseModel | None) -> Decision:
    return _decided([person.decision, card.decision if card is not None else None])


def antifraud(request: Request) -> BaseModel:
    f = prescreen.antifraud
    return f.func(f.input(resident_id=request.resident_id, applied_at=request.applied_at, phone=request.phone,
                          device_id=request.device_id), params=P[f.id], ctx=CTX)


def consent(request: Request) -> BaseModel:
    f = bureau.bureau_consent
    return f.func(f.input(bureau_consent=request.bureau_consent, consent_ref=request.consent_ref,
                          consent_signed_on=request.consent_signed_on, as_of=request.as_of), params=P[f.id])


def multilender(request: Request, consent: BaseModel) -> BaseModel | None:
    if not consent.granted:  # no authorisation, no bureau query
        return None
    f = prescreen.multilender
    return f.func(f.input(resident_id=request.resident_id, as_of=request.as_of), params=P[f.id], ctx=CTX)


def graph(request: Request) -> BaseModel:
    f = prescreen.graph
    return f.func(f.input(party_id=request.resident_id, as_of=request.as_of), params=P[f.id], ctx=CTX)


def score(request: Request) -> BaseModel:
    f = scorecard.scorecard
    fields = request.__dict__
    return f.func(f.input(**{name: fields[name] for name in SCORED}), params=P[f.id], ctx=CTX)


def antifraud_flag(antifraud: BaseModel) -> bool:
    return antifraud.device_shared or antifraud.phone_shared or antifraud.velocity_exceeded


def prescreen_decision(consent: BaseModel, antifraud: BaseModel, multilender: BaseModel | None,
                       graph: BaseModel) -> Decision:
    return _decided([consent.decision, antifraud.decision, multilender.decision if multilender else None, graph.decision])


def route(request: Request, score: BaseModel, antifraud_flag: bool, multilender: BaseModel | None) -> BaseModel:
    f = duediligence.route
    return f.func(f.input(score_band=score.score_band, amount=request.requested_amount, antifraud_flag=antifraud_flag,
                          multilender_flag=multilender is not None and multilender.multi_lender,
                          employment="unemployed" if request.present_employment_since == "unemployed" else "employed",
                          collateral="property" if request.property == "real estate" else "none"),
                  params=P[f.id])


def preloan_decision(admission_decision: Decision, intake_decision: Decision, prescreen_decision: Decision) -> Decision:
    return _decided([admission_decision, intake_decision, prescreen_decision])


def pricing(request: Request, score: BaseModel) -> BaseModel:
    f = underwrite.pricing
    return f.func(f.input(as_of=request.as_of, risk_tier=score.score_band, tenor_months=request.tenor_months),
                  params=P[f.id], ctx=CTX)


def limit(request: Request, pricing: BaseModel) -> BaseModel:
    f = underwrite.limit
    return f.func(f.input(monthly_income=request.monthly_income, existing_monthly_debt=request.existing_monthly_debt,
                          annual_rate=pricing.rate, tenor_months=request.tenor_months,
                          requested_amount=request.requested_amount), params=P[f.id], ctx=CTX)


def matrix(request: Request, score: BaseModel, antifraud_flag: bool, multilender: BaseModel | None, route: BaseModel,
           limit: BaseModel, pricing: BaseModel) -> BaseModel:
    f = underwrite.decision
    return f.func(f.input(score_band=score.score_band, antifraud_flag=antifraud_flag,
                          multilender_flag=multilender is not None and multilender.multi_lender, dd_tier=route.tier, limit=limit.limit,
                          rate=pricing.rate, tenor_months=request.tenor_months), params=P[f.id])


def underwrite_decision(limit: BaseModel, matrix: BaseModel) -> Decision:
    return _decided([limit.decision, matrix.decision])


def decision(preloan_decision: Decision, underwrite_decision: Decision) -> Decision:
    return _decided([preloan_decision, underwrite_decision])


def _decided(decisions: list[Decision | None]) -> Decision:
    return combine(d for d in decisions if d is not None) or Decision.refer("SYS_NO_DECISION")


NODES = (request, list_check, id_facts, eligibility, admission_decision, person, card, intake_decision, consent,
         antifraud, multilender, graph, score, antifraud_flag, prescreen_decision, route, preloan_decision, pricing, limit,
         matrix, underwrite_decision, decision)


def direct(record: dict) -> tuple[Decision, float, float]:
    """The product by hand: each step in the product's order, composites' inner steps included."""
    req = request(record)
    adm = admission_decision(list_check(req), eligibility(id_facts(req)))
    intake = intake_decision(person(req), card(req))
    cons = consent(req)
    af, ml, sc = antifraud(req), multilender(req, cons), score(req)
    flag = antifraud_flag(af)
    pre = prescreen_decision(cons, af, ml, graph(req))
    dd = route(req, sc, flag, ml)
    price = pricing(req, sc)
    lim = limit(req, price)
    uw = underwrite_decision(lim, matrix(req, sc, flag, ml, dd, lim, price))
    return decision(preloan_decision(adm, intake, pre), uw), sc.score, lim.limit


def hamilton_driver():
    from hamilton import ad_hoc_utils, driver

    module = ad_hoc_utils.create_temporary_module(*NODES, module_name="preloan_nodes")
    dr = driver.Builder().with_modules(module).build()

    def run(record: dict) -> tuple[Decision, float, float]:
        out = dr.execute(["decision", "score", "limit"], inputs={"record": record})
        return out["decision"], out["score"].score, out["limit"].limit

    return run


def plan_shape(plan) -> dict[str, int]:
    """Capability steps, composite steps, outputs and deciding expressions, composites' own included."""
    shape = {"caps": 0, "composites": 0, "outputs": len(plan.outputs), "decisions": len(plan.decisions)}
    for step in plan.steps:
        if step.sub is None:
            shape["caps"] += 1
        else:
            shape["composites"] += 1
            for key, value in plan_shape(step.sub).items():
                shape[key] += value
    return shape


def main() -> int:
    global CTX
    args = arguments(__doc__.splitlines()[0])
    n, rounds = (20, 2) if args.quick else (1000, 7)
    catalog = load_catalog()
    plan = load_plan(PRODUCT, catalog)
    provided = catalog.bind_resources()  # the same objects Jimu's plan reads, opened once here
    resources = {name: provided[name] for cap in (*STEPS, prescreen.cycles) for name in cap.resources}
    CTX = HandContext(resources, counting=True)
    records = list(applicants(n))
    hamilton = hamilton_driver()

    def jimu(record: dict) -> tuple[Decision, float, float]:
        result = run_record(plan, record)
        return result.decision, result.outputs["score"], result.outputs["limit"]

    # the same answers, record by record, before anything is timed
    rejected = 0
    for record in records:
        try:
            want = jimu(record)
        except RecordRejected:
            rejected += 1
            continue
        for name, run in (("direct", direct), ("hamilton", hamilton)):
            got = run(record)
            if got != want:
                print(f"{name} disagrees with jimu on row {record.get('row')}: {got} vs {want}", file=sys.stderr)
                return 1
    if rejected:
        print(f"{rejected} applicants rejected by the product's input contract", file=sys.stderr)
        return 1
    uses = CTX.used / 2 / n  # the direct and the Hamilton runs each called every dependency once
    CTX = HandContext(resources)

    def batch(run):
        return lambda: [run(record) for record in records]

    best = interleaved({"direct": batch(direct), "jimu": batch(jimu), "hamilton": batch(hamilton)}, rounds)
    us = {name: seconds / n * 1e6 for name, seconds in best.items()}
    shape = plan_shape(plan)
    caps, composites = shape["caps"], shape["composites"]
    steps = caps + composites
    calls = steps + uses  # every call Jimu checks a contract on: plan steps and `ctx.use` calls
    overhead = (us["jimu"] - us["direct"]) / steps
    per_call = (us["jimu"] - us["direct"]) / calls
    ratio = us["jimu"] / us["direct"]
    print("## Per record: the pre-loan product (`assemblies/hq/preloan_standard.yaml`)\n")
    print(f"{n:,} German Credit applicants, the same decisions (outcome, reasons, offer), score and limit from all "
          f"three on every one; best of {rounds} interleaved rounds. The plan has {caps} capability steps inside "
          f"{composites} composite steps ({steps} steps); the capabilities also call their dependencies through "
          f"`ctx.use`, {uses:.1f} times a record on average (the scorecard alone fourteen times), each call "
          "contract-checked too.\n")
    print("| runner | µs per record | × direct |\n|---|---:|---:|")
    for name, label in (("direct", "direct calls (hand-written)"), ("jimu", "Jimu plan (`run_record`)"),
                        ("hamilton", "Apache Hamilton DAG")):
        print(f"| {label} | {us[name]:.1f} | {us[name] / us['direct']:.2f} |")
    print(f"\nJimu's overhead: {us['jimu'] - us['direct']:.1f} µs per record: {per_call:.2f} µs per contract-checked "
          f"call ((jimu − direct) / {calls:.1f} calls: {steps} plan steps and {uses:.1f} `ctx.use` calls), "
          f"{overhead:.2f} µs per plan step ((jimu − direct) / {steps} steps). The goal is measured per "
          "contract-checked call: on the issue's chain of steps each step is one call, and a call is where "
          "Jimu's per-step work happens (inputs bound and validated, output checked); dividing by plan steps "
          f"alone would charge the {uses:.0f} checked `ctx.use` calls a record makes to the {steps} plan steps.\n")
    if per_call > OVERHEAD_GOAL_US and not args.quick:
        print("Where Jimu's own time goes (its functions only; the capabilities' time is the same as direct):\n")
        print(top_frames(lambda: [jimu(record) for _ in range(3) for record in records], limit=10,
                         only=lambda where: "jimu/" in where and "jimu_credit" not in where))
        print(f"\nWhat Jimu does that the direct code does not: a record runs its {composites} composites inlined "
              "into the product's one function (`jimu.runtime.inline`), but each still has its inputs, its "
              f"outputs ({shape['outputs']} in all, those the parent reads evaluated) and its decision (from "
              f"{shape['decisions']} deciding expressions), where the direct code reads fields; every step's "
              "output and every `ctx.use` call's output is checked against its contract (NaN, reason codes), "
              "where the direct code checks nothing.\n")
    print(goals_table([
        (f"pre-loan product: Jimu ≤ {RATIO_GOAL}× direct calls", f"{ratio:.2f}×", ratio <= RATIO_GOAL),
        (f"pre-loan product: overhead ≤ {OVERHEAD_GOAL_US:.0f} µs per contract-checked call",
         f"{per_call:.2f} µs", per_call <= OVERHEAD_GOAL_US),
    ]))
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
