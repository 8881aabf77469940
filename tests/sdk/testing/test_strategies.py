"""inputs_strategy / params_strategy: valid records read off the contract, nulls and edges included."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from hypothesis import HealthCheck, given, settings
from pydantic import Field, model_validator

from jimu import ContractModel, capability
from jimu.testing import inputs_strategy, params_strategy

FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))


class Payment(ContractModel):
    paid_on: dt.date
    amount: float = Field(gt=0, le=1e6)


class Loan(ContractModel):
    loan_id: str = Field(pattern=r"^L[0-9]{6}$")
    bucket: Literal["M0", "M1", "M2"]
    dpd: int = Field(ge=0, le=36500)
    balance: float | None = Field(None, ge=0)
    memo: str | None = Field(None, max_length=8)
    payments: list[Payment] = Field(default_factory=list, max_length=3)
    resident_id: str  # a checksum the generator cannot guess: the examples give realistic ones

    @model_validator(mode="after")
    def _current_has_no_dpd(self):
        if self.bucket == "M0" and self.dpd > 0:
            raise ValueError("M0 means no days past due")
        return self


class Edges(ContractModel):
    low: int = Field(30, ge=15, le=45)
    high: int = Field(60, ge=30, le=90)

    @model_validator(mode="after")
    def _ordered(self):
        if self.low >= self.high:
            raise ValueError("low < high")
        return self


class Out(ContractModel):
    ok: bool


@capability(id="risk.step.toy_loan", version="1.0.0", level=5, name="Loan", name_zh="贷款", owner="t",
            examples=[{"input": {"loan_id": "L000001", "bucket": "M1", "dpd": 12, "resident_id": "11010519491231002X"},
                       "output": {"ok": True}}])
def loan(r: Loan, params: Edges) -> Out:
    return Out(ok=True)


def test_every_drawn_record_and_params_are_valid_and_the_draws_reach_every_corner():
    seen: dict[str, set] = {"null_balance": set(), "ids": set(), "buckets": set(), "payments": set(), "params": set()}

    @FAST
    @given(record=inputs_strategy(loan), params=params_strategy(loan))
    def draw(record, params):
        Loan.model_validate(record)  # cross-field rule included: M0 rows have dpd 0
        Edges.model_validate(params)
        seen["null_balance"].add(record.get("balance", None) is None)
        seen["ids"].add(record["resident_id"])
        seen["buckets"].add(record["bucket"])
        seen["payments"].add(len(record.get("payments", [])))
        seen["params"].add(tuple(sorted(params.items())))

    draw()
    assert seen["null_balance"] == {True, False}  # nulls included
    assert seen["buckets"] == {"M0", "M1", "M2"}
    assert "11010519491231002X" in seen["ids"]  # an example's value
    assert len(seen["payments"]) > 1  # nested models, in lists
    assert () in seen["params"] and len(seen["params"]) > 2  # the defaults, and values within HQ's bounds


@FAST
@given(record=inputs_strategy(Payment))
def test_a_bare_model_works_too(record):
    assert 0 < record["amount"] <= 1e6 and dt.date(1900, 1, 1) <= record["paid_on"] <= dt.date(2100, 12, 31)
