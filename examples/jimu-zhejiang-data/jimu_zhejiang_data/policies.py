"""The Zhejiang data team's own control, added to `jimu validate` from this distribution.

**Licence before bureau.** A loan-approval query shows on the applicant's credit report, and
other lenders count it in their multi-lender checks (多头借贷): querying the bureau about the
owner of a pharmacy that the licence check is about to decline harms the applicant and buys
the bank nothing (and collects personal credit data beyond what is necessary, 最小必要原则). So
in a product that checks a merchant's drug-trade licence, every run that reads a credit-bureau
resource (``data.bureau.*``) must be gated on the licence check: the ``when`` of that step, or of
a step enclosing it, reads the licence step's result. Products that do not check a licence are
not concerned.

Reported with Jimu's generic policy code (J701), naming the policy: the J702–J709 range is HQ's.
"""

from __future__ import annotations

from jimu import Policy, PolicyFinding, ProductView

LICENCE_CHECKS = ("data.zhejiang.pharmacy_licence",)
BUREAU_RESOURCES = ("data.bureau.",)


def licence_before_bureau(product: ProductView):
    runs = product.runs()
    licence_runs = [r for r in runs if product.runs_any(r, LICENCE_CHECKS)]
    if not licence_runs:
        return
    reported: set[int] = set()
    for run in runs:
        bureau = next((name for name in sorted(product.resources_read(run)) if name.startswith(BUREAU_RESOURCES)), None)
        if bureau is None or run.top in reported or any(lic.path in run.gated_by for lic in licence_runs):
            continue
        reported.add(run.top)
        first = licence_runs[0]
        yield PolicyFinding(
            f"{run.where} ({run.entry.id}) queries the credit bureau ({bureau}) whether or not the drug-trade "
            f"licence check at {first.where} declined the merchant",
            ("steps", run.top, "uses"),
            hint=f"run the licence check first and gate this step on it: "
                 f"`when: \"!has(steps.{first.path[0]}.decision) || steps.{first.path[0]}.decision.outcome != 'decline'\"`",
        )


POLICIES = (
    Policy(
        id="zhejiang.licence_before_bureau",
        description="A product that checks a merchant's drug-trade licence queries the credit bureau only for "
                    "merchants the check did not decline (先核验许可证，后查询征信).",
        check=licence_before_bureau,
        owner="zhejiang.data-team",
    ),
)
