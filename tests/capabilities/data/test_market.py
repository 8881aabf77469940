"""data.market.lpr: the bundled LPR history, its lookups and its refusals (DOMAIN.md §2.6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jimu_credit.data.market import LPR, LprFixing, LprHistory, LprSource, LprUnavailable

D = dt.date


@pytest.fixture(scope="module")
def history() -> LprHistory:
    return LprHistory.bundled()


def test_resource_is_declared_and_provided_by_the_installed_plugin(jimu_catalog):
    resource = jimu_catalog.resources[LPR]
    assert resource.protocol is LprSource and resource.owner == "hq.data-platform"
    provided = jimu_catalog.bind_resources()[LPR]
    assert isinstance(provided, LprHistory) and resource.accepts(provided)


@pytest.mark.parametrize(
    ("as_of", "tenor", "rate", "fixing"),
    [
        (D(2019, 8, 20), "1Y", 0.0425, D(2019, 8, 20)),  # the first fixing under the reformed mechanism
        (D(2019, 8, 20), "5Y", 0.0485, D(2019, 8, 20)),
        (D(2020, 4, 19), "1Y", 0.0405, D(2020, 2, 20)),  # the day before a cut: the old rate
        (D(2020, 4, 20), "1Y", 0.0385, D(2020, 4, 20)),  # on the fixing date: the new rate
        (D(2021, 6, 30), "5Y", 0.0465, D(2020, 4, 20)),  # unchanged for twenty months
        (D(2022, 8, 21), "1Y", 0.0370, D(2022, 5, 20)),  # 2022-08-20 was a Saturday: fixed on the 22nd
        (D(2022, 8, 22), "5Y", 0.0430, D(2022, 8, 22)),
        (D(2024, 2, 20), "5Y", 0.0395, D(2024, 2, 20)),  # a 5Y-only cut
        (D(2024, 2, 20), "1Y", 0.0345, D(2024, 2, 20)),
        (D(2024, 8, 1), "1Y", 0.0335, D(2024, 7, 22)),
        (D(2025, 5, 20), "1Y", 0.0300, D(2025, 5, 20)),
        (D(2026, 2, 19), "1Y", 0.0300, D(2026, 1, 20)),  # last day the history answers for
    ],
)
def test_most_recent_fixing_on_or_before_the_date_applies(history, as_of, tenor, rate, fixing):
    found = history.fixing_on(as_of, tenor)
    assert found == LprFixing(date=fixing, tenor=tenor, rate=rate, source=found.source)
    assert found.source  # every row names the report it was read from
    assert history.rate_on(as_of, tenor) == rate


def test_dates_outside_the_history_are_refused_not_guessed(history):
    assert history.first_date == D(2019, 8, 20) and history.last_date == D(2026, 1, 20)
    assert history.valid_through == D(2026, 2, 19)
    with pytest.raises(LprUnavailable, match="starts 2019-08-20"):
        history.fixing_on(D(2019, 8, 19))
    with pytest.raises(LprUnavailable, match="later fixing may have changed"):
        history.fixing_on(D(2026, 2, 20))
    with pytest.raises(ValueError, match="1Y and 5Y"):
        history.fixing_on(D(2024, 1, 1), "3Y")


def test_bundled_rows_are_changes_in_0_05_pp_steps(history):
    rows = history._rows
    assert len(rows) == 16
    for before, after in zip(rows, rows[1:-1], strict=False):
        assert before.pct != after.pct, f"{after.date} repeats the previous row: only changes are listed"
    for row in rows:
        assert all(value % Decimal("0.05") == 0 for value in row.pct.values())
        assert row.pct["1Y"] < row.pct["5Y"]
    assert rows[-1].pct == rows[-2].pct  # the last row only confirms the latest value


def test_history_is_a_provider_of_the_protocol_and_fakes_can_be_too():
    class Flat:
        def rate_on(self, as_of, tenor="1Y"):
            return 0.04

        def fixing_on(self, as_of, tenor="1Y"):
            return LprFixing(as_of, tenor, 0.04)

    assert isinstance(LprHistory.bundled(), LprSource)
    assert isinstance(Flat(), LprSource)
    assert not isinstance(object(), LprSource)


CSV_HEAD = "# a comment\ndate,lpr_1y_pct,lpr_5y_pct,source\n"


def test_from_csv_reads_rows_and_skips_comments():
    h = LprHistory.from_csv(CSV_HEAD + "2024-01-22,3.45,4.20,x\n# between\n2024-02-20,3.45,3.95,y\n")
    assert h.rate_on(D(2024, 2, 1), "5Y") == 0.042 and h.rate_on(D(2024, 2, 20), "5Y") == 0.0395
    assert h.valid_through == D(2024, 3, 19)
    december = LprHistory.from_csv(CSV_HEAD + "2025-12-22,3.00,3.50,z\n")
    assert december.valid_through == D(2026, 1, 19)
    extended = LprHistory.from_csv(CSV_HEAD + "2025-12-22,3.00,3.50,z\n", valid_through=D(2026, 6, 30))
    assert extended.rate_on(D(2026, 6, 30)) == 0.03


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2024-01-22,3.43,4.20,x\n", "multiple of 0.05"),
        ("2024-01-22,0,4.20,x\n", "multiple of 0.05"),
        ("2024-01-22,abc,4.20,x\n", "not a rate"),
        ("2024-02-20,3.45,4.20,x\n2024-01-22,3.45,4.20,x\n", "strictly increasing"),
        ("2024-01-05,3.45,4.20,x\n", "20th"),
        ("", "at least one fixing"),
    ],
)
def test_from_csv_refuses_a_damaged_file(body, message):
    with pytest.raises(ValueError, match=message):
        LprHistory.from_csv(CSV_HEAD + body)


def test_from_csv_needs_its_columns():
    with pytest.raises(ValueError, match="lpr_5y_pct"):
        LprHistory.from_csv("date,lpr_1y_pct\n2024-01-22,3.45\n")
