"""Market data: the loan prime rate (LPR, 贷款市场报价利率) that every new loan is priced from.

Since PBOC Announcement No. 15 [2019] the LPR is the pricing reference for new loans: the
National Interbank Funding Center publishes it on the 20th of each month (postponed over
holidays) in two tenors, 1Y and 5Y+ (over five years), in 0.05 pp steps (DOMAIN.md §2.6). The
rate that applies on a date is the most recent fixing on or before it.

``data.market.lpr`` is the declared resource: anything with ``rate_on`` and ``fixing_on`` (the
:class:`LprSource` protocol) may provide it: a live feed in production, :class:`LprHistory` over
the bundled ``market/lpr.csv`` here. The bundled history holds the fixings at which a tenor
changed plus the latest one confirmed, each with the report it was read from; a date after the
history's coverage is refused (:class:`LprUnavailable`) rather than priced from a stale rate.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from typing import Literal, Protocol, runtime_checkable

from jimu import Resource, ResourceProvider

OWNER = "hq.data-platform"
LPR = "data.market.lpr"
TENORS = ("1Y", "5Y")
Tenor = Literal["1Y", "5Y"]
_STEP = Decimal("0.05")  # percentage points


class LprUnavailable(LookupError):
    """No published LPR covers the date asked for (before the reform, or past the data held)."""


@dataclass(frozen=True)
class LprFixing:
    """One tenor of one fixing: its publication date, the annual rate as a fraction, and its source."""

    date: dt.date
    tenor: str
    rate: float  # 0.0345 for 3.45 %
    source: str = ""


@runtime_checkable
class LprSource(Protocol):
    """What ``data.market.lpr`` provides: the LPR in force on a date, for a tenor (``1Y`` or ``5Y``)."""

    def rate_on(self, as_of: dt.date, tenor: str = "1Y") -> float:
        """The annual rate (a fraction: 0.0345) of the most recent fixing on or before ``as_of``."""
        ...

    def fixing_on(self, as_of: dt.date, tenor: str = "1Y") -> LprFixing:
        """The most recent fixing on or before ``as_of``, with its date; raises :class:`LprUnavailable`."""
        ...


@dataclass(frozen=True)
class _Row:
    date: dt.date
    pct: dict[str, Decimal]
    source: str


class LprHistory:
    """An LPR history held in memory: fixings in date order, looked up by bisection.

    ``valid_through`` is the last date the history can answer for: by default the day before
    the next expected fixing after the last row (the 19th of the following month), since that
    fixing may change the rate. Rows are checked when loaded: dates strictly increasing and on
    the 20th to the 27th of their month (publication day, or its holiday postponement), rates
    positive multiples of 0.05 pp.
    """

    def __init__(self, rows: Iterable[tuple[dt.date, str | Decimal, str | Decimal, str]],
                 valid_through: dt.date | None = None):
        parsed: list[_Row] = []
        for number, (day, one_year, five_year, source) in enumerate(rows, 1):
            if parsed and day <= parsed[-1].date:
                raise ValueError(f"LPR row {number} ({day}): dates must be strictly increasing")
            if not 20 <= day.day <= 27:
                raise ValueError(f"LPR row {number} ({day}): fixings are published on the 20th (or the next working day)")
            pct = {"1Y": _percent(one_year, number), "5Y": _percent(five_year, number)}
            parsed.append(_Row(day, pct, source))
        if not parsed:
            raise ValueError("an LPR history needs at least one fixing")
        self._rows = parsed
        self._dates = [row.date for row in parsed]
        self.valid_through = valid_through or _day_before_next_fixing(parsed[-1].date)
        if self.valid_through < parsed[-1].date:
            raise ValueError(f"valid_through {self.valid_through} is before the last fixing {parsed[-1].date}")

    @classmethod
    def from_csv(cls, text: str, valid_through: dt.date | None = None) -> LprHistory:
        """Read ``date,lpr_1y_pct,lpr_5y_pct,source`` rows; lines starting with ``#`` are comments."""
        lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        reader = csv.DictReader(io.StringIO("\n".join(lines)))
        missing = {"date", "lpr_1y_pct", "lpr_5y_pct"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"LPR file lacks column(s) {', '.join(sorted(missing))}")
        rows = [
            (dt.date.fromisoformat(r["date"]), r["lpr_1y_pct"], r["lpr_5y_pct"], r.get("source") or "")
            for r in reader
        ]
        return cls(rows, valid_through)

    @classmethod
    def bundled(cls) -> LprHistory:
        """The history shipped with this plugin (``jimu_credit/data/market/lpr.csv``)."""
        return cls.from_csv((files(__package__) / "market" / "lpr.csv").read_text(encoding="utf-8"))

    @property
    def first_date(self) -> dt.date:
        return self._dates[0]

    @property
    def last_date(self) -> dt.date:
        return self._dates[-1]

    def fixing_on(self, as_of: dt.date, tenor: str = "1Y") -> LprFixing:
        if tenor not in TENORS:
            raise ValueError(f"LPR tenor {tenor!r}: published tenors are 1Y and 5Y (over five years)")
        if as_of < self.first_date:
            raise LprUnavailable(f"no LPR fixing on or before {as_of}: this history starts {self.first_date}")
        if as_of > self.valid_through:
            raise LprUnavailable(
                f"the LPR history ends with the {self.last_date} fixing and answers only up to "
                f"{self.valid_through}; a later fixing may have changed the rate, so {as_of} is not priced "
                "(update data/market/lpr.csv or provide data.market.lpr from a live feed)"
            )
        row = self._rows[bisect.bisect_right(self._dates, as_of) - 1]
        return LprFixing(date=row.date, tenor=tenor, rate=float(row.pct[tenor] / 100), source=row.source)

    def rate_on(self, as_of: dt.date, tenor: str = "1Y") -> float:
        return self.fixing_on(as_of, tenor).rate


def _percent(value: str | Decimal, number: int) -> Decimal:
    try:
        pct = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"LPR row {number}: {value!r} is not a rate in percent") from None
    if not pct.is_finite() or pct <= 0 or pct % _STEP != 0:
        raise ValueError(f"LPR row {number}: {value}% is not a positive multiple of 0.05 pp")
    return pct


def _day_before_next_fixing(last: dt.date) -> dt.date:
    year, month = (last.year + 1, 1) if last.month == 12 else (last.year, last.month + 1)
    return dt.date(year, month, 19)


LPR_RESOURCE = Resource(
    name=LPR,
    protocol=LprSource,
    owner=OWNER,
    description="Loan prime rate fixings (1Y and 5Y+), the most recent on or before a date",
)

LPR_BUNDLED = ResourceProvider(
    resource=LPR,
    factory=LprHistory.bundled,
    description="LPR changes 2019-08-20 .. 2026-01-20 from market/lpr.csv (secondary sources per row)",
)

RESOURCES = (LPR_RESOURCE,)
PROVIDERS = (LPR_BUNDLED,)
