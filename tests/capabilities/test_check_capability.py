"""Every capability HQ ships passes the plugin test kit (``jimu.testing.check_capability``).

Examples, the params contract at its edges, reason codes on examples and generated inputs, and
record/batch equivalence for the post-loan steps with batch forms. Lookups run against the
installed demo providers (the catalog binds them); the kit's own tests show it can fail.
"""

from __future__ import annotations

import pytest

import jimu
from jimu.testing import check_capability
from jimu_credit.data.market import LprUnavailable

CATALOG = jimu.load_catalog()  # at collection time, so each capability is its own test
HQ = sorted(
    (cap for cap in CATALOG.capabilities.values()
     if isinstance(cap, jimu.Capability) and CATALOG.source(cap).distribution == "jimu-credit"),
    key=lambda cap: cap.key,
)

#: refusals some capabilities make on inputs their contract admits, by design (the runtime applies
#: the step's on_error): what the kit is told to accept, with why
REFUSALS: dict[str, tuple[type[BaseException], ...]] = {
    # "a characteristic the table does not score (dropped in training) is an error" (its docstring):
    # the input contract names every German Credit characteristic, the v1 card scores fourteen
    "risk.step.woe_points": (ValueError, KeyError),
    # the LPR history starts 2019-08-20: a pricing date before it has no rate to price from
    "risk.underwrite.pricing": (ValueError, LprUnavailable),
}


def test_every_hq_capability_is_checked():
    assert len(HQ) >= 35
    assert {cap.kind.value for cap in HQ} == {"map", "lookup", "aggregate"}
    assert sum(1 for cap in HQ if cap.batch is not None) >= 5


@pytest.mark.parametrize("cap", HQ, ids=[cap.key for cap in HQ])
def test_capability_passes_the_kit(cap):
    check_capability(cap, catalog=CATALOG, max_examples=25, raises=REFUSALS.get(cap.id, (ValueError,)))


@pytest.mark.parametrize("cap_id", sorted(REFUSALS))
def test_a_refusal_allowed_above_is_still_needed(cap_id):
    """The table above is not a blanket pass: without it, the kit reports exactly that refusal."""
    cap = CATALOG.get(cap_id)
    with pytest.raises(AssertionError, match=REFUSALS[cap_id][-1].__name__):
        check_capability(cap, catalog=CATALOG, max_examples=100, batch=False)
