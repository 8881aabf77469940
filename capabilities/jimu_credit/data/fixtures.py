"""Synthetic demo data behind the data-domain resources, written deterministically.

``python -m jimu_credit.data.fixtures`` rewrites ``capabilities/jimu_credit/data/demo/*.csv``;
``--check`` exits 1 when the bundled files differ from what this module would write (the test
suite runs it); ``--out DIR`` writes elsewhere. Same code, same seed, same bytes.

Everything here is synthetic. Resident IDs are built from real GB/T 2260 county codes with a
plausible birth date and a valid GB 11643-1999 check character (``stdnum.cn.ric``), USCCs from
real region codes with a valid GB 32100-2015 check character (``stdnum.cn.uscc``), so that KYC
passes them; none belongs to anybody. Mobile numbers and device IDs are derived from a hash of
the resident ID (:func:`phone_of`, :func:`device_of`); institution codes are invented
(``BNK-`` banks, ``CFC-`` consumer-finance companies, ``MLN-`` micro-lenders).

Time: every event lies before :data:`DEMO_AS_OF` (2026-02-10 12:00, China Standard Time; inside the bundled LPR history, so demo products can price), the
application time the demo products use; inquiries and list dates are relative to
:data:`DEMO_DATE`. With the capabilities' default params the planted patterns fire as listed:

| constant | planted | fires |
|---|---|---|
| ``BLACKLISTED_ID`` / ``_USCC`` / ``_PHONE`` | on a blacklist, in force | ``LIST_BLACKLISTED`` |
| ``EXPIRED_BLACKLIST_ID`` | listing expired 2025-05-09 | nothing |
| ``WHITELISTED_ID`` / ``_USCC`` | pre-approved 50,000 to 2026-12-31 / 500,000 to 2027-02-28 | approve with the limit |
| ``WHITELIST_EXPIRED_ID`` | pre-approval expired 2026-01-31 | nothing |
| ``WHITELISTED_BLACKLISTED_ID`` | on both lists | ``LIST_BLACKLISTED`` (the blacklist wins) |
| ``SHARED_DEVICE`` | used by the 5 ``SHARED_DEVICE_IDS`` in the last 70 h, and by ``SHARED_DEVICE_STALE_ID`` 169 h before (just outside the default 168 h window) | ``AF_DEVICE_SHARED`` |
| ``BURST_PHONE`` | 6 applications by the 3 ``BURST_PHONE_IDS`` between 07:05 and 11:20 on the day | ``AF_PHONE_SHARED`` |
| ``VELOCITY_ID`` | 4 applications in the 24 h before, one more 25 h before | ``AF_VELOCITY`` (5 with this one) |
| ``MULTI_LENDER_ID`` | loan inquiries by 7 institutions in 30 days, an 8th exactly 30 days before (outside), a 9th 61 days before, plus post-loan and self queries (not counted) | ``ML_MULTI_LENDER`` (7/30/90 d: 2, 7, 9) |
| ``CIRCLE_3_USCCS`` | three SMEs guaranteeing each other in a ring A→B→C→A | ``GR_GUARANTEE_CIRCLE`` |
| ``CIRCLE_2_IDS`` | two persons guaranteeing each other (互保) | ``GR_GUARANTEE_CIRCLE`` |
| ``LEGAL_REP_ID`` | guarantees ``CIRCLE_3_USCCS[0]`` but is in no circle | nothing |
| ``RELATED_TO_BLACKLISTED_ID`` | shares an address with ``BLACKLISTED_ID`` | ``GR_RELATED_PARTY_RISK`` |
| ``CLEAN_ID``, ``CLEAN_ID_2`` | ordinary history | nothing |

Around them live 240 background persons and 30 SMEs (seeded: :data:`SEED`) with ordinary
histories, a few on the blacklist or whitelist, guarantees that form no circle and shared
addresses that reach no listed party. Device and phone links in ``graph_edges.csv`` are derived
from ``applications.csv`` (every device or phone two IDs applied with), so the two agree.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import random
import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from stdnum.cn import ric, uscc

from .stores import (APPLICATION_COLUMNS, BLACKLIST_COLUMNS, DEMO_FILES, EDGE_COLUMNS, INQUIRY_COLUMNS,
                     WHITELIST_COLUMNS)

SEED = 20260630
DEMO_AS_OF = dt.datetime(2026, 2, 10, 12, 0)
DEMO_DATE = DEMO_AS_OF.date()

# -- planted parties (literals, so that a product demo or a sample file can name them) ---------

CLEAN_ID = "11010519900315021X"
CLEAN_ID_2 = "310104198707220462"

BLACKLISTED_ID = "440305198501081539"
BLACKLISTED_USCC = "91440300MA5F0B1C7E"
BLACKLISTED_PHONE = "17055509876"
EXPIRED_BLACKLIST_ID = "330106197909110829"

WHITELISTED_ID = "320102199204062371"
WHITELISTED_ID_LIMIT = 50_000.0
WHITELISTED_ID_EXPIRES = dt.date(2026, 12, 31)
WHITELISTED_USCC = "91330106MA2H3K4L5N"
WHITELISTED_USCC_LIMIT = 500_000.0
WHITELISTED_USCC_EXPIRES = dt.date(2027, 2, 28)
WHITELIST_EXPIRED_ID = "510107198801300641"
WHITELISTED_BLACKLISTED_ID = "420106198305171192"

SHARED_DEVICE = "dev-5f3a9c2e7b1d4086"
SHARED_DEVICE_IDS = (
    "610113199502190310",
    "610113199611030420",
    "370102199806241253",
    "500103199308112169",
    "350203199703050487",
)
SHARED_DEVICE_STALE_ID = "210102199109271735"

BURST_PHONE = "18655501234"
BURST_PHONE_IDS = ("410105199404120952", "410105199901011263", "430104200007180372")

VELOCITY_ID = "120101198902230581"
MULTI_LENDER_ID = "440106198606142743"

CIRCLE_3_USCCS = ("91320102MA1N7P2Q3X", "91320102MA1R8T4U6T", "91320102MA1W9X5Y8Y")
CIRCLE_2_IDS = ("33010619750830311X", "330106197704123220")
LEGAL_REP_ID = "110108197201050199"
RELATED_TO_BLACKLISTED_ID = "440305198703211469"

#: Every planted person and organisation, for "is it well formed" checks.
PLANTED_IDS = (
    CLEAN_ID, CLEAN_ID_2, BLACKLISTED_ID, EXPIRED_BLACKLIST_ID, WHITELISTED_ID, WHITELIST_EXPIRED_ID,
    WHITELISTED_BLACKLISTED_ID, *SHARED_DEVICE_IDS, SHARED_DEVICE_STALE_ID, *BURST_PHONE_IDS, VELOCITY_ID,
    MULTI_LENDER_ID, *CIRCLE_2_IDS, LEGAL_REP_ID, RELATED_TO_BLACKLISTED_ID,
)
PLANTED_USCCS = (BLACKLISTED_USCC, WHITELISTED_USCC, *CIRCLE_3_USCCS)

# Real county-level GB/T 2260 codes (all in use today), for the background population.
REGIONS = (
    "110105", "110108", "310104", "310115", "440305", "440106", "330106", "320102", "510107", "420106",
    "610113", "370102", "500103", "350203", "210102", "410105", "120101", "650102", "530102", "230103",
)
INSTITUTIONS = (
    *(f"BNK-{i:02d}" for i in range(1, 16)),
    *(f"CFC-{i:02d}" for i in range(1, 9)),
    *(f"MLN-{i:02d}" for i in range(1, 8)),
)
CHANNELS = ("app", "mini_program", "partner", "branch")  # a branch application has no device ID
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_PHONE_PREFIXES = ("135", "136", "138", "139", "150", "152", "158", "159", "186", "187", "188", "189")

N_PERSONS = 240
N_SMES = 30


class Applicant(NamedTuple):
    """What an application form carries for a demo person: ID, mobile number, device."""

    resident_id: str
    phone: str
    device_id: str


def resident_id(region: str, birth: dt.date, seq: int) -> str:
    """An 18-character resident ID with a valid check character (GB 11643-1999)."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(region: str, org: str) -> str:
    """A company USCC (authority 9, type 1) with a valid check character (GB 32100-2015)."""
    body = f"91{region}{org}"
    return body + uscc.calc_check_digit(body)


