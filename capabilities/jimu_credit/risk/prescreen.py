"""Risk pre-screening (风险预筛): anti-fraud, multi-lender borrowing and the guarantee graph.

Three L4 lookups read the data domain's resources (the application event store, the bureau's
inquiry records, the guarantee / related-party graph, the blacklist); one L5 step finds
guarantee circles in an edge list. Every threshold is an HQ param with its technical range;
a count above its threshold refers the application to a credit officer (the anti-fraud
thresholds can be set to decline above a hard limit). Clean applications are approved by these
checks, so a product combines them with its other deciders (the strictest outcome wins).

Windows, everywhere: a time window of *h* hours before the application time ``t`` is
``t - h <= ts < t`` (an event exactly *h* hours before counts, one a second earlier does not);
a window of *N* days before the application date ``d`` is the *N* calendar dates
``d - N < date <= d`` (an inquiry exactly *N* days before does not count).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from itertools import islice

from pydantic import Field, field_validator, model_validator

from jimu import ContractModel, Decision, Example, ReasonCode, capability

from ..data import fixtures as demo
from ..data.stores import APPLICATIONS, BLACKLIST, GRAPH, INQUIRIES, INQUIRY_PURPOSES, InquiryPurpose, normalise_phone

OWNER = "hq.risk-platform"
CYCLES = "risk.step.cycles"
_RIC = r"^[0-9]{17}[0-9X]$"
_PARTY = r"^([0-9]{17}[0-9X]|[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10})$"
_DEVICE = re.compile(r"^[\x21-\x7e]{1,128}$")

# -- anti-fraud: device / phone sharing and velocity -------------------------------------------

DEVICE_SHARED = ReasonCode(
    code="AF_DEVICE_SHARED",
    text="The application device was used by more distinct applicants than allowed within the window",
    text_zh="申请设备在时间窗口内关联的不同申请人数超过上限",
)
PHONE_SHARED = ReasonCode(
    code="AF_PHONE_SHARED",
    text="The mobile number was given by more distinct applicants than allowed within the window",
    text_zh="手机号在时间窗口内关联的不同申请人数超过上限",
)
VELOCITY = ReasonCode(
    code="AF_VELOCITY",
    text="The applicant applied more often in the last 24 hours than allowed",
    text_zh="申请人24小时内申请次数超过上限",
)


class ApplicationContext(ContractModel):
    resident_id: str = Field(pattern=_RIC, description="the applicant's normalised resident ID (after KYC)")
    applied_at: dt.datetime = Field(description="application time; a zone-less time is China Standard Time")
    phone: str | None = Field(None, description="mobile number given on the form; +86 and separators dropped")
    device_id: str | None = Field(None, description="device fingerprint (app / mini-program); none at a counter")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value is not None else None

    @field_validator("device_id")
    @classmethod
    def _device(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if not _DEVICE.fullmatch(value.strip()):
            raise ValueError("a device ID is 1 to 128 printable ASCII characters")
        return value.strip()


class AntifraudParams(ContractModel):
    window_hours: int = Field(168, ge=1, le=2160, description="look-back for device and phone sharing (≤ 90 days)")
    max_ids_per_device: int = Field(
        3, ge=1, le=50, description="distinct resident IDs on one device in the window, the applicant included")
    max_ids_per_phone: int = Field(
        2, ge=1, le=50, description="distinct resident IDs giving one mobile number in the window, the applicant included")
    max_applications_24h: int = Field(
        3, ge=1, le=100, description="applications by the applicant in 24 hours, this one included")
    decline_ids_per_device: int = Field(
        10, ge=2, le=100, description="above this many IDs on one device the application is declined, not referred")
    decline_ids_per_phone: int = Field(
        5, ge=2, le=100, description="above this many IDs on one mobile number the application is declined")

    @model_validator(mode="after")
    def _hard_above_soft(self) -> AntifraudParams:
        if self.decline_ids_per_device < self.max_ids_per_device:
            raise ValueError("decline_ids_per_device must be at least max_ids_per_device")
        if self.decline_ids_per_phone < self.max_ids_per_phone:
            raise ValueError("decline_ids_per_phone must be at least max_ids_per_phone")
        return self


class Antifraud(ContractModel):
    ids_on_device: int | None = Field(None, description="distinct IDs on the device in the window (None: no device)")
    ids_on_phone: int | None = Field(None, description="distinct IDs on the phone in the window (None: no phone)")
    applications_24h: int = Field(description="the applicant's applications in the last 24 hours, this one included")
    device_shared: bool = False
    phone_shared: bool = False
    velocity_exceeded: bool = False
    reasons: list[str] = Field(default_factory=list)
    decision: Decision


@capability(
    id="risk.prescreen.antifraud",
    version="1.0.0",
    level=4,
    name="Anti-fraud: device and phone sharing, application velocity",
    name_zh="反欺诈：设备与手机号共用、申请频次",
    owner=OWNER,
    lifecycle="experimental",
    tags=("prescreen", "anti-fraud"),
    resources=(APPLICATIONS.name,),
    reasons=(DEVICE_SHARED, PHONE_SHARED, VELOCITY),
    # Examples need the event store: see DEMO_EXAMPLES at the end of the module.
)
def antifraud(app: ApplicationContext, params: AntifraudParams, ctx) -> Antifraud:
    """Count the distinct applicants on the application's device and phone, and the applicant's velocity.

    The applicant counts once even when the store has not logged this application yet (only
    events before ``applied_at`` are read). Above a ``max_*`` threshold the application is
    referred; above a ``decline_*`` threshold it is declined. Clean: approved.
    """
    events = ctx.resource(APPLICATIONS.name)
    until = app.applied_at
    since = until - dt.timedelta(hours=params.window_hours)
    on_device = on_phone = None
    if app.device_id is not None:
        on_device = len(events.ids_on_device(app.device_id, since, until) | {app.resident_id})
    if app.phone is not None:
        on_phone = len(events.ids_on_phone(app.phone, since, until) | {app.resident_id})
    recent = events.applications(app.resident_id, until - dt.timedelta(hours=24), until) + 1

    device_shared = on_device is not None and on_device > params.max_ids_per_device
    phone_shared = on_phone is not None and on_phone > params.max_ids_per_phone
    velocity = recent > params.max_applications_24h
    hard = [code for code, over in (
        (DEVICE_SHARED.code, on_device is not None and on_device > params.decline_ids_per_device),
        (PHONE_SHARED.code, on_phone is not None and on_phone > params.decline_ids_per_phone),
    ) if over]
    reasons = [code for code, flagged in (
        (DEVICE_SHARED.code, device_shared), (PHONE_SHARED.code, phone_shared), (VELOCITY.code, velocity),
    ) if flagged]
    if hard:
        decision = Decision.decline(*hard, *[c for c in reasons if c not in hard])
    elif reasons:
        decision = Decision.refer(*reasons)
    else:
        decision = Decision.approve()
    return Antifraud(ids_on_device=on_device, ids_on_phone=on_phone, applications_24h=recent,
                     device_shared=device_shared, phone_shared=phone_shared, velocity_exceeded=velocity,
                     reasons=reasons, decision=decision)


# -- multi-lender borrowing (多头借贷) -----------------------------------------------------------

MULTI_LENDER = ReasonCode(
    code="ML_MULTI_LENDER",
    text="Credit inquiries by more distinct institutions than allowed in the last 7, 30 or 90 days "
    "(multi-lender borrowing)",
    text_zh="近7天、30天或90天内查询征信的机构数超过上限（多头借贷）",
)
WINDOWS = (7, 30, 90)


class BureauSubject(ContractModel):
    resident_id: str = Field(pattern=_RIC, description="the applicant's normalised resident ID (after KYC)")
    as_of: dt.date = Field(description="the application date; later inquiries are not read")


class MultiLenderParams(ContractModel):
    # Defaults are placeholders: the market's window and threshold values are unverified
    # (DOMAIN.md §5 [U]); HQ confirms them before relying on them.
    max_institutions_7d: int = Field(3, ge=1, le=30, description="[U] distinct institutions in 7 days")
    max_institutions_30d: int = Field(6, ge=1, le=60, description="[U] distinct institutions in 30 days")
    max_institutions_90d: int = Field(10, ge=1, le=100, description="[U] distinct institutions in 90 days")
    purposes: list[InquiryPurpose] = Field(
        default_factory=lambda: ["loan_approval", "card_approval"], min_length=1,
        description=f"inquiry purposes that count, of {', '.join(INQUIRY_PURPOSES)}; post-loan reviews and "
        "the person's own queries are not applications for credit",
    )


class MultiLender(ContractModel):
    institutions_7d: int
    institutions_30d: int
    institutions_90d: int
    inquiries_90d: int = Field(description="counted inquiries in 90 days (an institution asking twice counts twice)")
    multi_lender: bool
    windows_exceeded: list[str] = Field(default_factory=list, description="7d, 30d and/or 90d")
    reasons: list[str] = Field(default_factory=list)
    decision: Decision


@capability(
    id="risk.prescreen.multilender",
    version="1.0.0",
    level=4,
    name="Multi-lender borrowing from bureau inquiries",
    name_zh="多头借贷（征信查询机构数）",
    owner=OWNER,
    lifecycle="experimental",
    tags=("prescreen", "bureau", "multi-lender"),
    resources=(INQUIRIES.name,),
    reasons=(MULTI_LENDER,),
    # Examples need the bureau: see DEMO_EXAMPLES at the end of the module.
)
def multilender(subject: BureauSubject, params: MultiLenderParams, ctx) -> MultiLender:
    """Count the distinct institutions that queried the applicant's credit report in 7, 30 and 90 days.

    Only inquiries for the given ``purposes`` count (by default applications for a loan or a
    card). Above any window's threshold: refer with ``ML_MULTI_LENDER``; else approve.
    """
    longest = max(WINDOWS)
    as_of = subject.as_of
    inquiries = [  # the window is applied here too, so a provider returning more cannot inflate a count
        i for i in ctx.resource(INQUIRIES.name).inquiries(subject.resident_id, as_of - dt.timedelta(days=longest - 1), as_of)
        if i.purpose in params.purposes and as_of - dt.timedelta(days=longest) < i.date <= as_of
    ]
    counts = {
        days: len({i.institution for i in inquiries if as_of - dt.timedelta(days=days) < i.date})
        for days in WINDOWS
    }
    limits = {7: params.max_institutions_7d, 30: params.max_institutions_30d, 90: params.max_institutions_90d}
    exceeded = [f"{days}d" for days in WINDOWS if counts[days] > limits[days]]
    reasons = [MULTI_LENDER.code] if exceeded else []
    return MultiLender(
        institutions_7d=counts[7], institutions_30d=counts[30], institutions_90d=counts[90],
        inquiries_90d=len(inquiries),
        multi_lender=bool(exceeded), windows_exceeded=exceeded, reasons=reasons,
        decision=Decision.refer(*reasons) if exceeded else Decision.approve(),
    )


# -- L5: guarantee circles ---------------------------------------------------------------------


class GuaranteeEdges(ContractModel):
    edges: list[tuple[str, str]] = Field(
        max_length=200_000,
        description="guarantor → borrower pairs; duplicates collapse, a party guaranteeing itself is ignored",
    )


class CyclesParams(ContractModel):
    max_component_size: int = Field(
        50, ge=2, le=500,
        description="N_max: cycles are enumerated only in circles of at most this many parties "
        "(a 2,000-party component takes seconds; DOMAIN.md §2.11)",
    )
    max_cycle_length: int = Field(6, ge=2, le=12, description="longest cycle enumerated (networkx length_bound)")
    max_cycles: int = Field(100, ge=1, le=10_000, description="cycles listed at most, over all circles")
    max_components: int = Field(100, ge=1, le=10_000, description="circles listed at most (all are counted)")


class Circle(ContractModel):
    nodes: list[str] = Field(description="the parties, sorted")
    size: int
    enumerated: bool = Field(description="false when the circle was larger than max_component_size")


class CyclesResult(ContractModel):
    components: list[Circle] = Field(description="strongly connected components of 2 or more parties, largest first")
    component_count: int = Field(description="all such components, listed or not")
    cycles: list[list[str]] = Field(
        description="simple cycles up to max_cycle_length, each starting at its smallest party, sorted")
    cycles_truncated: bool = Field(description="enumeration stopped at max_cycles")
    enumeration_skipped: bool = Field(description="some circle was too large to enumerate")
    skipped_components: int = 0
    self_loops: int = Field(0, description="edges from a party to itself, ignored")


def _rotated(cycle: list[str]) -> list[str]:
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


@capability(
    id="risk.step.cycles",
    version="1.0.0",
    level=5,
    name="Guarantee circles: strongly connected components and bounded cycles",
    name_zh="担保圈识别：强连通分量与有界环路",
    owner=OWNER,
    lifecycle="production",
    tags=("graph", "guarantee", "networkx"),
    examples=(
        {"input": {"edges": [["A", "B"], ["B", "C"], ["C", "A"], ["D", "A"]]},
         "output": {"component_count": 1, "components": [{"nodes": ["A", "B", "C"], "size": 3, "enumerated": True}],
                    "cycles": [["A", "B", "C"]], "enumeration_skipped": False}},
        {"input": {"edges": [["A", "B"], ["B", "C"], ["A", "C"]]},
         "output": {"component_count": 0, "components": [], "cycles": []}},
        {"input": {"edges": [["A", "B"], ["B", "A"], ["B", "C"], ["C", "A"]]}, "params": {"max_component_size": 2},
         "output": {"component_count": 1, "cycles": [], "enumeration_skipped": True, "skipped_components": 1}},
    ),
)
def cycles(graph: GuaranteeEdges, params: CyclesParams) -> CyclesResult:
    """Find guarantee circles: SCCs of a guarantor → borrower DiGraph with two or more parties.

    Simple cycles (``nx.simple_cycles(G, length_bound=max_cycle_length)``) are enumerated only
    inside circles of at most ``max_component_size`` parties, since enumeration in a giant
    component can take seconds where finding the components takes milliseconds (DOMAIN.md
    §2.11); a larger circle is still reported, marked as not enumerated. Output is
    deterministic: sorted parties, each cycle rotated to start at its smallest party.
    """
    import networkx as nx  # only when a graph is asked for (keeps `jimu catalog` fast)

    pairs = sorted(set(graph.edges))
    g = nx.DiGraph()
    g.add_edges_from((u, v) for u, v in pairs if u != v)
    loops = sum(1 for u, v in pairs if u == v)
    sccs = sorted((sorted(c) for c in nx.strongly_connected_components(g) if len(c) >= 2),
                  key=lambda nodes: (-len(nodes), nodes))
    found: list[list[str]] = []
    truncated = False
    skipped = 0
    circles = []
    for nodes in sccs:
        small = len(nodes) <= params.max_component_size
        circles.append(Circle(nodes=nodes, size=len(nodes), enumerated=small))
        if not small:
            skipped += 1
            continue
        if truncated:
            continue
        budget = params.max_cycles - len(found)
        sub = g.subgraph(nodes)
        batch = list(islice(nx.simple_cycles(sub, length_bound=params.max_cycle_length), budget + 1))
        if len(batch) > budget:
            batch, truncated = batch[:budget], True
        found.extend(_rotated(list(c)) for c in batch)
    return CyclesResult(
        components=circles[:params.max_components],
        component_count=len(sccs),
        cycles=sorted(found, key=lambda c: (len(c), c)),
        cycles_truncated=truncated,
        enumeration_skipped=skipped > 0,
        skipped_components=skipped,
        self_loops=loops,
    )


# -- the guarantee and related-party graph -----------------------------------------------------

GUARANTEE_CIRCLE = ReasonCode(
    code="GR_GUARANTEE_CIRCLE",
    text="The applicant is in a guarantee circle (mutual or circular guarantees)",
    text_zh="申请人处于担保圈中（互保或循环担保）",
)
RELATED_PARTY_RISK = ReasonCode(
    code="GR_RELATED_PARTY_RISK",
    text="A party directly related to the applicant (guarantee, shared device, phone or address) is blacklisted",
    text_zh="与申请人直接关联（担保、共用设备、手机号或地址）的当事人命中黑名单",
)
NETWORK_TOO_LARGE = ReasonCode(
    code="GR_NETWORK_TOO_LARGE",
    text="The applicant's related-party network is larger than can be examined automatically",
    text_zh="申请人关联网络规模超过自动分析上限，需人工复核",
)


class Party(ContractModel):
    party_id: str = Field(pattern=_PARTY, description="normalised resident ID or USCC of the applicant (after KYC)")
    as_of: dt.date = Field(description="the application date: links that came into being later are ignored")


class GraphParams(ContractModel):
    hops: int = Field(
        2, ge=1, le=4,
        description="neighbourhood radius over every kind of link; a circle of up to 2·hops+1 parties "
        "through the applicant always lies inside it",
    )
    max_nodes: int = Field(200, ge=10, le=5_000, description="neighbourhood size cap; beyond it the case is referred")
    max_component_size: int = Field(50, ge=2, le=500, description="passed to risk.step.cycles")
    max_cycle_length: int = Field(6, ge=2, le=12, description="passed to risk.step.cycles")
    max_cycles: int = Field(20, ge=1, le=1_000, description="passed to risk.step.cycles")


class RelatedParty(ContractModel):
    party_id: str
    via: list[str] = Field(description="kinds of link to the applicant: guarantor, guaranteed, device, phone, address")
    blacklisted: bool = False


class GraphScreen(ContractModel):
    known: bool = Field(description="the graph has any link of the applicant")
    neighbourhood_size: int = Field(description="parties within `hops` links, the applicant included")
    truncated: bool = Field(description="the neighbourhood reached max_nodes and was not explored further")
    related_parties: list[RelatedParty] = Field(default_factory=list, description="parties one link away")
    circle: list[str] = Field(default_factory=list, description="the guarantee circle the applicant is in (sorted)")
    cycles: list[list[str]] = Field(default_factory=list, description="guarantee cycles through the applicant")
    circles_nearby: int = Field(0, description="guarantee circles in the neighbourhood, the applicant's included")
    enumeration_skipped: bool = False
    reasons: list[str] = Field(default_factory=list)
    decision: Decision


_RELATION_ORDER = ("guarantor", "guaranteed", "device", "phone", "address")


@capability(
    id="risk.prescreen.graph",
    version="1.0.0",
    level=4,
    name="Guarantee circles and related parties",
    name_zh="担保圈与关联方识别",
    owner=OWNER,
    lifecycle="experimental",
    tags=("prescreen", "graph", "guarantee", "knowledge graph"),
    resources=(GRAPH.name, BLACKLIST.name),
    uses=(f"{CYCLES}~=1.0",),
    reasons=(GUARANTEE_CIRCLE, RELATED_PARTY_RISK, NETWORK_TOO_LARGE),
    # Examples need the graph and the blacklist: see DEMO_EXAMPLES at the end of the module.
)
def graph(party: Party, params: GraphParams, ctx) -> GraphScreen:
    """Explore the applicant's neighbourhood, find its guarantee circle and its listed related parties.

    Breadth-first over every link (guarantees both ways, shared device, phone, address) up to
    ``hops`` links and ``max_nodes`` parties; the guarantee edges inside go to
    ``risk.step.cycles``. Refers with ``GR_GUARANTEE_CIRCLE`` when the applicant is in a circle
    (a strongly connected component, enumerated or not), with ``GR_RELATED_PARTY_RISK`` when a
    party one link away is on the blacklist on the application date, and with
    ``GR_NETWORK_TOO_LARGE`` when the neighbourhood was cut at ``max_nodes`` (what lies beyond
    is unknown, so it is not called clean). Else approves.
    """
    store = ctx.resource(GRAPH.name)
    me = party.party_id

    def live(edges):
        return [e for e in edges if e.since is None or e.since <= party.as_of]

    depth = {me: 0}
    queue = deque([me])
    guarantees: set[tuple[str, str]] = set()
    truncated = False
    mine = live(store.edges(me))
    while queue:
        node = queue.popleft()
        edges = mine if node == me else live(store.edges(node))
        for edge in edges:
            other = edge.other(node)
            if edge.kind == "guarantee":
                guarantees.add((edge.source, edge.target))
            if other in depth or depth[node] >= params.hops:
                continue
            if len(depth) >= params.max_nodes:
                truncated = True
                continue
            depth[other] = depth[node] + 1
            queue.append(other)
    inside = sorted((u, v) for u, v in guarantees if u in depth and v in depth)

    relations: dict[str, set[str]] = {}
    for edge in mine:
        kind = edge.kind if edge.kind != "guarantee" else ("guaranteed" if edge.source == me else "guarantor")
        relations.setdefault(edge.other(me), set()).add(kind)
    blacklist = ctx.resource(BLACKLIST.name)
    related = [
        RelatedParty(
            party_id=other,
            via=[k for k in _RELATION_ORDER if k in kinds],
            blacklisted=any(e.in_force(party.as_of) for e in blacklist.hits(other)),
        )
        for other, kinds in sorted(relations.items())
    ]

    found = ctx.use(CYCLES)({"edges": inside}, {
        "max_component_size": params.max_component_size,
        "max_cycle_length": params.max_cycle_length,
        "max_cycles": params.max_cycles,
        "max_components": 10_000,
    })
    circle = next((c for c in found.components if me in c.nodes), None)
    reasons = []
    if circle is not None:
        reasons.append(GUARANTEE_CIRCLE.code)
    if any(r.blacklisted for r in related):
        reasons.append(RELATED_PARTY_RISK.code)
    if truncated:
        reasons.append(NETWORK_TOO_LARGE.code)
    return GraphScreen(
        known=bool(mine),
        neighbourhood_size=len(depth),
        truncated=truncated,
        related_parties=related,
        circle=circle.nodes if circle else [],
        cycles=[c for c in found.cycles if me in c],
        circles_nearby=found.component_count,
        enumeration_skipped=bool(circle and not circle.enumerated),
        reasons=reasons,
        decision=Decision.refer(*reasons) if reasons else Decision.approve(),
    )


# -- examples on the bundled demo data -----------------------------------------------------------


def _application(id_no: str, **changes) -> dict:
    person = demo.applicant(id_no)
    return {"resident_id": id_no, "applied_at": demo.DEMO_AS_OF.isoformat(), "phone": person.phone,
            "device_id": person.device_id, **changes}


#: Worked examples of the lookups on the bundled demo data (``jimu_credit.data.fixtures``), in the
#: format of ``@capability(examples=...)``. The test kit's example runner binds no resources, so
#: they are not declared on the capabilities; tests/capabilities/risk/test_prescreen.py runs them
#: with the installed providers.
DEMO_EXAMPLES: dict[str, tuple[Example, ...]] = {
    antifraud.id: (
        Example(input=_application(demo.CLEAN_ID),
                output={"ids_on_device": 1, "ids_on_phone": 1, "applications_24h": 1,
                        "decision": {"outcome": "approve"}}),
        Example(input=_application(demo.SHARED_DEVICE_IDS[0]),
                output={"ids_on_device": 5, "device_shared": True,
                        "decision": {"outcome": "refer", "reasons": ["AF_DEVICE_SHARED"]}},
                note="five applicants on one device within the week"),
        Example(input=_application(demo.SHARED_DEVICE_IDS[0]), params={"decline_ids_per_device": 4},
                output={"decision": {"outcome": "decline", "reasons": ["AF_DEVICE_SHARED"]}},
                note="above the hard threshold: declined"),
        Example(input=_application(demo.BURST_PHONE_IDS[0]),
                output={"ids_on_phone": 3, "decision": {"outcome": "refer", "reasons": ["AF_PHONE_SHARED"]}}),
        Example(input=_application(demo.VELOCITY_ID),
                output={"applications_24h": 5, "decision": {"outcome": "refer", "reasons": ["AF_VELOCITY"]}}),
    ),
    multilender.id: (
        Example(input={"resident_id": demo.MULTI_LENDER_ID, "as_of": "2026-02-10"},
                output={"institutions_7d": 2, "institutions_30d": 7, "institutions_90d": 9,
                        "windows_exceeded": ["30d"],
                        "decision": {"outcome": "refer", "reasons": ["ML_MULTI_LENDER"]}}),
        Example(input={"resident_id": demo.CLEAN_ID, "as_of": "2026-02-10"},
                output={"institutions_30d": 0, "multi_lender": False, "decision": {"outcome": "approve"}}),
    ),
    graph.id: (
        Example(input={"party_id": demo.CIRCLE_3_USCCS[0], "as_of": "2026-02-10"},
                output={"circle": sorted(demo.CIRCLE_3_USCCS),
                        "decision": {"outcome": "refer", "reasons": ["GR_GUARANTEE_CIRCLE"]}},
                note="three SMEs guaranteeing each other in a ring"),
        Example(input={"party_id": demo.RELATED_TO_BLACKLISTED_ID, "as_of": "2026-02-10"},
                output={"related_parties": [{"party_id": demo.BLACKLISTED_ID, "via": ["address"], "blacklisted": True}],
                        "decision": {"outcome": "refer", "reasons": ["GR_RELATED_PARTY_RISK"]}}),
        Example(input={"party_id": demo.LEGAL_REP_ID, "as_of": "2026-02-10"},
                output={"circle": [], "circles_nearby": 1, "decision": {"outcome": "approve"}},
                note="guarantees a circle member but is in no circle"),
    ),
}

# the examples read the bundled demo stores, so they are attached once those constants exist
antifraud, multilender, graph = (cap.with_examples(DEMO_EXAMPLES[cap.id]) for cap in (antifraud, multilender, graph))

CAPABILITIES = (antifraud, multilender, cycles, graph)
