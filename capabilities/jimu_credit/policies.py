"""HQ's mandatory controls over every branch product, applied by `jimu validate`.

Branches may assemble freely, but some controls are not theirs to leave out. Each policy names
what it requires and how to comply; `jimu validate` reports a breach with the policy's own code
(J702 screening before scoring, J703 bureau consent) or the generic J701, naming the policy.
"""

from __future__ import annotations

import datetime as dt

from jimu import Policy, PolicyFinding, ProductView
from jimu.policy import Run

#: Capabilities that establish who the applicant is (a person or an organisation).
IDENTITY_CHECKS = ("customer.kyc.person", "customer.kyc.org")


#: Post-loan capabilities: a product that only monitors existing loans decides about borrowers
#: who were verified when their loans were granted, so it need not verify them again.
POST_LOAN = ("risk.monitor", "risk.earlywarning", "risk.postloan", "mgmt")


def _in(cap: str, families: tuple[str, ...]) -> bool:
    return any(cap == family or cap.startswith(family + ".") for family in families)


def identity_checked(product: ProductView):
    """A product that decides must know who it decides about: some step must run identity KYC.

    Exempt: products that only run post-loan capabilities (monitoring an existing book).
    """
    if not product.model.decisions:
        return  # nothing is decided: J601 already says so, or it is an analytics product
    reached = product.reaches()
    own = {s.target.entry.id for s in product.analysis.steps.values() if s.target is not None}
    if own and all(_in(cap, POST_LOAN) for cap in own) and not any(_in(cap, ("risk.preloan", "risk.underwrite",
                                                                              "risk.admission")) for cap in reached):
        return
    if not product.steps_using(IDENTITY_CHECKS):
        yield PolicyFinding(
            "the product decides without verifying the applicant's identity (customer.kyc.person or "
            "customer.kyc.org, directly or through a composite such as risk.intake)",
            ("steps",),
            hint="add a first step `uses: risk.intake` (persons) or `uses: customer.kyc.org` (SMEs)",
        )


#: Anti-fraud checks (device and phone sharing, application velocity).
ANTIFRAUD = ("risk.prescreen.antifraud",)
#: What scores or prices an applicant: by tag, so a third party's scorecard tagged so is covered too.
SCORING_TAGS, PRICING_TAGS = ("scorecard", "scoring"), ("pricing",)


def _kind(run: Run) -> str | None:
    tags = set(run.entry.tags)
    if tags & set(SCORING_TAGS):
        return "scores"
    if tags & set(PRICING_TAGS):
        return "prices"
    return None


def _screened(product: ProductView, check: Run, subject: Run) -> bool:
    """``check`` comes before ``subject`` in a way that counts: ``subject`` reads what it found
    (directly, or through a `when`), or it runs earlier, unconditionally where ``subject`` runs,
    and its decision is part of the product's decision (so its decline beats any price)."""
    if product.upstream(check, subject) or check.path in subject.gated_by:
        return True
    return check.position < subject.position and check.decides and not check.may_skip_apart_from(subject)


def screened_before_scoring(product: ProductView):
    """Every lending product runs KYC and anti-fraud before scoring or pricing an applicant.

    For each run that scores (tag ``scorecard``) or prices (tag ``pricing``), through composites:
    some identity KYC run and some anti-fraud run must come before it and count (see
    :func:`_screened`). ``risk.preloan`` satisfies it by itself (intake, then pre-screening's
    anti-fraud, then the scorecard); ``risk.underwrite`` after it does too (it reads its flags).
    A product with no KYC at all is already J701 (``hq.identity_checked``): not repeated here.
    """
    runs = product.runs()
    families = (("identity KYC", IDENTITY_CHECKS), ("anti-fraud", ANTIFRAUD))
    reported: set[int] = set()
    for subject in runs:
        kind = _kind(subject)
        if kind is None or subject.top in reported:
            continue
        missing, why = [], []
        for label, family in families:
            checks = [r for r in runs if r is not subject and product.runs_any(r, family)]
            if label == "identity KYC" and not checks:
                continue
            if any(_screened(product, c, subject) for c in checks):
                continue
            missing.append(label)
            why.append(f"{label} runs at {', '.join(c.where for c in checks)} but not before it in a way that counts"
                       if checks else f"no step runs {label} ({', '.join(family)})")
        if not missing:
            continue
        reported.add(subject.top)  # one finding per product step, naming everything it lacks
        yield PolicyFinding(
            f"{subject.where} {kind} the applicant ({subject.entry.id}) without {' and '.join(missing)} first: "
            + "; ".join(why) + " (a check counts when this step reads its result, or when it runs first, "
            "unconditionally, with its decision in the product's decision)",
            ("steps", subject.top, "uses"),
            hint="start from `uses: risk.preloan` (intake KYC and pre-screening's anti-fraud run before its "
                 "scorecard), or put the KYC and anti-fraud steps first and read their outputs",
        )


