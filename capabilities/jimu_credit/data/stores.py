"""Data-domain resources: HQ's lists, the application event store, the bureau's inquiry records
and the guarantee / related-party graph.

Each resource is declared with the ``runtime_checkable`` protocol its providers satisfy, and
provided here by a file-backed store over the small synthetic demo files in ``demo/`` (written
by :mod:`jimu_credit.data.fixtures`; no real person's data). A bank replaces a provider by
registering its own for the same name (a list service, the bureau gateway, a graph database):
the capabilities only see the protocol.

| resource | protocol | demo file |
|---|---|---|
| ``data.lists.blacklist`` | :class:`Blacklist` | ``demo/blacklist.csv`` |
| ``data.lists.whitelist`` | :class:`Whitelist` | ``demo/whitelist.csv`` |
| ``data.events.applications`` | :class:`ApplicationEvents` | ``demo/applications.csv`` |
| ``data.bureau.inquiries`` | :class:`BureauInquiries` | ``demo/inquiries.csv`` |
| ``data.graph.guarantees`` | :class:`GuaranteeGraph` | ``demo/graph_edges.csv`` |

Conventions every provider keeps:
- keys are *normalised*: resident IDs and USCCs upper-case without spaces or hyphens, mobile
  numbers as 11 digits without ``+86`` (:func:`normalise_key`, :func:`normalise_phone`);
- times are China Standard Time (UTC+8) without a zone; an aware time is converted first
  (:func:`local_time`); a time window is half-open, ``since <= ts < until``; a date window is
  closed, ``since <= date <= until``;
- what a store returns is immutable, so one store can serve every run and thread.

The stores load the whole file into memory indexes on first use (a few hundred KB; a lookup is
a dict access plus a bisection). A malformed file fails loudly with its line number: the
runtime then reports the resource as unavailable and refers the application
(``SYS_RESOURCE_UNAVAILABLE``), never approves it.
"""

from __future__ import annotations

import bisect
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

from jimu import Resource, ResourceProvider

OWNER = "hq.data-platform"

#: China Standard Time: the zone every event time is kept in (no daylight saving).
CST = dt.timezone(dt.timedelta(hours=8), "CST")

KeyType = Literal["resident_id", "uscc", "phone"]
EdgeKind = Literal["guarantee", "device", "phone", "address"]
InquiryPurpose = Literal["loan_approval", "card_approval", "guarantee_review", "post_loan", "self_query"]

KEY_TYPES: tuple[str, ...] = ("resident_id", "uscc", "phone")
EDGE_KINDS: tuple[str, ...] = ("guarantee", "device", "phone", "address")
INQUIRY_PURPOSES: tuple[str, ...] = ("loan_approval", "card_approval", "guarantee_review", "post_loan", "self_query")

