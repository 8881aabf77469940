"""Data-domain resources (jimu_credit.data.stores) and the demo fixtures behind them (data.fixtures).

The fixtures are checked from the outside: every planted identity passes HQ's own KYC
capabilities, the planted patterns are where the docstring says, the files are what the seeded
generator writes, and the stores' windows are half-open exactly as documented.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from jimu import MissingResource, Resources
from jimu_credit.data import fixtures as demo
from jimu_credit.data import stores
from jimu_credit.data.stores import (ApplicationEvent, BlacklistEntry, CsvApplicationEvents, CsvBlacklist,
                                     CsvBureauInquiries, CsvGuaranteeGraph, CsvWhitelist, GraphEdge, Inquiry,
                                     StoreFileError, WhitelistEntry)

AS_OF = demo.DEMO_AS_OF
DATE = demo.DEMO_DATE
H = dt.timedelta(hours=1)
NAMES = {
    "data.lists.blacklist": stores.Blacklist,
    "data.lists.whitelist": stores.Whitelist,
    "data.events.applications": stores.ApplicationEvents,
    "data.bureau.inquiries": stores.BureauInquiries,
    "data.graph.guarantees": stores.GuaranteeGraph,
}

# -- declarations and providers ----------------------------------------------------------------


def test_every_resource_is_declared_and_provided_by_the_installed_plugin(jimu_catalog):
    for name, protocol in NAMES.items():
        resource = jimu_catalog.resources[name]
        assert resource.protocol is protocol and resource.owner == "hq.data-platform"
        assert getattr(protocol, "_is_runtime_protocol", False), f"{name}: protocol must be runtime_checkable"
        assert name in jimu_catalog.providers
        assert resource.accepts(jimu_catalog.providers[name].factory())
    mine = [p for p in jimu_catalog.problems if any(name in str(p) for name in NAMES)]
    assert mine == []  # no "declared but not provided" warnings, no errors


def test_resource_names_are_domain_first():
    assert [r.name for r in stores.RESOURCES] == list(NAMES)
    assert all(r.name.startswith("data.") for r in stores.RESOURCES)
    assert {p.resource for p in stores.PROVIDERS} == set(NAMES)


def test_a_fake_satisfies_a_protocol_structurally_and_a_wrong_object_does_not(jimu_catalog):
    class Fake:
        def hits(self, key):
            return ()

    blacklist = jimu_catalog.resources["data.lists.blacklist"]
    assert blacklist.accepts(Fake())
    assert not blacklist.accepts(object())
    assert not jimu_catalog.resources["data.graph.guarantees"].accepts(Fake())


def test_bound_resources_build_the_demo_stores_once_and_fakes_take_precedence(jimu_catalog):
    bound = jimu_catalog.bind_resources()
    assert bound["data.lists.blacklist"] is bound["data.lists.blacklist"] is stores.demo_blacklist()
    fake = CsvBlacklist([])
    assert jimu_catalog.bind_resources({"data.lists.blacklist": fake})["data.lists.blacklist"] is fake


def test_a_provider_whose_file_is_broken_is_a_missing_resource(tmp_path):
    broken = tmp_path / "blacklist.csv"
    broken.write_text("key,key_type\n1,phone\n", encoding="utf-8")
    provider = stores.ResourceProvider(resource="data.lists.blacklist", factory=lambda: CsvBlacklist.from_csv(broken))
    with pytest.raises(MissingResource, match="could not be opened: StoreFileError"):
        Resources({"data.lists.blacklist": provider})["data.lists.blacklist"]
    with pytest.raises(MissingResource, match="no provider"):
        Resources({})["data.graph.guarantees"]


# -- the demo files ----------------------------------------------------------------------------


def test_the_bundled_files_are_what_the_seeded_generator_writes():
    assert demo.stale() == []
    assert demo.main(["--check"]) == 0


def test_generation_is_deterministic_and_check_notices_a_changed_file(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert demo.main(["--out", str(first)]) == 0
    demo.write(second)
    for key, name in stores.DEMO_FILES.items():
        assert (first / name).read_bytes() == (second / name).read_bytes() == stores.demo_file(key).read_bytes()
    (first / "blacklist.csv").write_text("key\n", encoding="utf-8")
    assert demo.main(["--check", "--out", str(first)]) == 1


def test_the_demo_files_are_small():
    sizes = {name: len(stores.demo_file(name).read_bytes()) for name in stores.DEMO_FILES}
    assert sum(sizes.values()) < 300_000, sizes


def test_the_stores_read_every_row():
    assert len(stores.demo_blacklist()) == len(demo.build()["blacklist"][1])
    assert len(stores.demo_whitelist()) == len(demo.build()["whitelist"][1])
    assert len(stores.demo_applications()) == len(demo.build()["applications"][1])
    assert len(stores.demo_inquiries()) == len(demo.build()["inquiries"][1])
    assert len(stores.demo_graph()) == len(demo.build()["graph"][1])


def test_every_event_lies_before_the_demo_time():
    for ts, *_ in demo.build()["applications"][1]:
        assert dt.datetime.fromisoformat(ts) < AS_OF
    for _id, _inst, date, _purpose in demo.build()["inquiries"][1]:
        assert dt.date.fromisoformat(date) <= DATE


# -- identities: HQ's own KYC accepts every one -------------------------------------------------


def every_person():
    return sorted({*demo.PLANTED_IDS, *demo.population().persons})


def every_organisation():
    return sorted({*demo.PLANTED_USCCS, *demo.population().smes})


def test_every_demo_person_passes_person_kyc_with_a_real_region_and_an_adult_age(jimu_catalog, run_capability):
    kyc = jimu_catalog.get("customer.kyc.person")
    people = every_person()
    assert len(people) == len(demo.PLANTED_IDS) + demo.N_PERSONS  # no planted ID reused in the background
    for number in people:
        out = run_capability(kyc, {"resident_id": number, "as_of": DATE})
        assert out.valid and out.resident_id == number, (number, out.reasons)
        assert out.province and out.county, number
        assert 18 <= out.age <= 65, (number, out.age)


def test_every_demo_organisation_passes_organisation_kyc(jimu_catalog, run_capability):
    kyc = jimu_catalog.get("customer.kyc.org")
    organisations = every_organisation()
    assert len(organisations) == len(demo.PLANTED_USCCS) + demo.N_SMES
    for code in organisations:
        out = run_capability(kyc, {"uscc": code})
        assert out.valid and out.uscc == code and out.county, (code, out.reasons)


def test_helpers_build_valid_numbers():
    assert demo.resident_id("110105", dt.date(1949, 12, 31), 2) == "11010519491231002X"  # DOMAIN.md §2.1
    assert demo.credit_code("110108", "551385082") == "91110108551385082Q"  # DOMAIN.md §2.2


def test_phones_and_devices_are_per_person_except_the_planted_shared_ones():
    people = every_person()
    phones = [demo.applicant(p).phone for p in people]
    devices = [demo.applicant(p).device_id for p in people]
    for phone in phones:
        assert stores.normalise_phone(phone) == phone
    shared_phones = {p for p in phones if phones.count(p) > 1}
    shared_devices = {d for d in devices if devices.count(d) > 1}
    assert shared_phones == {demo.BURST_PHONE} and shared_devices == {demo.SHARED_DEVICE}
    assert demo.BLACKLISTED_PHONE not in phones


# -- the planted patterns ----------------------------------------------------------------------


def test_the_shared_device_has_five_ids_in_the_default_window_and_a_sixth_just_outside():
    events = stores.demo_applications()
    assert events.ids_on_device(demo.SHARED_DEVICE, AS_OF - 168 * H, AS_OF) == set(demo.SHARED_DEVICE_IDS)
    wider = events.ids_on_device(demo.SHARED_DEVICE, AS_OF - 170 * H, AS_OF)
    assert wider == {*demo.SHARED_DEVICE_IDS, demo.SHARED_DEVICE_STALE_ID}


def test_the_burst_phone_has_three_ids_and_six_applications_this_morning():
    events = stores.demo_applications()
    morning = AS_OF.replace(hour=7)
    assert events.ids_on_phone(demo.BURST_PHONE, morning, AS_OF) == set(demo.BURST_PHONE_IDS)
    assert sum(events.applications(i, morning, AS_OF) for i in demo.BURST_PHONE_IDS) == 6


def test_the_velocity_id_applied_four_times_in_24_hours_and_once_more_just_before():
    events = stores.demo_applications()
    assert events.applications(demo.VELOCITY_ID, AS_OF - 24 * H, AS_OF) == 4
    assert events.applications(demo.VELOCITY_ID, AS_OF - 26 * H, AS_OF) == 5


def test_the_multi_lender_id_has_seven_institutions_in_30_days():
    inquiries = stores.demo_inquiries().inquiries(demo.MULTI_LENDER_ID, DATE - dt.timedelta(days=29), DATE)
    counted = {i.institution for i in inquiries if i.purpose in ("loan_approval", "card_approval")}
    assert len(counted) == 7
    assert len({i.institution for i in inquiries}) == 9  # a post-loan review and a self query besides


def test_background_histories_trigger_no_pattern():
    events, bureau = stores.demo_applications(), stores.demo_inquiries()
    for person in demo.population().persons:
        mine = demo.applicant(person)
        assert events.ids_on_device(mine.device_id, AS_OF - 2160 * H, AS_OF) <= {person}
        assert events.ids_on_phone(mine.phone, AS_OF - 2160 * H, AS_OF) <= {person}
        assert events.applications(person, AS_OF - 72 * H, AS_OF) <= 1
        assert len({i.institution for i in bureau.inquiries(person, DATE - dt.timedelta(days=180), DATE)}) <= 3


def test_the_guarantee_circles_are_in_the_graph_and_the_background_has_none():
    import networkx as nx

    g = nx.DiGraph()
    for edge in {e for p in stores.demo_graph().parties() for e in stores.demo_graph().edges(p)}:
        if edge.kind == "guarantee":
            g.add_edge(edge.source, edge.target)
    circles = sorted(sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)
    assert circles == sorted([sorted(demo.CIRCLE_3_USCCS), sorted(demo.CIRCLE_2_IDS)])


def test_device_and_phone_links_agree_with_the_application_log():
    users = defaultdict(set)
    for _ts, id_no, phone, device, _channel in demo.build()["applications"][1]:
        users[("phone", phone)].add(id_no)
        if device:
            users[("device", device)].add(id_no)
    expected = {(kind, value, frozenset({a, b}))
                for (kind, value), ids in users.items() for a in ids for b in ids if a < b}
    graph = stores.demo_graph()
    links = {(e.kind, e.value, frozenset({e.source, e.target}))
             for p in graph.parties() for e in graph.edges(p) if e.kind in ("device", "phone")}
    assert links == expected and len(links) == 15 + 3  # 6 users of the shared device pairwise; the phone's 3


def test_the_related_party_of_the_blacklisted_id_shares_an_address_and_no_one_else_touches_a_listed_party():
    graph, blacklist = stores.demo_graph(), stores.demo_blacklist()
    listed = {p for p in graph.parties() if blacklist.hits(p)}
    assert listed == {demo.BLACKLISTED_ID}
    [edge] = graph.edges(demo.BLACKLISTED_ID)
    assert (edge.kind, edge.other(demo.BLACKLISTED_ID)) == ("address", demo.RELATED_TO_BLACKLISTED_ID)


def test_the_planted_list_entries():
    blacklist, whitelist = stores.demo_blacklist(), stores.demo_whitelist()
    assert [e.in_force(DATE) for e in blacklist.hits(demo.BLACKLISTED_ID)] == [True]
    assert [e.in_force(DATE) for e in blacklist.hits(demo.BLACKLISTED_USCC)] == [True]
    assert [e.in_force(DATE) for e in blacklist.hits(demo.BLACKLISTED_PHONE)] == [True]
    assert [e.in_force(DATE) for e in blacklist.hits(demo.EXPIRED_BLACKLIST_ID)] == [False]
    entry = whitelist.entry(demo.WHITELISTED_ID)
    assert (entry.limit, entry.expires_on, entry.in_force(DATE)) == (
        demo.WHITELISTED_ID_LIMIT, demo.WHITELISTED_ID_EXPIRES, True)
    entry = whitelist.entry(demo.WHITELISTED_USCC)
    assert (entry.limit, entry.expires_on, entry.in_force(DATE)) == (
        demo.WHITELISTED_USCC_LIMIT, demo.WHITELISTED_USCC_EXPIRES, True)
    assert not whitelist.entry(demo.WHITELIST_EXPIRED_ID).in_force(DATE)
    assert whitelist.entry(demo.WHITELISTED_BLACKLISTED_ID) and blacklist.hits(demo.WHITELISTED_BLACKLISTED_ID)
    assert whitelist.entry(demo.CLEAN_ID) is None and blacklist.hits(demo.CLEAN_ID) == ()
    assert not set(demo.population().blacklisted) & {e for e in demo.population().whitelisted}


# -- store semantics ---------------------------------------------------------------------------


def log(*events):
    return CsvApplicationEvents(ApplicationEvent(ts=ts, id_no=i, phone=p, device_id=d) for ts, i, p, d in events)


A, B, C = "11010519491231002X", "110105194912310021", "310104198707220462"


def test_time_windows_are_half_open():
    since, until = AS_OF - 10 * H, AS_OF
    events = log(
        (since, A, "13800000001", "dev-1"),                               # exactly at the start: in
        (since - dt.timedelta(seconds=1), B, "13800000001", "dev-1"),    # a second earlier: out
        (until, C, "13800000001", "dev-1"),                               # at the end: out
    )
    assert events.ids_on_device("dev-1", since, until) == {A}
    assert events.ids_on_phone("13800000001", since, until) == {A}
    assert events.applications(A, since, until) == 1
    assert events.applications(B, since, until) == 0 and events.applications(C, since, until) == 0


def test_aware_times_are_compared_in_china_standard_time():
    events = log((dt.datetime(2026, 6, 30, 9, 0), A, None, "dev-1"))
    utc = dt.timezone.utc
    assert events.ids_on_device("dev-1", dt.datetime(2026, 6, 30, 0, 30, tzinfo=utc),
                                dt.datetime(2026, 6, 30, 1, 30, tzinfo=utc)) == {A}  # 08:30-09:30 CST
    aware = log((AS_OF.replace(hour=1, minute=0, tzinfo=utc), A, None, "dev-2"))  # 09:00 CST
    assert aware.ids_on_device("dev-2", AS_OF.replace(hour=9), AS_OF) == {A}


def test_phones_are_normalised_on_both_sides():
    events = log((AS_OF - H, A, "13800000001", None))
    assert events.ids_on_phone("+86 138-0000-0001", AS_OF - 2 * H, AS_OF) == {A}


@pytest.mark.parametrize(("raw", "phone"), [
    ("13800000001", "13800000001"), ("+86 138 0000 0001", "13800000001"), ("0086-13800000001", "13800000001"),
    ("8613800000001", "13800000001"),
])
def test_normalise_phone(raw, phone):
    assert stores.normalise_phone(raw) == phone


@pytest.mark.parametrize("raw", ["12800000001", "1380000000", "138000000012", "+1 415 555 0100", "", "１３８00000001"])
def test_normalise_phone_refuses_what_is_not_a_mainland_mobile(raw):
    with pytest.raises(ValueError):
        stores.normalise_phone(raw)


def test_inquiry_windows_are_closed_dates():
    bureau = CsvBureauInquiries([
        Inquiry(A, "BNK-01", DATE - dt.timedelta(days=30)),
        Inquiry(A, "BNK-02", DATE - dt.timedelta(days=29)),
        Inquiry(A, "BNK-03", DATE),
        Inquiry(A, "BNK-04", DATE + dt.timedelta(days=1)),
    ])
    got = bureau.inquiries(A, DATE - dt.timedelta(days=29), DATE)
    assert [i.institution for i in got] == ["BNK-02", "BNK-03"]
    assert bureau.inquiries(B, DATE - dt.timedelta(days=29), DATE) == ()


def test_list_entries_are_in_force_between_their_dates():
    entry = BlacklistEntry(A, "resident_id", "l", "r", listed_on=DATE, expires_on=DATE + dt.timedelta(days=1))
    assert not entry.in_force(DATE - dt.timedelta(days=1))
    assert entry.in_force(DATE) and entry.in_force(DATE + dt.timedelta(days=1))
    assert not entry.in_force(DATE + dt.timedelta(days=2))
    pre = WhitelistEntry(A, "resident_id", "payroll", 1000.0, valid_from=DATE, expires_on=DATE)
    assert pre.in_force(DATE) and not pre.in_force(DATE + dt.timedelta(days=1))


def test_a_whitelist_holds_one_positive_limit_per_key():
    entry = WhitelistEntry(A, "resident_id", "payroll", 1000.0, DATE, DATE)
    with pytest.raises(ValueError, match="twice"):
        CsvWhitelist([entry, entry])
    with pytest.raises(ValueError, match="positive"):
        CsvWhitelist([WhitelistEntry(A, "resident_id", "payroll", 0.0, DATE, DATE)])


def test_graph_edges_are_found_from_either_end():
    edge = GraphEdge(A, C, "guarantee")
    graph = CsvGuaranteeGraph([edge])
    assert graph.edges(A) == (edge,) and graph.edges(C) == (edge,) and graph.edges(B) == ()
    assert edge.other(A) == C and edge.other(C) == A
    with pytest.raises(ValueError, match="two different parties"):
        CsvGuaranteeGraph([GraphEdge(A, A, "guarantee")])


@pytest.mark.parametrize(("reader", "text", "message"), [
    (CsvBlacklist, "key,key_type\n", "header"),
    (CsvBlacklist, "key,key_type,list_name,reason,listed_on,expires_on\n123,resident_id,l,r,2026-01-01,\n",
     ":2: key is not a well-formed resident_id"),
    (CsvBlacklist, "key,key_type,list_name,reason,listed_on,expires_on\n11010519491231002X,passport,l,r,2026-01-01,\n",
     ":2: key_type 'passport'"),
    (CsvBlacklist, "key,key_type,list_name,reason,listed_on,expires_on\n11010519491231002X,resident_id,l,r,2026-13-01,\n",
     ":2: month must be in 1..12"),
    (CsvWhitelist, "key,key_type,programme,limit,valid_from,expires_on\n"
     "11010519491231002X,resident_id,p,1000,2026-01-01,2026-12-31\n"
     "11010519491231002X,resident_id,p,2000,2026-01-01,2026-12-31\n", "twice"),
    (CsvApplicationEvents, "ts,id_no,phone,device_id,channel\n2026-06-30T09:00:00,11010519491231002X,123,d,app\n",
     ":2: not a mainland mobile number"),
    (CsvApplicationEvents, "ts,id_no,phone,device_id,channel\n2026-06-30T09:00:00,11010519491231002X\n",
     ":2: expected 5 fields"),
    (CsvBureauInquiries, "id_no,institution,date,purpose\n11010519491231002X,BNK-01,2026-06-30,marketing\n",
     ":2: purpose 'marketing'"),
    (CsvGuaranteeGraph, "source,target,kind,value,since\n11010519491231002X,13800000001,phone,x,\n",
     ":2: a graph party is a resident ID or a USCC"),
    (CsvGuaranteeGraph, "source,target,kind,value,since\n11010519491231002X,11010519491231002X,guarantee,,\n",
     "two different parties"),
])
def test_a_malformed_file_names_its_line(tmp_path, reader, text, message):
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StoreFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        reader.from_csv(path)


def test_stores_read_keys_as_written_in_the_file(tmp_path):
    path = tmp_path / "blacklist.csv"
    path.write_text("key,key_type,list_name,reason,listed_on,expires_on\n"
                    "110105-19491231-002x,resident_id,l,r,2026-01-01,\n"
                    "+86 170 5550 9876,phone,l,r,2026-01-01,\n", encoding="utf-8")
    blacklist = CsvBlacklist.from_csv(path)
    assert [e.key for e in blacklist.hits("11010519491231002X")] == ["11010519491231002X"]
    assert [e.key_type for e in blacklist.hits("17055509876")] == ["phone"]
