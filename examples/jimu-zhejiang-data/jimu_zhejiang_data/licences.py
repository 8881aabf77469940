"""Hangzhou's drug-trade licence register (药品经营许可证) as a Jimu resource.

The register is kept by Hangzhou's market-supervision bureaus (市场监督管理局): one row per
licence — its number, the holder's unified social credit code (USCC), the holder's name and
district, its status (``valid``, ``suspended`` 暂停, ``revoked`` 吊销) and the day that status
began, the issue and expiry dates (a licence runs five years) and the business scope (经营范围).
The data team receives it as a CSV extract; this package ships a synthetic one
(``data/hangzhou_drug_licences.csv``, written by ``tools/synthesise_register.py``; no real
business's data).

Licence numbers follow the national layout (SAMR Order No. 84, 2024, and the provinces'
numbering notices): the province's short name, two class letters (first: A wholesale, B retail
chain head office, C chain store, D single pharmacy; second: A legal person, B not a legal
person), a four-digit area code (Hangzhou's ``571`` and a district digit) and a five-digit
serial: ``浙DA571300042``.

The store loads the file once into a dict keyed by USCC (a lookup is a dict access; the
provider is cached per process), and refuses a corrupted file with its line and what is wrong,
so the runtime reports the resource as unavailable and refers the application — it never treats
a half-read register as "licence not found".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from stdnum.cn import uscc as stdnum_uscc

from jimu import Resource, ResourceProvider

OWNER = "zhejiang.data-team"

LicenceStatus = Literal["valid", "suspended", "revoked"]
STATUSES: tuple[str, ...] = ("valid", "suspended", "revoked")
COLUMNS = ("licence_no", "uscc", "holder", "district", "status", "status_since", "issued_on", "expires_on", "scope")
#: Scope items are separated by a full-width enumeration comma in the bureaus' extracts.
SCOPE_SEPARATOR = "、"
PRESCRIPTION = "处方药"

LICENCE_NO = re.compile(r"^浙[A-D][AB]571[0-9][0-9]{5}$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_SEPARATORS = re.compile(r"[\s\-]")


def normalise_uscc(value: str) -> str:
    """A USCC as the register keys it: no spaces or hyphens, upper case."""
    return _SEPARATORS.sub("", value).upper()


@dataclass(frozen=True, slots=True)
class DrugLicence:
    """One drug-trade licence as the register records it today."""

    licence_no: str
    uscc: str
    holder: str
    district: str
    status: LicenceStatus
    status_since: dt.date
    issued_on: dt.date
    expires_on: dt.date
    scope: tuple[str, ...]

    def status_on(self, day: dt.date) -> LicenceStatus:
        """The status on ``day``: a suspension or revocation counts from ``status_since`` on.

        The register keeps only the current status, so a licence revoked in May was valid in
        April: an application dated in April is judged as the register stood then.
        """
        return self.status if self.status != "valid" and self.status_since <= day else "valid"

    @property
    def prescription(self) -> bool:
        """Licensed to sell prescription drugs (处方药), not only over-the-counter ones."""
        return PRESCRIPTION in self.scope


@runtime_checkable
class LicenceRegister(Protocol):
    def licences(self, uscc: str) -> Sequence[DrugLicence]:
        """Every licence ever issued to the holder of ``uscc`` (normalised or as written), oldest first;
        empty when the register does not know the holder."""
        ...


class LicenceRegisterError(ValueError):
    """The register file does not have the layout or the values the store reads."""


def _date(text: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not a date (YYYY-MM-DD)") from None


def _licence(row: dict[str, str]) -> DrugLicence:
    if not LICENCE_NO.fullmatch(row["licence_no"]):
        raise ValueError(f"licence_no {row['licence_no']!r} is not a Hangzhou drug-trade licence number (浙DA5713xxxxx)")
    key = normalise_uscc(row["uscc"])
    if not _USCC.fullmatch(key) or stdnum_uscc.calc_check_digit(key[:17]) != key[17]:
        raise ValueError("uscc is not a well-formed USCC with a correct check character")  # the code is not echoed
    if row["status"] not in STATUSES:
        raise ValueError(f"status {row['status']!r} is not one of {', '.join(STATUSES)}")
    issued, expires = _date(row["issued_on"], "issued_on"), _date(row["expires_on"], "expires_on")
    since = _date(row["status_since"], "status_since")
    if expires <= issued:
        raise ValueError("expires_on is not after issued_on")
    if since < issued:
        raise ValueError("status_since is before issued_on")
    scope = tuple(s for s in row["scope"].split(SCOPE_SEPARATOR) if s)
    if not (row["holder"] and row["district"] and scope):
        raise ValueError("holder, district and scope must not be empty")
    return DrugLicence(licence_no=row["licence_no"], uscc=key, holder=row["holder"], district=row["district"],
                       status=row["status"], status_since=since, issued_on=issued, expires_on=expires, scope=scope)


class CsvLicenceRegister:
    """:class:`LicenceRegister` over licences held in memory, indexed by USCC once."""

    def __init__(self, licences: Iterable[DrugLicence]):
        index: dict[str, list[DrugLicence]] = defaultdict(list)
        numbers: set[str] = set()
        for licence in licences:
            if licence.licence_no in numbers:
                raise ValueError(f"licence {licence.licence_no} is listed twice")
            numbers.add(licence.licence_no)
            index[licence.uscc].append(licence)
        self._index = {k: tuple(sorted(v, key=lambda lic: lic.issued_on)) for k, v in index.items()}
        self._count = len(numbers)

    @classmethod
    def from_csv(cls, source: Any) -> CsvLicenceRegister:
        """Read a register extract (UTF-8 CSV with :data:`COLUMNS` as its header).

        Raises :class:`LicenceRegisterError` naming the file and line of the first bad row.
        """
        name = str(source) if isinstance(source, (str, Path)) else getattr(source, "name", str(source))
        try:
            text = source.read_text(encoding="utf-8") if hasattr(source, "read_text") else Path(source).read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise LicenceRegisterError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        reader = csv.DictReader(io.StringIO(text))
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise LicenceRegisterError(f"{name}: header {reader.fieldnames} is not {list(COLUMNS)}")
        licences = []
        for row in reader:
            if None in row or None in row.values():
                raise LicenceRegisterError(f"{name}:{reader.line_num}: expected {len(COLUMNS)} fields")
            try:
                licences.append(_licence(row))
            except ValueError as exc:
                raise LicenceRegisterError(f"{name}:{reader.line_num}: {exc}") from None
        try:
            return cls(licences)
        except ValueError as exc:
            raise LicenceRegisterError(f"{name}: {exc}") from None

    def licences(self, uscc: str) -> Sequence[DrugLicence]:
        return self._index.get(normalise_uscc(uscc), ())

    def __len__(self) -> int:
        return self._count


REGISTER_FILE = "hangzhou_drug_licences.csv"


def register_file():
    """The bundled (synthetic) register extract, as an importlib Traversable."""
    return files(__package__).joinpath("data", REGISTER_FILE)


@lru_cache(maxsize=1)
def hangzhou_register() -> CsvLicenceRegister:
    """The bundled register, read and indexed once per process (the store is immutable)."""
    return CsvLicenceRegister.from_csv(register_file())


DRUG_LICENCES = Resource(
    name="data.zhejiang.drug_licences",
    protocol=LicenceRegister,
    owner=OWNER,
    description="Hangzhou market-supervision drug-trade licence register (杭州市药品经营许可证登记信息): "
    "licences by holder USCC with status, issue and expiry dates and business scope.",
)

RESOURCES = (DRUG_LICENCES,)
PROVIDERS = (
    ResourceProvider(resource=DRUG_LICENCES.name, factory=hangzhou_register,
                     description=f"data/{REGISTER_FILE}: synthetic extract written by tools/synthesise_register.py"),
)