# -- keys and times ----------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-]")
_PHONE = re.compile(r"^1[3-9][0-9]{9}$")
_RIC = re.compile(r"^[0-9]{17}[0-9X]$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalise_key(value: str) -> str:
    """A resident ID or USCC as stores keep it: no spaces or hyphens, upper case (``x`` → ``X``)."""
    return _SEPARATORS.sub("", value).upper()


def normalise_phone(value: str) -> str:
    """A mainland mobile number as 11 digits: separators and a ``+86`` / ``0086`` / ``86`` prefix dropped.

    Raises ``ValueError`` for anything that is not then ``1[3-9]`` followed by nine digits.
    """
    number = _SEPARATORS.sub("", value)
    for prefix in ("+86", "0086", "86"):
        if len(number) == 11 + len(prefix) and number.startswith(prefix):
            number = number[len(prefix):]
            break
    if not _PHONE.fullmatch(number):  # another country's "+1 415 …" keeps its "+" and fails here
        raise ValueError("not a mainland mobile number (11 digits starting 13-19, optionally +86)")
    return number


def key_type_of(key: str) -> KeyType:
    """Which kind of normalised key ``key`` is; ``ValueError`` when it is none of them."""
    if _PHONE.fullmatch(key):
        return "phone"
    if _RIC.fullmatch(key):
        return "resident_id"
    if _USCC.fullmatch(key):
        return "uscc"
    raise ValueError("not a normalised resident ID, USCC or mobile number")  # the key itself is never echoed


def local_time(ts: dt.datetime) -> dt.datetime:
    """``ts`` in China Standard Time without a zone (naive times are taken as already CST)."""
    return ts.astimezone(CST).replace(tzinfo=None) if ts.tzinfo is not None else ts


# -- what the stores return --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlacklistEntry:
    """One listing of a key: on which list, why, and from when to when it is in force."""

    key: str
    key_type: KeyType
    list_name: str
    reason: str
    listed_on: dt.date
    expires_on: dt.date | None = None

    def in_force(self, on: dt.date) -> bool:
        """Listed on or before ``on`` and not yet expired (an entry listed later did not exist then)."""
        return self.listed_on <= on and (self.expires_on is None or on <= self.expires_on)


@dataclass(frozen=True, slots=True)
class WhitelistEntry:
    """A cold-start pre-approval (预授信): a limit offered to a known customer until a date."""

    key: str
    key_type: KeyType
    programme: str
    limit: float
    valid_from: dt.date
    expires_on: dt.date

    def in_force(self, on: dt.date) -> bool:
        return self.valid_from <= on <= self.expires_on


@dataclass(frozen=True, slots=True)
class ApplicationEvent:
    """One credit application seen by the bank: who applied, from which device and phone, when."""

    ts: dt.datetime
    id_no: str
    phone: str | None = None
    device_id: str | None = None
    channel: str = ""


@dataclass(frozen=True, slots=True)
class Inquiry:
    """One credit-report inquiry (征信查询记录) about a person: by whom, on what date, for what."""

    id_no: str
    institution: str
    date: dt.date
    purpose: InquiryPurpose = "loan_approval"


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """An edge between two parties (resident IDs or USCCs).

    ``guarantee`` edges are directed, ``source`` guarantees a loan of ``target``; ``device``,
    ``phone`` and ``address`` edges are undirected links between two parties sharing ``value``.
    ``since`` is when the edge came into being (``None``: always known).
    """

    source: str
    target: str
    kind: EdgeKind
    value: str = ""
    since: dt.date | None = None

    def other(self, party: str) -> str:
        return self.target if self.source == party else self.source


# -- the protocols -----------------------------------------------------------------------------


@runtime_checkable
class Blacklist(Protocol):
    def hits(self, key: str) -> Sequence[BlacklistEntry]:
        """Every listing of a normalised resident ID, USCC or phone, in force or not (empty: never listed)."""
        ...


@runtime_checkable
class Whitelist(Protocol):
    def entry(self, key: str) -> WhitelistEntry | None:
        """The pre-approval of a normalised resident ID or USCC, in force or not; None when there is none."""
        ...


@runtime_checkable
class ApplicationEvents(Protocol):
    def ids_on_device(self, device_id: str, since: dt.datetime, until: dt.datetime) -> frozenset[str]:
        """Distinct resident IDs that applied from ``device_id`` with ``since <= ts < until``."""
        ...

    def ids_on_phone(self, phone: str, since: dt.datetime, until: dt.datetime) -> frozenset[str]:
        """Distinct resident IDs that applied giving ``phone`` with ``since <= ts < until``."""
        ...

    def applications(self, id_no: str, since: dt.datetime, until: dt.datetime) -> int:
        """How many applications ``id_no`` made with ``since <= ts < until``."""
        ...


@runtime_checkable
class BureauInquiries(Protocol):
    def inquiries(self, id_no: str, since: dt.date, until: dt.date) -> Sequence[Inquiry]:
        """Inquiries about ``id_no`` dated ``since <= date <= until``, every purpose."""
        ...


@runtime_checkable
class GuaranteeGraph(Protocol):
    def edges(self, party: str) -> Sequence[GraphEdge]:
        """Every edge touching ``party`` (either end, every kind); empty for a party the graph does not know."""
        ...


# -- file-backed stores ------------------------------------------------------------------------

BLACKLIST_COLUMNS = ("key", "key_type", "list_name", "reason", "listed_on", "expires_on")
WHITELIST_COLUMNS = ("key", "key_type", "programme", "limit", "valid_from", "expires_on")
APPLICATION_COLUMNS = ("ts", "id_no", "phone", "device_id", "channel")
INQUIRY_COLUMNS = ("id_no", "institution", "date", "purpose")
EDGE_COLUMNS = ("source", "target", "kind", "value", "since")


class StoreFileError(ValueError):
    """A demo (or bank-supplied) file that does not have the layout a store reads."""


def _rows(source: Any, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each data row of a UTF-8 CSV with exactly ``columns`` as its header."""
    text = source.read_text(encoding="utf-8") if hasattr(source, "read_text") else Path(source).read_text("utf-8")
    name = getattr(source, "name", str(source))
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != columns:
        raise StoreFileError(f"{name}: header {reader.fieldnames} is not {list(columns)}")
    for row in reader:
        if None in row or None in row.values():
            raise StoreFileError(f"{name}:{reader.line_num}: expected {len(columns)} fields")
        yield reader.line_num, row


def _parse(source: Any, columns: tuple[str, ...], make) -> list:
    name = getattr(source, "name", str(source))
    out = []
    for line, row in _rows(source, columns):
        try:
            out.append(make(row))
        except (ValueError, KeyError) as exc:
            raise StoreFileError(f"{name}:{line}: {exc}") from None
    return out


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _key(text: str, key_type: str) -> str:
    if key_type not in KEY_TYPES:
        raise ValueError(f"key_type {key_type!r} is not one of {', '.join(KEY_TYPES)}")
    try:
        key = normalise_phone(text) if key_type == "phone" else normalise_key(text)
        if key_type_of(key) == key_type:
            return key
    except ValueError:
        pass
    raise ValueError(f"key is not a well-formed {key_type}")


class CsvBlacklist:
    """:class:`Blacklist` over listings held in memory (from ``blacklist.csv`` or given directly)."""

    def __init__(self, entries: Iterable[BlacklistEntry]):
        index: dict[str, list[BlacklistEntry]] = defaultdict(list)
        for entry in entries:
            index[entry.key].append(entry)
        self._index = {k: tuple(sorted(v, key=lambda e: e.listed_on)) for k, v in index.items()}

    @classmethod
    def from_csv(cls, source: Any) -> CsvBlacklist:
        return cls(_parse(source, BLACKLIST_COLUMNS, lambda r: BlacklistEntry(
            key=_key(r["key"], r["key_type"]), key_type=r["key_type"], list_name=r["list_name"],
            reason=r["reason"], listed_on=dt.date.fromisoformat(r["listed_on"]), expires_on=_date(r["expires_on"]))))

    def hits(self, key: str) -> Sequence[BlacklistEntry]:
        return self._index.get(normalise_key(key), ())

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())


class CsvWhitelist:
    """:class:`Whitelist` over pre-approvals held in memory; one entry per key (a second is an error)."""

    def __init__(self, entries: Iterable[WhitelistEntry]):
        self._index: dict[str, WhitelistEntry] = {}
        for entry in entries:
            if entry.key in self._index:
                raise ValueError("a key is pre-approved twice; a whitelist holds one limit per customer")
            if not (entry.limit > 0 and entry.valid_from <= entry.expires_on):
                raise ValueError("a pre-approval needs a positive limit and valid_from <= expires_on")
            self._index[entry.key] = entry

    @classmethod
    def from_csv(cls, source: Any) -> CsvWhitelist:
        entries = _parse(source, WHITELIST_COLUMNS, lambda r: WhitelistEntry(
            key=_key(r["key"], r["key_type"]), key_type=r["key_type"], programme=r["programme"],
            limit=float(r["limit"]), valid_from=dt.date.fromisoformat(r["valid_from"]),
            expires_on=dt.date.fromisoformat(r["expires_on"])))
        try:
            return cls(entries)
        except ValueError as exc:
            raise StoreFileError(f"{getattr(source, 'name', source)}: {exc}") from None

    def entry(self, key: str) -> WhitelistEntry | None:
        return self._index.get(normalise_key(key))

    def __len__(self) -> int:
        return len(self._index)


class _TimeIndex:
    """(ts, id) pairs per key, sorted by time, for half-open window queries by bisection."""

    def __init__(self, pairs: dict[str, list[tuple[dt.datetime, str]]]):
        self._times = {k: [t for t, _ in sorted(v)] for k, v in pairs.items()}
        self._ids = {k: [i for _, i in sorted(v)] for k, v in pairs.items()}

    def window(self, key: str, since: dt.datetime, until: dt.datetime) -> list[str]:
        times = self._times.get(key)
        if not times:
            return []
        lo = bisect.bisect_left(times, local_time(since))
        hi = bisect.bisect_left(times, local_time(until))
        return self._ids[key][lo:hi]


class CsvApplicationEvents:
    """:class:`ApplicationEvents` over an application log held in memory (``applications.csv``)."""

    def __init__(self, events: Iterable[ApplicationEvent]):
        by_device: dict[str, list] = defaultdict(list)
        by_phone: dict[str, list] = defaultdict(list)
        by_id: dict[str, list] = defaultdict(list)
        count = 0
        for event in events:
            ts, id_no = local_time(event.ts), normalise_key(event.id_no)
            by_id[id_no].append((ts, id_no))
            if event.device_id:
                by_device[event.device_id].append((ts, id_no))
            if event.phone:
                by_phone[normalise_phone(event.phone)].append((ts, id_no))
            count += 1
        self._device, self._phone, self._id = _TimeIndex(by_device), _TimeIndex(by_phone), _TimeIndex(by_id)
        self._count = count

    @classmethod
    def from_csv(cls, source: Any) -> CsvApplicationEvents:
        return cls(_parse(source, APPLICATION_COLUMNS, lambda r: ApplicationEvent(
            ts=local_time(dt.datetime.fromisoformat(r["ts"])), id_no=_key(r["id_no"], "resident_id"),
            phone=normalise_phone(r["phone"]) if r["phone"] else None, device_id=r["device_id"] or None,
            channel=r["channel"])))

    def ids_on_device(self, device_id: str, since: dt.datetime, until: dt.datetime) -> frozenset[str]:
        return frozenset(self._device.window(device_id, since, until))

    def ids_on_phone(self, phone: str, since: dt.datetime, until: dt.datetime) -> frozenset[str]:
        return frozenset(self._phone.window(normalise_phone(phone), since, until))

    def applications(self, id_no: str, since: dt.datetime, until: dt.datetime) -> int:
        return len(self._id.window(normalise_key(id_no), since, until))

    def __len__(self) -> int:
        return self._count


class CsvBureauInquiries:
    """:class:`BureauInquiries` over inquiry records held in memory (``inquiries.csv``)."""

    def __init__(self, inquiries: Iterable[Inquiry]):
        index: dict[str, list[Inquiry]] = defaultdict(list)
        for inquiry in inquiries:
            if inquiry.purpose not in INQUIRY_PURPOSES:
                raise ValueError(f"purpose {inquiry.purpose!r} is not one of {', '.join(INQUIRY_PURPOSES)}")
            index[inquiry.id_no].append(inquiry)
        self._index = {k: sorted(v, key=lambda i: (i.date, i.institution)) for k, v in index.items()}
        self._dates = {k: [i.date for i in v] for k, v in self._index.items()}

    @classmethod
    def from_csv(cls, source: Any) -> CsvBureauInquiries:
        def make(r: dict[str, str]) -> Inquiry:
            if r["purpose"] not in INQUIRY_PURPOSES:
                raise ValueError(f"purpose {r['purpose']!r} is not one of {', '.join(INQUIRY_PURPOSES)}")
            if not r["institution"]:
                raise ValueError("institution is empty")
            return Inquiry(id_no=_key(r["id_no"], "resident_id"), institution=r["institution"],
                           date=dt.date.fromisoformat(r["date"]), purpose=r["purpose"])
        return cls(_parse(source, INQUIRY_COLUMNS, make))

    def inquiries(self, id_no: str, since: dt.date, until: dt.date) -> Sequence[Inquiry]:
        key = normalise_key(id_no)
        dates = self._dates.get(key)
        if not dates:
            return ()
        return tuple(self._index[key][bisect.bisect_left(dates, since):bisect.bisect_right(dates, until)])

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())


class CsvGuaranteeGraph:
    """:class:`GuaranteeGraph` over an edge list held in memory (``graph_edges.csv``)."""

    def __init__(self, edges: Iterable[GraphEdge]):
        index: dict[str, list[GraphEdge]] = defaultdict(list)
        count = 0
        for edge in edges:
            if edge.kind not in EDGE_KINDS:
                raise ValueError(f"edge kind {edge.kind!r} is not one of {', '.join(EDGE_KINDS)}")
            if edge.source == edge.target:
                raise ValueError("an edge joins two different parties")
            index[edge.source].append(edge)
            index[edge.target].append(edge)
            count += 1
        self._index = {k: tuple(v) for k, v in index.items()}
        self._count = count

    @classmethod
    def from_csv(cls, source: Any) -> CsvGuaranteeGraph:
        def party(text: str) -> str:
            key = normalise_key(text)
            if key_type_of(key) == "phone":
                raise ValueError("a graph party is a resident ID or a USCC")
            return key

        def make(r: dict[str, str]) -> GraphEdge:
            if r["kind"] not in EDGE_KINDS:
                raise ValueError(f"kind {r['kind']!r} is not one of {', '.join(EDGE_KINDS)}")
            return GraphEdge(source=party(r["source"]), target=party(r["target"]), kind=r["kind"],
                             value=r["value"], since=_date(r["since"]))
        edges = _parse(source, EDGE_COLUMNS, make)
        try:
            return cls(edges)
        except ValueError as exc:
            raise StoreFileError(f"{getattr(source, 'name', source)}: {exc}") from None

    def edges(self, party: str) -> Sequence[GraphEdge]:
        return self._index.get(normalise_key(party), ())

    def parties(self) -> frozenset[str]:
        return frozenset(self._index)

    def __len__(self) -> int:
        return self._count


# -- the bundled demo files --------------------------------------------------------------------

DEMO_FILES = {
    "blacklist": "blacklist.csv",
    "whitelist": "whitelist.csv",
    "applications": "applications.csv",
    "inquiries": "inquiries.csv",
    "graph": "graph_edges.csv",
}


def demo_file(name: str):
    """The bundled demo file ``name`` (a key of :data:`DEMO_FILES`) as an importlib Traversable."""
    return files(__package__).joinpath("demo", DEMO_FILES[name])


# One store per process: they are immutable, and loading is the only cost.
@lru_cache(maxsize=1)
def demo_blacklist() -> CsvBlacklist:
    return CsvBlacklist.from_csv(demo_file("blacklist"))


@lru_cache(maxsize=1)
def demo_whitelist() -> CsvWhitelist:
    return CsvWhitelist.from_csv(demo_file("whitelist"))


@lru_cache(maxsize=1)
def demo_applications() -> CsvApplicationEvents:
    return CsvApplicationEvents.from_csv(demo_file("applications"))


@lru_cache(maxsize=1)
def demo_inquiries() -> CsvBureauInquiries:
    return CsvBureauInquiries.from_csv(demo_file("inquiries"))


@lru_cache(maxsize=1)
def demo_graph() -> CsvGuaranteeGraph:
    return CsvGuaranteeGraph.from_csv(demo_file("graph"))


# -- declarations and providers ----------------------------------------------------------------

BLACKLIST = Resource(
    name="data.lists.blacklist",
    protocol=Blacklist,
    owner=OWNER,
    description="HQ blacklists (黑名单): normalised resident IDs, USCCs and mobile numbers → list name, "
    "reason and the dates the listing is in force.",
)
WHITELIST = Resource(
    name="data.lists.whitelist",
    protocol=Whitelist,
    owner=OWNER,
    description="Cold-start whitelist (白名单预授信): pre-approved customers by resident ID or USCC → "
    "programme, pre-approved limit, valid-from and expiry dates.",
)
APPLICATIONS = Resource(
    name="data.events.applications",
    protocol=ApplicationEvents,
    owner=OWNER,
    description="Application event store (申请事件): device ID, mobile number and resident ID of every "
    "application with its time; distinct IDs per device or phone and applications per ID in a window.",
)
INQUIRIES = Resource(
    name="data.bureau.inquiries",
    protocol=BureauInquiries,
    owner=OWNER,
    description="Credit-bureau inquiry records (征信查询记录) per resident ID: institution, date, purpose.",
)
GRAPH = Resource(
    name="data.graph.guarantees",
    protocol=GuaranteeGraph,
    owner=OWNER,
    description="Guarantee and related-party graph (担保及关联关系图谱): guarantor → borrower edges, and "
    "links between parties sharing a device, mobile number or address.",
)

RESOURCES = (BLACKLIST, WHITELIST, APPLICATIONS, INQUIRIES, GRAPH)

_SYNTHETIC = "synthetic demo data written by jimu_credit.data.fixtures"
PROVIDERS = (
    ResourceProvider(resource=BLACKLIST.name, factory=demo_blacklist,
                     description=f"data/demo/blacklist.csv: {_SYNTHETIC}"),
    ResourceProvider(resource=WHITELIST.name, factory=demo_whitelist,
                     description=f"data/demo/whitelist.csv: {_SYNTHETIC}"),
    ResourceProvider(resource=APPLICATIONS.name, factory=demo_applications,
                     description=f"data/demo/applications.csv: {_SYNTHETIC}"),
    ResourceProvider(resource=INQUIRIES.name, factory=demo_inquiries,
                     description=f"data/demo/inquiries.csv: {_SYNTHETIC}"),
    ResourceProvider(resource=GRAPH.name, factory=demo_graph,
                     description=f"data/demo/graph_edges.csv: {_SYNTHETIC}"),
)