def _digest(kind: str, key: str) -> bytes:
    return hashlib.sha256(f"{kind}:{key}".encode()).digest()


def phone_of(id_no: str) -> str:
    """The person's own mobile number (derived from a hash of the ID; unused by anyone real)."""
    d = _digest("phone", id_no)
    return _PHONE_PREFIXES[d[0] % len(_PHONE_PREFIXES)] + f"{int.from_bytes(d[1:9], 'big') % 10**8:08d}"


def device_of(id_no: str) -> str:
    """The person's own device ID (an opaque 16-hex-digit fingerprint)."""
    return "dev-" + _digest("device", id_no).hex()[:16]


def address_of(*ids: str) -> str:
    """An opaque address key shared by ``ids`` (addresses are compared as hashes, never as text)."""
    return "addr-" + _digest("address", "|".join(sorted(ids))).hex()[:12]


def applicant(id_no: str) -> Applicant:
    """The contact details a demo application for ``id_no`` gives (the planted shared ones included)."""
    phone = BURST_PHONE if id_no in BURST_PHONE_IDS else phone_of(id_no)
    device = SHARED_DEVICE if id_no in SHARED_DEVICE_IDS else device_of(id_no)
    return Applicant(id_no, phone, device)


# -- the population ----------------------------------------------------------------------------


