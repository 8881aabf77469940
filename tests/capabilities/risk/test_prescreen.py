"""Risk pre-screening: anti-fraud, multi-lender, guarantee circles (L5) and the related-party graph.

Each lookup runs on fakes (``fake_resources``) for its rules and window edges, and on the bundled
demo data for the planted patterns; the L5 cycle step is checked against a brute-force oracle.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from jimu import ContractModel, MissingResource, Outcome, capability
from jimu.testing import check_examples
from jimu_credit.data import fixtures as demo
from jimu_credit.data import stores
from jimu_credit.data.stores import (ApplicationEvent, BlacklistEntry, CsvApplicationEvents, CsvBlacklist,
                                     CsvGuaranteeGraph, GraphEdge, Inquiry)
from jimu_credit.risk import prescreen

ANTIFRAUD = "risk.prescreen.antifraud"
MULTILENDER = "risk.prescreen.multilender"
CYCLES = "risk.step.cycles"
GRAPH = "risk.prescreen.graph"

T = dt.datetime(2026, 2, 10, 12, 0)
H = dt.timedelta(hours=1)
S = dt.timedelta(seconds=1)
DATE = T.date()
ME = "11010519491231002X"
# other valid resident IDs (check characters computed, DOMAIN.md §2.1)
OTHERS = [demo.resident_id("310104", dt.date(1980, 1, 1) + dt.timedelta(days=37 * n), 11 + 2 * n) for n in range(400)]
PHONE = "13800000001"
DEVICE = "dev-0000000000000001"


@pytest.fixture
def caps(jimu_catalog):
    return {cap_id: jimu_catalog.get(cap_id) for cap_id in (ANTIFRAUD, MULTILENDER, CYCLES, GRAPH)}


@pytest.fixture
def bundled(jimu_catalog):
    return jimu_catalog.bind_resources()


def test_declarations(caps, jimu_catalog):
    expected = {
        ANTIFRAUD: (4, "lookup", ("data.events.applications",), set(), {"AF_DEVICE_SHARED", "AF_PHONE_SHARED", "AF_VELOCITY"}),
        MULTILENDER: (4, "lookup", ("data.bureau.inquiries",), set(), {"ML_MULTI_LENDER"}),
        CYCLES: (5, "map", (), set(), set()),
        GRAPH: (4, "lookup", ("data.graph.guarantees", "data.lists.blacklist"), {CYCLES},
                {"GR_GUARANTEE_CIRCLE", "GR_RELATED_PARTY_RISK", "GR_NETWORK_TOO_LARGE"}),
    }
    for cap_id, (level, kind, resources, uses, codes) in expected.items():
        cap = caps[cap_id]
        assert (cap.level, cap.kind.value, cap.resources, {u.id for u in cap.uses}, set(cap.reason_codes)) == (
            level, kind, resources, uses, codes), cap_id
        for code in cap.reasons:  # registered, with English and Chinese text, owned by the capability
            assert jimu_catalog.reasons[code.code] == code and code.text and code.text_zh and code.capability == cap_id


@pytest.mark.parametrize("cap_id", [ANTIFRAUD, MULTILENDER, GRAPH])
def test_the_demo_examples_pass_on_the_bundled_data(caps, jimu_catalog, bundled, cap_id):
    examples = prescreen.DEMO_EXAMPLES[cap_id]
    assert caps[cap_id].examples == examples  # declared, so test_examples.py runs them too
    outcomes = {e.output["decision"]["outcome"] for e in examples}
    assert len(examples) >= 2 and len(outcomes) >= 2
    assert check_examples(caps[cap_id].model_copy(update={"examples": examples}),
                          catalog=jimu_catalog, resources=bundled) == []


def test_the_cycle_step_declares_examples_with_different_outputs(caps, jimu_catalog):
    examples = caps[CYCLES].examples
    assert len(examples) >= 2 and len({str(e.output) for e in examples}) == len(examples)
    assert check_examples(caps[CYCLES], catalog=jimu_catalog) == []


# -- anti-fraud ----------------------------------------------------------------------------------


def events(*rows):
    """An in-memory event store: rows of (ts, id, phone, device)."""
    return CsvApplicationEvents(ApplicationEvent(ts=ts, id_no=i, phone=p, device_id=d) for ts, i, p, d in rows)


@pytest.fixture
def antifraud(caps, run_capability, fake_resources):
    def run(rows=(), params=None, **record):
        fake_resources["data.events.applications"] = events(*rows)
        app = {"resident_id": ME, "applied_at": T, "phone": PHONE, "device_id": DEVICE, **record}
        return run_capability(caps[ANTIFRAUD], app, params, resources=fake_resources)
    return run


def test_a_clean_application_is_approved_and_counts_the_applicant_once(antifraud):
    out = antifraud([(T - 2 * H, ME, PHONE, DEVICE), (T, ME, PHONE, DEVICE)])  # the log may hold this one at T
    assert (out.ids_on_device, out.ids_on_phone, out.applications_24h) == (1, 1, 2)
    assert out.reasons == [] and out.decision.outcome is Outcome.APPROVE


def test_a_device_shared_by_more_ids_than_allowed_refers(antifraud):
    rows = [(T - n * H, OTHERS[n], f"1390000000{n}", DEVICE) for n in range(1, 4)]
    out = antifraud(rows)
    assert out.ids_on_device == 4 and out.device_shared and not out.phone_shared
    assert (out.decision.outcome, out.decision.reasons) == (Outcome.REFER, ["AF_DEVICE_SHARED"])
    assert antifraud(rows[:2]).decision.outcome is Outcome.APPROVE  # 3 IDs: at the limit, not above
    assert antifraud(rows, params={"max_ids_per_device": 4}).decision.outcome is Outcome.APPROVE


def test_the_device_window_counts_an_event_exactly_at_its_start_and_not_a_second_earlier(antifraud):
    on_edge = [(T - 168 * H, OTHERS[n], None, DEVICE) for n in range(3)]
    assert antifraud(on_edge).ids_on_device == 4
    just_out = [(T - 168 * H - S, OTHERS[n], None, DEVICE) for n in range(3)]
    assert antifraud(just_out).ids_on_device == 1
    assert antifraud(just_out, params={"window_hours": 169}).ids_on_device == 4
    assert antifraud([(T + S, OTHERS[0], None, DEVICE)]).ids_on_device == 1  # after the application: not read


def test_a_phone_shared_by_more_ids_than_allowed_refers(antifraud):
    out = antifraud([(T - H, OTHERS[0], "+86 138 0000 0001", None), (T - 2 * H, OTHERS[1], PHONE, None)])
    assert out.ids_on_phone == 3 and out.phone_shared
    assert out.decision.reasons == ["AF_PHONE_SHARED"]
    assert antifraud([(T - H, OTHERS[0], PHONE, None)]).decision.outcome is Outcome.APPROVE  # 2 = the limit


def test_velocity_counts_24_hours_before_the_application_and_this_one(antifraud):
    rows = [(T - 24 * H, ME, PHONE, DEVICE), (T - 10 * H, ME, PHONE, DEVICE), (T - H, ME, PHONE, DEVICE)]
    out = antifraud(rows)
    assert out.applications_24h == 4 and out.velocity_exceeded
    assert out.decision.reasons == ["AF_VELOCITY"]
    rows[0] = (T - 24 * H - S, ME, PHONE, DEVICE)
    assert antifraud(rows).applications_24h == 3 and antifraud(rows).decision.outcome is Outcome.APPROVE


def test_above_the_hard_threshold_the_application_is_declined(antifraud):
    rows = [(T - n * H, OTHERS[n], PHONE, DEVICE) for n in range(1, 6)]  # 6 IDs on the device and the phone
    out = antifraud(rows)
    assert (out.ids_on_device, out.ids_on_phone) == (6, 6)
    assert (out.decision.outcome, out.decision.reasons) == (Outcome.DECLINE, ["AF_PHONE_SHARED", "AF_DEVICE_SHARED"])
    out = antifraud(rows, params={"decline_ids_per_phone": 6})
    assert (out.decision.outcome, out.decision.reasons) == (Outcome.REFER, ["AF_DEVICE_SHARED", "AF_PHONE_SHARED"])


def test_no_device_or_phone_means_nothing_to_count(antifraud):
    out = antifraud([(T - H, OTHERS[n], PHONE, DEVICE) for n in range(5)], device_id=None, phone=None)
    assert (out.ids_on_device, out.ids_on_phone, out.decision.outcome) == (None, None, Outcome.APPROVE)
    assert antifraud(device_id="  ").ids_on_device is None


def test_an_aware_application_time_is_read_in_china_standard_time(antifraud):
    rows = [(T - H, OTHERS[n], None, DEVICE) for n in range(3)]
    utc = T.replace(tzinfo=stores.CST).astimezone(dt.timezone.utc)
    assert antifraud(rows, applied_at=utc).ids_on_device == 4
    assert antifraud(rows, applied_at=utc - 2 * H).ids_on_device == 1


@pytest.mark.parametrize("params", [
    {"window_hours": 0}, {"window_hours": 2161}, {"max_ids_per_device": 0}, {"max_ids_per_device": 51},
    {"max_ids_per_phone": 0}, {"max_applications_24h": 101}, {"decline_ids_per_device": 1},
    {"decline_ids_per_phone": 101}, {"max_ids_per_device": 8, "decline_ids_per_device": 5}, {"window": 24},
])
def test_antifraud_params_outside_hq_bounds_are_refused(antifraud, params):
    with pytest.raises(ValidationError):
        antifraud(params=params)


@pytest.mark.parametrize("record", [
    {"resident_id": "110105194912310021X"}, {"resident_id": "11010519491231002x"},  # not normalised
    {"phone": "12345"}, {"device_id": "dev 1"}, {"device_id": "x" * 129}, {"applied_at": "yesterday"},
])
def test_antifraud_bad_input_is_refused(antifraud, record):
    with pytest.raises(ValidationError):
        antifraud(**record)


def test_antifraud_without_its_event_store_raises_missing_resource(caps, run_capability):
    with pytest.raises(MissingResource):
        run_capability(caps[ANTIFRAUD], {"resident_id": ME, "applied_at": T}, resources={})


def test_the_planted_anti_fraud_patterns_on_the_bundled_store(caps, run_capability, bundled):
    def run(id_no, params=None, **changes):
        person = demo.applicant(id_no)
        record = {"resident_id": id_no, "applied_at": demo.DEMO_AS_OF, "phone": person.phone,
                  "device_id": person.device_id, **changes}
        return run_capability(caps[ANTIFRAUD], record, params, resources=bundled)

    for id_no in demo.SHARED_DEVICE_IDS:
        out = run(id_no)
        assert out.ids_on_device == 5 and out.decision.reasons == ["AF_DEVICE_SHARED"], id_no
    assert run(demo.SHARED_DEVICE_IDS[0], {"window_hours": 169}).ids_on_device == 6  # the stale user comes in
    newcomer = run(demo.CLEAN_ID, device_id=demo.SHARED_DEVICE)
    assert newcomer.ids_on_device == 6 and newcomer.decision.outcome is Outcome.REFER
    assert run(demo.CLEAN_ID, {"decline_ids_per_device": 5}, device_id=demo.SHARED_DEVICE).decision.outcome \
        is Outcome.DECLINE
    for id_no in demo.BURST_PHONE_IDS:
        out = run(id_no)
        assert (out.ids_on_phone, out.applications_24h, out.decision.reasons) == (3, 3, ["AF_PHONE_SHARED"])
    velocity = run(demo.VELOCITY_ID)
    assert (velocity.applications_24h, velocity.decision.reasons) == (5, ["AF_VELOCITY"])


def test_every_other_demo_person_passes_anti_fraud(caps, run_capability, bundled):
    planted = {*demo.SHARED_DEVICE_IDS, *demo.BURST_PHONE_IDS, demo.VELOCITY_ID}
    for id_no in sorted({*demo.PLANTED_IDS, *demo.population().persons} - planted):
        person = demo.applicant(id_no)
        out = run_capability(caps[ANTIFRAUD], {"resident_id": id_no, "applied_at": demo.DEMO_AS_OF,
                                               "phone": person.phone, "device_id": person.device_id},
                             resources=bundled)
        assert out.decision.outcome is Outcome.APPROVE, (id_no, out.reasons)


# -- multi-lender ----------------------------------------------------------------------------------


class FakeBureau:
    """Returns every inquiry it holds, whatever window is asked: the capability must apply its own."""

    def __init__(self, *inquiries: Inquiry):
        self.held, self.asked = inquiries, []

    def inquiries(self, id_no, since, until):
        self.asked.append((id_no, since, until))
        return [i for i in self.held if i.id_no == id_no]


def ago(days, institution, purpose="loan_approval", who=ME):
    return Inquiry(who, institution, DATE - dt.timedelta(days=days), purpose)


@pytest.fixture
def multilender(caps, run_capability, fake_resources):
    def run(*inquiries, params=None, **record):
        fake_resources["data.bureau.inquiries"] = FakeBureau(*inquiries)
        return run_capability(caps[MULTILENDER], {"resident_id": ME, "as_of": DATE, **record}, params,
                              resources=fake_resources)
    return run


def test_distinct_institutions_per_window(multilender, fake_resources):
    out = multilender(ago(0, "A"), ago(6, "B"), ago(7, "C"), ago(29, "D"), ago(30, "E"), ago(89, "F"), ago(90, "G"),
                      ago(-1, "H"), ago(1, "A"))
    # 7 days = dates d-6..d; 30 = d-29..d; 90 = d-89..d; after the application date nothing counts
    assert (out.institutions_7d, out.institutions_30d, out.institutions_90d, out.inquiries_90d) == (2, 4, 6, 7)
    assert out.decision.outcome is Outcome.APPROVE and not out.multi_lender
    assert fake_resources["data.bureau.inquiries"].asked == [(ME, DATE - dt.timedelta(days=89), DATE)]


@pytest.mark.parametrize(("days", "count", "exceeded"), [
    ((0, 1, 2), 3, []),                 # 3 in 7 days: at the limit
    ((0, 1, 2, 6), 4, ["7d"]),
    ((10, 11, 12, 13, 14, 15), 6, []),
    ((10, 11, 12, 13, 14, 15, 29), 7, ["30d"]),
    ((0, 1, 2, 3, 4, 5, 6), 7, ["7d", "30d"]),
    (tuple(range(40, 51)), 11, ["90d"]),
])
def test_a_window_over_its_threshold_refers(multilender, days, count, exceeded):
    out = multilender(*[ago(d, f"BNK-{n:02d}") for n, d in enumerate(days)])
    assert out.windows_exceeded == exceeded and out.multi_lender is bool(exceeded)
    if exceeded:
        assert (out.decision.outcome, out.decision.reasons, out.reasons) == (Outcome.REFER, ["ML_MULTI_LENDER"],
                                                                             ["ML_MULTI_LENDER"])
    else:
        assert out.decision.outcome is Outcome.APPROVE


def test_only_credit_applications_count_unless_the_params_say_otherwise(multilender):
    held = [ago(n, f"BNK-{n:02d}", "post_loan") for n in range(5)] + [ago(1, "CFC-01", "self_query")]
    assert multilender(*held).institutions_7d == 0
    out = multilender(*held, params={"purposes": ["post_loan", "self_query"], "max_institutions_7d": 5})
    assert out.institutions_7d == 6 and out.windows_exceeded == ["7d"]
    assert multilender(ago(1, "A", "card_approval"), ago(1, "B", "guarantee_review")).institutions_7d == 1


@pytest.mark.parametrize("params", [
    {"max_institutions_7d": 0}, {"max_institutions_7d": 31}, {"max_institutions_30d": 61},
    {"max_institutions_90d": 0}, {"max_institutions_90d": 101}, {"purposes": []}, {"purposes": ["marketing"]},
])
def test_multilender_params_outside_hq_bounds_are_refused(multilender, params):
    with pytest.raises(ValidationError):
        multilender(params=params)


def test_multilender_without_the_bureau_raises_missing_resource(caps, run_capability):
    with pytest.raises(MissingResource):
        run_capability(caps[MULTILENDER], {"resident_id": ME, "as_of": DATE}, resources={})


def test_the_planted_multi_lender_on_the_bundled_bureau(caps, run_capability, bundled):
    run = lambda id_no: run_capability(caps[MULTILENDER], {"resident_id": id_no, "as_of": DATE}, resources=bundled)  # noqa: E731
    out = run(demo.MULTI_LENDER_ID)
    assert (out.institutions_7d, out.institutions_30d, out.institutions_90d) == (2, 7, 9)
    assert out.decision.reasons == ["ML_MULTI_LENDER"]
    for id_no in sorted({*demo.PLANTED_IDS, *demo.population().persons} - {demo.MULTI_LENDER_ID}):
        assert run(id_no).decision.outcome is Outcome.APPROVE, id_no


# -- L5: cycles ------------------------------------------------------------------------------------


@pytest.fixture
def cycles(caps, run_capability):
    def run(edges, **params):
        return run_capability(caps[CYCLES], {"edges": edges}, params)
    return run


def test_a_three_cycle_is_found(cycles):
    out = cycles([("B", "C"), ("A", "B"), ("C", "A"), ("D", "A"), ("C", "E")])
    assert [c.nodes for c in out.components] == [["A", "B", "C"]]
    assert out.cycles == [["A", "B", "C"]] and out.component_count == 1
    assert not out.enumeration_skipped and not out.cycles_truncated


def test_a_dag_has_no_circle(cycles):
    out = cycles([("A", "B"), ("B", "C"), ("A", "C"), ("C", "D"), ("B", "D")])
    assert (out.components, out.component_count, out.cycles) == ([], 0, [])


def test_mutual_guarantees_are_a_two_node_circle_and_self_loops_are_ignored(cycles):
    out = cycles([("X", "Y"), ("Y", "X"), ("Z", "Z"), ("X", "Y")])
    assert out.cycles == [["X", "Y"]] and out.self_loops == 1 and out.component_count == 1


def test_a_component_larger_than_the_cap_is_reported_but_not_enumerated(cycles):
    ring = [(f"n{i:03d}", f"n{(i + 1) % 60:03d}") for i in range(60)]
    small = [("A", "B"), ("B", "A")]
    out = cycles(ring + small, max_component_size=50)
    assert [(c.size, c.enumerated) for c in out.components] == [(60, False), (2, True)]
    assert out.enumeration_skipped and out.skipped_components == 1 and out.cycles == [["A", "B"]]
    assert cycles(ring, max_component_size=60, max_cycle_length=12).cycles == []  # a 60-cycle is longer than 12


def test_a_dense_component_above_the_cap_is_skipped_without_enumerating():
    # 120 parties, every one guaranteeing every other: billions of bounded cycles, never enumerated.
    nodes = [f"p{i:03d}" for i in range(120)]
    edges = [(a, b) for a in nodes for b in nodes if a != b]
    out = prescreen.cycles({"edges": edges}, {"max_component_size": 100})
    assert out.component_count == 1 and out.skipped_components == 1 and out.cycles == []


def test_enumeration_stops_at_max_cycles_and_cycles_respect_the_length_bound(cycles):
    nodes = "ABCDEF"
    complete = [(a, b) for a in nodes for b in nodes if a != b]
    out = cycles(complete, max_cycles=5, max_cycle_length=3)
    assert len(out.cycles) == 5 and out.cycles_truncated
    assert all(2 <= len(c) <= 3 for c in out.cycles)
    square = [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]
    assert cycles(square, max_cycle_length=3).cycles == [] and cycles(square, max_cycle_length=3).component_count == 1
    assert cycles(square, max_cycle_length=4).cycles == [["A", "B", "C", "D"]]


def test_the_listing_of_components_is_capped_but_all_are_counted(cycles):
    pairs = [e for i in range(30) for e in ((f"a{i:02d}", f"b{i:02d}"), (f"b{i:02d}", f"a{i:02d}"))]
    out = cycles(pairs, max_components=10, max_cycles=5)
    assert len(out.components) == 10 and out.component_count == 30 and len(out.cycles) == 5


def test_the_output_does_not_depend_on_edge_order(cycles):
    edges = [("A", "B"), ("B", "C"), ("C", "A"), ("C", "D"), ("D", "C"), ("E", "F")]
    first = cycles(edges).model_dump()
    for seed in range(5):
        shuffled = edges[:]
        random.Random(seed).shuffle(shuffled)
        assert cycles(shuffled).model_dump() == first
    assert first["cycles"] == [["C", "D"], ["A", "B", "C"]]


def brute_force_cycles(edges, max_len):
    """Every simple directed cycle up to ``max_len`` by trying every sequence of distinct nodes."""
    nodes = sorted({n for e in edges for n in e})
    arcs = {(u, v) for u, v in edges if u != v}
    found = set()
    for k in range(2, max_len + 1):
        for seq in itertools.permutations(nodes, k):
            if seq[0] == min(seq) and all((seq[i], seq[(i + 1) % k]) in arcs for i in range(k)):
                found.add(seq)
    return sorted((list(c) for c in found), key=lambda c: (len(c), c))


def brute_force_circles(edges):
    nodes = sorted({n for e in edges for n in e})
    reach = {n: {n} for n in nodes}
    changed = True
    while changed:
        changed = False
        for u, v in edges:
            new = reach[v] - reach[u]
            if new:
                reach[u] |= new
                changed = True
    groups = {frozenset(m for m in nodes if m in reach[n] and n in reach[m]) for n in nodes}
    return sorted((sorted(g) for g in groups if len(g) >= 2), key=lambda g: (-len(g), g))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABCDEF"), st.sampled_from("ABCDEF")), max_size=14),
       st.integers(min_value=2, max_value=6))
def test_cycles_and_circles_agree_with_brute_force(edges, max_len):
    out = prescreen.cycles({"edges": edges}, {"max_cycle_length": max_len, "max_cycles": 10_000})
    assert [c.nodes for c in out.components] == brute_force_circles(edges)
    assert out.cycles == brute_force_cycles(edges, max_len)


@pytest.mark.parametrize("params", [
    {"max_component_size": 1}, {"max_component_size": 501}, {"max_cycle_length": 1}, {"max_cycle_length": 13},
    {"max_cycles": 0}, {"max_cycles": 10_001}, {"max_components": 0},
])
def test_cycle_params_outside_hq_bounds_are_refused(cycles, params):
    with pytest.raises(ValidationError):
        cycles([("A", "B")], **params)


def test_the_edge_list_is_bounded(cycles):
    with pytest.raises(ValidationError):
        cycles([("A", "B")] * 200_001)


# -- the guarantee and related-party graph -------------------------------------------------------


def g(source, target, kind="guarantee", since=None, value=""):
    return GraphEdge(source, target, kind, value, since)


P = OTHERS  # parties around the applicant


@pytest.fixture
def graph(caps, run_capability, fake_resources):
    def run(edges, blacklist=(), params=None, party=ME, as_of=DATE):
        fake_resources["data.graph.guarantees"] = CsvGuaranteeGraph(edges)
        fake_resources["data.lists.blacklist"] = CsvBlacklist(
            BlacklistEntry(key, "resident_id", "court_enforcement", "r", dt.date(2025, 1, 1), expires)
            for key, expires in (b if isinstance(b, tuple) else (b, None) for b in blacklist))
        return run_capability(caps[GRAPH], {"party_id": party, "as_of": as_of}, params, resources=fake_resources)
    return run


def test_an_applicant_in_a_three_party_circle_is_referred(graph):
    out = graph([g(ME, P[0]), g(P[0], P[1]), g(P[1], ME), g(P[2], ME)])
    ring = [ME, P[0], P[1]]  # in guarantee order; the step starts a cycle at its smallest party
    start = ring.index(min(ring))
    assert out.circle == sorted(ring) and out.cycles == [ring[start:] + ring[:start]]
    assert (out.decision.outcome, out.decision.reasons) == (Outcome.REFER, ["GR_GUARANTEE_CIRCLE"])
    assert {r.party_id: r.via for r in out.related_parties} == {P[0]: ["guaranteed"], P[1]: ["guarantor"],
                                                                 P[2]: ["guarantor"]}


def test_mutual_guarantee_is_a_circle(graph):
    out = graph([g(ME, P[0]), g(P[0], ME)])
    assert out.circle == sorted([ME, P[0]]) and out.decision.reasons == ["GR_GUARANTEE_CIRCLE"]
    assert out.related_parties[0].via == ["guarantor", "guaranteed"]


def test_guaranteeing_into_a_circle_is_not_being_in_one(graph):
    out = graph([g(ME, P[0]), g(P[0], P[1]), g(P[1], P[0])])
    assert out.circle == [] and out.circles_nearby == 1 and out.decision.outcome is Outcome.APPROVE


def test_a_circle_formed_after_the_application_date_is_not_seen(graph):
    later = DATE + dt.timedelta(days=1)
    out = graph([g(ME, P[0]), g(P[0], ME, since=later)])
    assert out.circle == [] and out.decision.outcome is Outcome.APPROVE
    assert graph([g(ME, P[0]), g(P[0], ME, since=DATE)]).circle == sorted([ME, P[0]])


@pytest.mark.parametrize(("length", "hops", "found"), [(5, 2, True), (7, 2, False), (7, 3, True), (3, 1, True)])
def test_a_circle_of_up_to_2_hops_plus_1_parties_is_always_inside_the_neighbourhood(graph, length, hops, found):
    ring = [ME, *P[:length - 1]]
    edges = [g(ring[i], ring[(i + 1) % length]) for i in range(length)]
    out = graph(edges, params={"hops": hops, "max_cycle_length": 12})
    assert bool(out.circle) is found
    if found:
        assert len(out.circle) == length and len(out.cycles) == 1


def test_a_blacklisted_party_one_link_away_refers(graph):
    for kind in ("device", "phone", "address", "guarantee"):
        out = graph([g(ME, P[0], kind, value="x"), g(P[0], P[1], "address", value="y")], blacklist=[P[0]])
        assert out.decision.reasons == ["GR_RELATED_PARTY_RISK"], kind
        assert [r.blacklisted for r in out.related_parties] == [True]
    two_links_away = graph([g(ME, P[0], "device", value="x"), g(P[0], P[1], "address", value="y")], blacklist=[P[1]])
    assert two_links_away.decision.outcome is Outcome.APPROVE
    expired = graph([g(ME, P[0], "device", value="x")], blacklist=[(P[0], DATE - dt.timedelta(days=1))])
    assert expired.decision.outcome is Outcome.APPROVE


def test_both_a_circle_and_a_listed_party_give_both_reasons(graph):
    out = graph([g(ME, P[0]), g(P[0], ME), g(ME, P[1], "phone", value="x")], blacklist=[P[1]])
    assert out.decision.reasons == ["GR_GUARANTEE_CIRCLE", "GR_RELATED_PARTY_RISK"]


def test_a_neighbourhood_cut_at_its_cap_is_referred_not_called_clean(graph):
    star = [g(P[n], ME) for n in range(300)]
    out = graph(star, params={"max_nodes": 50})
    assert out.truncated and out.neighbourhood_size == 50
    assert out.decision.reasons == ["GR_NETWORK_TOO_LARGE"]
    whole = graph(star, params={"max_nodes": 301})
    assert not whole.truncated and whole.neighbourhood_size == 301 and whole.decision.outcome is Outcome.APPROVE


def test_a_circle_too_large_to_enumerate_is_still_a_circle(graph):
    ring = [ME, *P[:9]]
    edges = [g(ring[i], ring[(i + 1) % 10]) for i in range(10)] + [g(ring[i], ring[(i + 2) % 10]) for i in range(10)]
    out = graph(edges, params={"hops": 4, "max_component_size": 5})
    assert len(out.circle) == 10 and out.enumeration_skipped and out.cycles == []
    assert out.decision.reasons == ["GR_GUARANTEE_CIRCLE"]


def test_a_party_the_graph_does_not_know_is_approved(graph):
    out = graph([g(P[0], P[1])])
    assert (out.known, out.neighbourhood_size, out.related_parties) == (False, 1, [])
    assert out.decision.outcome is Outcome.APPROVE


def test_an_organisation_can_be_screened(graph):
    uscc = "91110108551385082Q"
    out = graph([g(uscc, ME), g(ME, uscc)], party=uscc)
    assert out.circle == sorted([uscc, ME])


@pytest.mark.parametrize("params", [
    {"hops": 0}, {"hops": 5}, {"max_nodes": 9}, {"max_nodes": 5_001}, {"max_component_size": 501},
    {"max_cycle_length": 13}, {"max_cycles": 0}, {"max_cycles": 1_001},
])
def test_graph_params_outside_hq_bounds_are_refused(graph, params):
    with pytest.raises(ValidationError):
        graph([], params=params)


@pytest.mark.parametrize("present", ["data.graph.guarantees", "data.lists.blacklist"])
def test_graph_without_one_of_its_resources_raises_missing_resource(caps, run_capability, present):
    resources = {present: CsvGuaranteeGraph([]) if present == "data.graph.guarantees" else CsvBlacklist([])}
    with pytest.raises(MissingResource):
        run_capability(caps[GRAPH], {"party_id": ME, "as_of": DATE}, resources=resources)


def test_the_circles_come_from_the_cycle_step_it_uses(caps, make_catalog, run_capability):
    """With a stand-in risk.step.cycles in the catalog, the graph reports what the stand-in says."""

    class Out(ContractModel):
        components: list[prescreen.Circle]
        component_count: int
        cycles: list[list[str]]
        cycles_truncated: bool = False
        enumeration_skipped: bool = False
        skipped_components: int = 0
        self_loops: int = 0

    @capability(id=CYCLES, version="1.0.9", level=5, name="stand-in", name_zh="替身", owner="test",
                input=prescreen.GuaranteeEdges, output=Out, params=prescreen.CyclesParams)
    def stand_in(edges: prescreen.GuaranteeEdges, params: prescreen.CyclesParams) -> Out:
        return Out(components=[prescreen.Circle(nodes=[ME, "X"], size=2, enumerated=True)], component_count=1,
                   cycles=[[ME, "X"]])

    catalog = make_catalog(caps[GRAPH], stand_in, *stores.RESOURCES)
    resources = {"data.graph.guarantees": CsvGuaranteeGraph([]), "data.lists.blacklist": CsvBlacklist([])}
    out = run_capability(caps[GRAPH], {"party_id": ME, "as_of": DATE}, resources=resources, catalog=catalog)
    assert out.circle == [ME, "X"] and out.decision.reasons == ["GR_GUARANTEE_CIRCLE"]


def test_the_planted_graph_patterns_on_the_bundled_graph(caps, run_capability, bundled):
    def run(party):
        return run_capability(caps[GRAPH], {"party_id": party, "as_of": DATE}, resources=bundled)

    for party in demo.CIRCLE_3_USCCS:
        out = run(party)
        assert out.circle == sorted(demo.CIRCLE_3_USCCS) and len(out.cycles) == 1
        assert out.decision.reasons == ["GR_GUARANTEE_CIRCLE"]
    for party in demo.CIRCLE_2_IDS:
        assert run(party).circle == sorted(demo.CIRCLE_2_IDS)
    assert run(demo.LEGAL_REP_ID).decision.outcome is Outcome.APPROVE
    related = run(demo.RELATED_TO_BLACKLISTED_ID)
    assert related.decision.reasons == ["GR_RELATED_PARTY_RISK"]
    assert [(r.party_id, r.via) for r in related.related_parties] == [(demo.BLACKLISTED_ID, ["address"])]
    shared = run(demo.SHARED_DEVICE_IDS[0])
    assert {r.party_id for r in shared.related_parties} == {*demo.SHARED_DEVICE_IDS[1:], demo.SHARED_DEVICE_STALE_ID}
    assert shared.decision.outcome is Outcome.APPROVE


def test_every_background_party_is_clean_in_the_bundled_graph(caps, run_capability, bundled):
    population = demo.population()
    for party in (*population.persons, *population.smes, demo.CLEAN_ID, demo.CLEAN_ID_2):
        out = run_capability(caps[GRAPH], {"party_id": party, "as_of": DATE}, resources=bundled)
        assert out.decision.outcome is Outcome.APPROVE and not out.truncated, (party, out.reasons)
