"""The credit decision: one type for every product, so that every decline says why.

A capability that decides returns a :class:`Decision` among its outputs; a product names its
decision output in YAML. Where several steps decide, :func:`combine` keeps the strictest outcome
(decline beats refer beats approve) and every reason behind it. Nothing here ever turns an error
into an approval: :meth:`Decision.refer` is what a runtime uses when it cannot decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from pydantic import ConfigDict, Field, model_validator

from .capability import ContractModel


class Outcome(str, Enum):
    APPROVE = "approve"
    REFER = "refer"  # to a credit officer: the machine does not decide
    DECLINE = "decline"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Outcome.APPROVE: 0, Outcome.REFER: 1, Outcome.DECLINE: 2}


class Offer(ContractModel):
    """What is offered with an approval: a limit and an annual rate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: float = Field(ge=0, description="credit limit in RMB")
    rate: float | None = Field(None, ge=0, le=1, description="annual interest rate, e.g. 0.0385")
    tenor_months: int | None = Field(None, ge=1, le=360)


class Decision(ContractModel):
    """An outcome with its reason codes (registered codes only) and, when approved, the offer.

    Frozen: a decision is made once; changing its outcome afterwards would bypass the check that
    every refer and decline carries a reason.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Outcome
    reasons: list[str] = Field(default_factory=list, description="reason codes, most important first")
    offer: Offer | None = None

    @model_validator(mode="after")
    def _explained(self) -> Decision:
        if self.outcome is not Outcome.APPROVE and not self.reasons:
            raise ValueError(f"a {self.outcome.value} must carry at least one reason code")
        if self.outcome is not Outcome.APPROVE and self.offer is not None:
            raise ValueError(f"a {self.outcome.value} carries no offer")
        return self

    @classmethod
    def approve(cls, offer: Offer | None = None, reasons: Iterable[str] = ()) -> Decision:
        return cls(outcome=Outcome.APPROVE, offer=offer, reasons=list(reasons))

    @classmethod
    def refer(cls, *reasons: str) -> Decision:
        return cls(outcome=Outcome.REFER, reasons=list(reasons))

    @classmethod
    def decline(cls, *reasons: str) -> Decision:
        return cls(outcome=Outcome.DECLINE, reasons=list(reasons))


def combine(decisions: Iterable[Decision]) -> Decision | None:
    """The strictest outcome; reasons of every decision with that outcome, in order, once each.

    The offer is kept only for an approval, from the last step that made one (the later step
    refines it: pricing after limit). None when nothing decided: the caller must refer.
    """
    chosen = list(decisions)
    if not chosen:
        return None
    # Plain loops and identity tests: a product combines at every composite, per record, and
    # ``max`` with a key, Enum hashing and generators cost more than the decision itself
    worst = Outcome.APPROVE
    for d in chosen:
        outcome = d.outcome
        if outcome is Outcome.DECLINE:
            worst = outcome
        elif outcome is Outcome.REFER:
            if worst is Outcome.APPROVE:
                worst = outcome
        elif outcome is not Outcome.APPROVE:  # not an Outcome (a model_construct'ed decision): as before
            worst = max(chosen, key=lambda d: d.outcome.severity).outcome
            break
    reasons: list[str] = []
    for d in chosen:
        if d.outcome is worst:
            for code in d.reasons:
                if code not in reasons:
                    reasons.append(code)
    offer = None
    if worst is Outcome.APPROVE:  # from the last step that made one
        for d in reversed(chosen):
            if d.offer is not None:
                offer = d.offer
                break
    if worst is Outcome.APPROVE or reasons:
        # Composites combine again what their steps combined: most often the answer equals one of
        # the decisions given (an approval and plain approvals, one decline and approvals). That
        # decision is then the answer itself: equal field for field, valid (it was validated when
        # made, and frozen since), and not built and validated again.
        for d in chosen:
            if d.outcome is worst and d.offer is offer and d.reasons == reasons and type(d) is Decision:
                return d
    return Decision(outcome=worst, reasons=reasons, offer=offer)