class Population(NamedTuple):
    persons: tuple[str, ...]  # background persons; the first few are blacklisted, then whitelisted
    smes: tuple[str, ...]
    blacklisted: tuple[str, ...]
    whitelisted: tuple[str, ...]


N_BLACKLISTED = 12
N_WHITELISTED = 25


@lru_cache(maxsize=1)
def population() -> Population:
    """The seeded background population (planted parties excluded)."""
    rng = random.Random(SEED)
    taken = set(PLANTED_IDS) | set(PLANTED_USCCS)
    persons: list[str] = []
    while len(persons) < N_PERSONS:
        birth = DEMO_DATE.replace(year=1966) + dt.timedelta(days=rng.randrange(0, 38 * 365))
        number = resident_id(rng.choice(REGIONS), birth, rng.randrange(1, 1000))
        if number not in taken:
            taken.add(number)
            persons.append(number)
    smes: list[str] = []
    while len(smes) < N_SMES:
        code = credit_code(rng.choice(REGIONS), "MA" + "".join(rng.choice(_USCC_ALPHABET) for _ in range(7)))
        if code not in taken:
            taken.add(code)
            smes.append(code)
    return Population(
        persons=tuple(persons),
        smes=tuple(smes),
        blacklisted=tuple(persons[:N_BLACKLISTED]),
        whitelisted=tuple(persons[N_BLACKLISTED:N_BLACKLISTED + N_WHITELISTED]),
    )


