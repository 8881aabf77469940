"""Write the synthetic Hangzhou drug-trade licence register shipped with the plugin.

    python tools/synthesise_register.py            # rewrites jimu_zhejiang_data/data/hangzhou_drug_licences.csv
    python tools/synthesise_register.py --check    # exit 1 when the shipped file differs

Seeded, so the output is the same every time (a test checks the shipped file against it). No
real business's data: holders, names and serials are made up; what is faithful is the shape —
USCCs with correct GB 32100 check characters for Hangzhou's districts, licence numbers in the
national layout, five-year validity, the status mix, business scopes as the bureaus word them.
The first rows are the named cases the capability's examples and tests use (``CASES``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
from pathlib import Path

from stdnum.cn import uscc

OUT = Path(__file__).resolve().parents[1] / "jimu_zhejiang_data" / "data" / "hangzhou_drug_licences.csv"
COLUMNS = ("licence_no", "uscc", "holder", "district", "status", "status_since", "issued_on", "expires_on", "scope")
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z

# GB/T 2260 code, name, and the district digit of the licence's area code (the digit is synthetic).
# 临平区 (330113) and 钱塘区 (330114), created in 2021, are left out: HQ's USCC step does not know
# them yet (python-stdnum 2.2's division table predates them: tests/capabilities/customer/test_divisions_2021.py).
DISTRICTS = (("330102", "上城区", "1"), ("330105", "拱墅区", "2"), ("330106", "西湖区", "3"),
             ("330108", "滨江区", "4"), ("330109", "萧山区", "5"), ("330110", "余杭区", "6"),
             ("330111", "富阳区", "7"), ("330112", "临安区", "8"))
SCOPES = (
    "处方药、甲类非处方药、乙类非处方药、中药饮片、中成药、化学药、生物制品",
    "处方药、甲类非处方药、乙类非处方药、中成药、化学药",
    "处方药、甲类非处方药、乙类非处方药、中药饮片、中成药",
    "甲类非处方药、乙类非处方药、中成药、化学药",  # an over-the-counter shop: no prescription drugs
)
TRADE_NAMES = ("同济", "仁和", "康寿", "百草", "济民", "惠民", "益寿", "回春", "天一", "瑞康", "德济", "博爱",
               "安康", "民生", "乐善", "寿仁", "福康", "永安", "保和", "春晖", "杏林", "德仁", "广福", "善德")
CHAINS = ("钱江大药房连锁有限公司", "西子康医药连锁有限公司", "湖滨药房连锁有限公司")
STREETS = ("文三路", "庆春路", "延安路", "湖墅南路", "莫干山路", "江南大道", "市心路", "文一西路", "富春路",
           "钱王大街", "古墩路", "学院路", "丰潭路", "滨盛路", "人民路", "临丁路")
SNAPSHOT = dt.date(2026, 10, 31)  # the day the extract was taken: no status change after it

#: Named cases, first in the file: (name, USCC body without its check character, district index,
#: licence class, serial, status, status_since, issued_on, scope index, holder).
CASES = (
    ("valid", "91330106MA2H7K3P1", 2, "DA", 101, "valid", None, dt.date(2023, 4, 18), 0, "杭州同济大药房有限公司"),
    ("suspended", "91330105MA2GUD8N4", 1, "DA", 102, "suspended", dt.date(2026, 5, 20), dt.date(2022, 9, 1), 1,
     "杭州保和堂药店有限公司"),
    ("revoked", "91330102MA27WQ5R6", 0, "DA", 103, "revoked", dt.date(2026, 3, 2), dt.date(2021, 11, 8), 0,
     "杭州广福大药房有限公司"),
    ("expired", "91330108MA2B3C9X0", 3, "DA", 104, "valid", None, dt.date(2021, 3, 15), 2, "杭州杏林药店有限公司"),
    ("expiring", "91330109MA2CLT6Y8", 4, "CB", 105, "valid", None, dt.date(2021, 7, 16), 0,
     "钱江大药房连锁有限公司市心路店"),
    ("renewed_old", "91330110MA28F4JN2", 5, "DA", 106, "valid", None, dt.date(2019, 11, 1), 0, "杭州春晖大药房有限公司"),
    ("renewed_new", "91330110MA28F4JN2", 5, "DA", 107, "valid", None, dt.date(2024, 11, 1), 0, "杭州春晖大药房有限公司"),
    ("otc_only", "91330111MA2DP8W35", 6, "DB", 108, "valid", None, dt.date(2024, 2, 29), 3, "富阳善德药店"),
)


def with_check(body: str) -> str:
    return body + uscc.calc_check_digit(body)


def five_years(issued: dt.date) -> dt.date:
    """A licence's last day: the day before the fifth anniversary (issued 29 February: 28 February)."""
    try:
        end = issued.replace(year=issued.year + 5)
    except ValueError:  # no 29 February that year: the anniversary falls on 1 March
        end = dt.date(issued.year + 5, 3, 1)
    return end - dt.timedelta(days=1)


def licence_no(klass: str, district: int, serial: int) -> str:
    return f"浙{klass}571{DISTRICTS[district][2]}{serial:05d}"


def row(code: str, district: int, klass: str, serial: int, status: str, since: dt.date | None,
        issued: dt.date, scope: int, holder: str) -> dict[str, str]:
    return {"licence_no": licence_no(klass, district, serial), "uscc": code, "holder": holder,
            "district": DISTRICTS[district][1], "status": status, "status_since": (since or issued).isoformat(),
            "issued_on": issued.isoformat(), "expires_on": five_years(issued).isoformat(), "scope": SCOPES[scope]}


def rows(n: int = 320, seed: int = 20261031) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = [row(with_check(body), d, k, s, st, since, issued, sc, holder)
           for _name, body, d, k, s, st, since, issued, sc, holder in CASES]
    used = {r["uscc"] for r in out}
    serial = 200
    while len(out) < n:
        d = rng.randrange(len(DISTRICTS))
        region = DISTRICTS[d][0]
        code = with_check("91" + region + "MA2" + "".join(rng.choice(ALPHABET) for _ in range(6)))
        if code in used:
            continue
        used.add(code)
        chain = rng.random() < 0.35
        klass = "CB" if chain else rng.choice(("DA", "DA", "DA", "DB"))
        holder = (f"{rng.choice(CHAINS)}{rng.choice(STREETS)}店" if chain
                  else f"杭州{rng.choice(TRADE_NAMES)}{rng.choice(('大药房有限公司', '药店有限公司', '堂药房'))}")
        issued = dt.date(2021, 11, 1) + dt.timedelta(days=rng.randrange((dt.date(2026, 9, 30) - dt.date(2021, 11, 1)).days))
        draw = rng.random()
        status = "revoked" if draw < 0.03 else "suspended" if draw < 0.07 else "valid"
        since = None
        if status != "valid":
            since = issued + dt.timedelta(days=rng.randrange(60, max(61, (SNAPSHOT - issued).days)))
            since = min(since, SNAPSHOT)
        scope = rng.choices(range(len(SCOPES)), weights=(55, 20, 15, 10))[0]
        serial += rng.randrange(1, 9)
        if serial > 99_999:  # five digits per area code: a bigger extract needs more districts
            raise ValueError(f"{n} licences do not fit five-digit serials")
        out.append(row(code, d, klass, serial, status, since, issued, scope, holder))
    return out


def render(records: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args(argv)
    text = render(rows())
    if args.check:
        same = OUT.read_text(encoding="utf-8") == text
        print(f"{OUT}: {'up to date' if same else 'differs from tools/synthesise_register.py output'}")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} licences)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
