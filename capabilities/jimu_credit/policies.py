"""HQ's mandatory controls over every branch product, applied by `jimu validate`.

Branches may assemble freely, but some controls are not theirs to leave out. Each policy names
what it requires and how to comply; `jimu validate` reports a breach as J701 with the policy id.
"""

from __future__ import annotations

from jimu import Policy, PolicyFinding, ProductView

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


POLICIES = (
    Policy(
        id="hq.identity_checked",
        description="Every origination product that decides runs identity KYC (个人或企业身份核验) before deciding.",
        check=identity_checked,
        owner="hq.risk-platform",
    ),
)