#: The resources that are the credit bureau: reading them is querying a person's credit record.
BUREAU_RESOURCES = ("data.bureau.",)
#: Capabilities that check and record the applicant's bureau authorisation (征信授权).
CONSENT_CHECKS = ("customer.consent.bureau",)
#: Time-limited exemptions from hq.bureau_consent (豁免清单): product id → (last day exempt, why).
#: A waiver that has run out no longer applies (`jimu validate --as-of DAY` shows what must
#: change by then). Empty: since risk.prescreen 1.1.0 gates its bureau query on the applicant's
#: authorisation, HQ's own products need none.
CONSENT_WAIVERS: dict[str, tuple[dt.date, str]] = {}


def _reads_bureau(product: ProductView, run: Run) -> str | None:
    return next((name for name in sorted(product.resources_read(run)) if name.startswith(BUREAU_RESOURCES)), None)


def bureau_consent(product: ProductView):
    """A product that queries the bureau records the applicant's consent, and queries only with it.

    Concretely: every run that reads a ``data.bureau.*`` resource is gated by a consent check
    (``customer.consent.bureau``): the ``when`` of that step, or of a step enclosing it, reads
    the consent step (``when: steps.consent.granted``), so that without consent the bureau is
    not queried at all — declining afterwards would be too late. The consent step's outputs (the
    authorisation's number) are in the trace, which is the record auditors ask for.
    """
    waiver = CONSENT_WAIVERS.get(product.id)
    if waiver is not None and product.as_of <= waiver[0]:
        return
    runs = product.runs()
    consents = [r for r in runs if product.runs_any(r, CONSENT_CHECKS)]
    reported: set[int] = set()
    for run in runs:
        resource = _reads_bureau(product, run)
        if resource is None or run.top in reported:
            continue
        if any(c.path in run.gated_by for c in consents):
            continue
        reported.add(run.top)
        why = ("the consent check does not gate it" if consents else "no step checks the applicant's consent")
        if waiver is not None:
            why += f" (its waiver ended on {waiver[0]})"
        yield PolicyFinding(
            f"{run.where} ({run.entry.id}) queries the credit bureau ({resource}), but {why}",
            ("steps", run.top, "uses"),
            hint="add a first step `consent: {uses: customer.consent.bureau}` and gate this one on it: "
                 "`when: steps.consent.granted`",
        )


POLICIES = (
    Policy(
        id="hq.identity_checked",
        description="Every origination product that decides runs identity KYC (个人或企业身份核验) before deciding.",
        check=identity_checked,
        owner="hq.risk-platform",
    ),
    Policy(
        id="hq.screened_before_scoring",
        description="Every lending product runs KYC and anti-fraud (身份核验与反欺诈) before scoring or pricing.",
        check=screened_before_scoring,
        owner="hq.risk-platform",
        code="J702",
    ),
    Policy(
        id="hq.bureau_consent",
        description="A product that queries the credit bureau gates the query on the applicant's recorded "
                    "authorisation (征信授权).",
        check=bureau_consent,
        owner="hq.risk-platform",
        code="J703",
    ),
)
