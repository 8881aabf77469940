"""Registers one policy: the acme auditors review every step of an acme branch product by hand."""

from jimu import Policy, PolicyFinding, hookimpl

MAX_STEPS = 3


def few_enough_steps(product):
    """Products of ``acme.*`` branches run at most three steps (each is reviewed by hand)."""
    if product.branch != "acme" and not product.branch.startswith("acme."):
        return
    steps = product.model.steps
    if len(steps) > MAX_STEPS:
        yield PolicyFinding(f"{len(steps)} steps, but acme's auditors review at most {MAX_STEPS}",
                            ("steps", MAX_STEPS, "id"), hint="split the product, or ask acme audit for a review slot")


@hookimpl
def jimu_register(register):
    register(Policy(id="acme.audit.few_steps", description="acme branch products run at most three steps.",
                    check=few_enough_steps, owner="acme.audit"))