def _ts(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def _blacklist(rng: random.Random, pop: Population) -> list[tuple]:
    rows = [
        (BLACKLISTED_ID, "resident_id", "court_enforcement", "失信被执行人 (court judgment defaulter)", "2024-03-15", ""),
        (BLACKLISTED_USCC, "uscc", "internal_fraud", "行内欺诈名单：伪造财务报表 (forged financial statements)",
         "2025-11-02", ""),
        (BLACKLISTED_PHONE, "phone", "telecom_fraud", "涉诈电话号码 (number used in telecom fraud)", "2026-01-20",
         "2027-01-19"),
        (EXPIRED_BLACKLIST_ID, "resident_id", "internal_fraud", "行内欺诈名单：冒名申请 (impersonation)", "2022-05-10",
         "2025-05-09"),
        (WHITELISTED_BLACKLISTED_ID, "resident_id", "court_enforcement", "失信被执行人 (court judgment defaulter)",
         "2025-12-01", ""),
    ]
    reasons = {
        "court_enforcement": "失信被执行人 (court judgment defaulter)",
        "internal_fraud": "行内欺诈名单 (confirmed application fraud)",
        "overdue_write_off": "行内核销客户 (written-off borrower)",
    }
    for number in pop.blacklisted:
        name = rng.choice(sorted(reasons))
        listed = DEMO_DATE - dt.timedelta(days=rng.randrange(30, 1500))
        rows.append((number, "resident_id", name, reasons[name], listed.isoformat(), ""))
    for code in pop.smes[:2]:
        listed = DEMO_DATE - dt.timedelta(days=rng.randrange(30, 900))
        rows.append((code, "uscc", "abnormal_operation", "经营异常名录 (listed for abnormal operation)",
                     listed.isoformat(), ""))
    for _ in range(3):
        phone = "170" + f"{rng.randrange(10**8):08d}"
        listed = DEMO_DATE - dt.timedelta(days=rng.randrange(10, 300))
        rows.append((phone, "phone", "telecom_fraud", "涉诈电话号码 (number used in telecom fraud)", listed.isoformat(),
                     (listed + dt.timedelta(days=365)).isoformat()))
    return sorted(rows, key=lambda r: (r[1], r[0], r[4]))


def _whitelist(rng: random.Random, pop: Population) -> list[tuple]:
    rows = [
        (WHITELISTED_ID, "resident_id", "payroll", f"{WHITELISTED_ID_LIMIT:.2f}", "2026-01-01",
         WHITELISTED_ID_EXPIRES.isoformat()),
        (WHITELISTED_USCC, "uscc", "tax_record", f"{WHITELISTED_USCC_LIMIT:.2f}", "2025-12-01",
         WHITELISTED_USCC_EXPIRES.isoformat()),
        (WHITELIST_EXPIRED_ID, "resident_id", "payroll", "30000.00", "2025-02-01", "2026-01-31"),
        (WHITELISTED_BLACKLISTED_ID, "resident_id", "payroll", "80000.00", "2026-01-01", "2026-12-31"),
    ]
    for number in pop.whitelisted:
        programme = rng.choice(("payroll", "mortgage_customer", "deposit_customer"))
        valid_from = dt.date(2025, 7, 1) + dt.timedelta(days=rng.randrange(0, 180))
        expires = valid_from + dt.timedelta(days=rng.choice((180, 270, 365)))
        rows.append((number, "resident_id", programme, f"{rng.randrange(10, 101) * 1000:.2f}",
                     valid_from.isoformat(), expires.isoformat()))
    for code in pop.smes[2:5]:
        rows.append((code, "uscc", "tax_record", f"{rng.randrange(10, 51) * 10_000:.2f}", "2026-01-01", "2026-12-31"))
    return sorted(rows)


def _applications(rng: random.Random, pop: Population) -> list[tuple]:
    rows: list[tuple] = []

    def apply(id_no: str, at: dt.datetime, phone: str | None = None, device: str | None = None,
              channel: str = "app") -> None:
        device = "" if channel == "branch" else (device or device_of(id_no))
        rows.append((_ts(at), id_no, phone or phone_of(id_no), device, channel))

    hours = dt.timedelta(hours=1)
    # the planted patterns
    for id_no, back in zip(SHARED_DEVICE_IDS, (70, 52, 30, 9, 2), strict=True):
        apply(id_no, DEMO_AS_OF - back * hours, device=SHARED_DEVICE)
    apply(SHARED_DEVICE_STALE_ID, DEMO_AS_OF - 169 * hours, device=SHARED_DEVICE)
    burst = ((7, 5), (7, 40), (8, 20), (9, 10), (10, 15), (11, 20))
    for n, (h, m) in enumerate(burst):
        id_no = BURST_PHONE_IDS[n % 3]
        apply(id_no, DEMO_AS_OF.replace(hour=h, minute=m), phone=BURST_PHONE, channel="mini_program")
    for back in (25, 20, 12, 5, 1):
        apply(VELOCITY_ID, DEMO_AS_OF - back * hours)
    # ordinary histories of the other planted persons
    quiet = (CLEAN_ID, CLEAN_ID_2, BLACKLISTED_ID, EXPIRED_BLACKLIST_ID, WHITELISTED_ID, WHITELIST_EXPIRED_ID,
             WHITELISTED_BLACKLISTED_ID, MULTI_LENDER_ID, *CIRCLE_2_IDS, LEGAL_REP_ID, RELATED_TO_BLACKLISTED_ID)
    for n, id_no in enumerate(quiet):
        apply(id_no, DEMO_AS_OF - dt.timedelta(days=10 + 5 * n, hours=rng.randrange(0, 12)))
    # the background: one or two applications at least three days apart
    for id_no in pop.persons:
        first = DEMO_AS_OF - dt.timedelta(days=rng.randrange(4, 90), minutes=rng.randrange(0, 24 * 60))
        apply(id_no, first, channel=rng.choice(CHANNELS))
        if rng.random() < 0.4:
            apply(id_no, first + dt.timedelta(days=rng.randrange(3, (DEMO_AS_OF - first).days)),
                  channel=rng.choice(CHANNELS))
    return sorted(rows, key=lambda r: (r[0], r[1]))


def _inquiries(rng: random.Random, pop: Population) -> list[tuple]:
    rows: list[tuple] = []

    def ask(id_no: str, institution: str, days_back: int, purpose: str = "loan_approval") -> None:
        rows.append((id_no, institution, (DEMO_DATE - dt.timedelta(days=days_back)).isoformat(), purpose))

    # 7 institutions in 30 days (2 in the last 7), an 8th exactly 30 days back, a 9th 61 days back
    for institution, back in zip(("BNK-03", "CFC-02", "MLN-01", "CFC-05", "BNK-11", "MLN-04", "CFC-07"),
                                 (2, 5, 9, 13, 18, 22, 27), strict=True):
        ask(MULTI_LENDER_ID, institution, back)
    ask(MULTI_LENDER_ID, "BNK-08", 30)
    ask(MULTI_LENDER_ID, "MLN-06", 61, "card_approval")
    ask(MULTI_LENDER_ID, "BNK-01", 3, "post_loan")
    ask(MULTI_LENDER_ID, "BNK-02", 1, "self_query")
    ask(CLEAN_ID, "BNK-05", 45, "card_approval")
    ask(CLEAN_ID_2, "BNK-09", 120)
    ask(WHITELISTED_ID, "BNK-01", 200, "post_loan")
    ask(VELOCITY_ID, "CFC-01", 1)
    for id_no in pop.persons:
        for institution in rng.sample(INSTITUTIONS, rng.randrange(0, 4)):
            purpose = rng.choice(("loan_approval", "loan_approval", "card_approval", "post_loan"))
            ask(id_no, institution, rng.randrange(0, 180), purpose)
    return sorted(rows)


def _edges(rng: random.Random, pop: Population, applications: list[tuple]) -> list[tuple]:
    rows: list[tuple] = []
    a, b, c = CIRCLE_3_USCCS
    for source, target, since in ((a, b, "2025-03-01"), (b, c, "2025-04-15"), (c, a, "2025-09-30")):
        rows.append((source, target, "guarantee", "", since))
    x, y = CIRCLE_2_IDS
    rows.append((x, y, "guarantee", "", "2025-06-01"))
    rows.append((y, x, "guarantee", "", "2025-06-01"))
    rows.append((LEGAL_REP_ID, a, "guarantee", "", "2025-03-01"))
    rows.append((BLACKLISTED_ID, RELATED_TO_BLACKLISTED_ID, "address",
                 address_of(BLACKLISTED_ID, RELATED_TO_BLACKLISTED_ID), "2023-08-01"))
    # device and phone links: every pair of IDs that applied with the same one, from its first shared use
    users: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for ts, id_no, phone, device, _channel in applications:
        for kind, value in (("device", device), ("phone", phone)):
            if value:
                users[(kind, value)].setdefault(id_no, ts[:10])
    for (kind, value), firsts in users.items():
        ids = sorted(firsts)
        for i, left in enumerate(ids):
            for right in ids[i + 1:]:
                rows.append((left, right, kind, value, max(firsts[left], firsts[right])))
    # background guarantees: always from an earlier to a later party in one order, so no circle
    ordered = [*pop.persons[N_BLACKLISTED:], *pop.smes[2:]]
    for _ in range(60):
        i, j = sorted(rng.sample(range(len(ordered)), 2))
        since = DEMO_DATE - dt.timedelta(days=rng.randrange(30, 900))
        rows.append((ordered[i], ordered[j], "guarantee", "", since.isoformat()))
    # background families sharing an address (never a listed person)
    family = list(pop.persons[N_BLACKLISTED:])
    for _ in range(15):
        left, right = sorted(rng.sample(family, 2))
        since = DEMO_DATE - dt.timedelta(days=rng.randrange(100, 3000))
        rows.append((left, right, "address", address_of(left, right), since.isoformat()))
    unique = {(r[0], r[1], r[2]): r for r in rows}  # a pair drawn twice is one edge
    return sorted(unique.values(), key=lambda r: (r[2], r[0], r[1]))


@lru_cache(maxsize=1)
def build() -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Every demo table: demo file key → (columns, rows), deterministically from :data:`SEED`."""
    pop = population()
    rng = random.Random(SEED + 1)
    applications = _applications(rng, pop)
    return {
        "blacklist": (BLACKLIST_COLUMNS, _blacklist(rng, pop)),
        "whitelist": (WHITELIST_COLUMNS, _whitelist(rng, pop)),
        "applications": (APPLICATION_COLUMNS, applications),
        "inquiries": (INQUIRY_COLUMNS, _inquiries(rng, pop)),
        "graph": (EDGE_COLUMNS, _edges(rng, pop, applications)),
    }


def render() -> dict[str, str]:
    """Demo file name → its CSV text (UTF-8, ``\\n`` line ends), exactly as written to disk."""
    out = {}
    for key, (columns, rows) in build().items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        out[DEMO_FILES[key]] = buffer.getvalue()
    return out


DEMO_DIR = Path(__file__).resolve().parent / "demo"


def write(out_dir: Path = DEMO_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render().items():
        path = out_dir / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def stale(out_dir: Path = DEMO_DIR) -> list[str]:
    """Names of the files in ``out_dir`` that differ from (or are missing from) what :func:`render` gives."""
    return [name for name, text in render().items()
            if not (out_dir / name).exists() or (out_dir / name).read_bytes() != text.encode("utf-8")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jimu_credit.data.fixtures", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEMO_DIR, help="folder to write (default: the bundled demo/)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a file is stale")
    args = parser.parse_args(argv)
    if args.check:
        names = stale(args.out)
        for name in names:
            print(f"stale: {args.out / name}", file=sys.stderr)
        return 1 if names else 0
    for path in write(args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
