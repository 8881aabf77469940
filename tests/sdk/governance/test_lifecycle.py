"""Lifecycle: promotion records (who approved each move, and when), kept as plugin data; deprecated
capabilities warn (J203) with successor and date, retired ones are errors (J204)."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest
from pydantic import ValidationError

import jimu
from jimu import ContractModel, Domain, capability, hookimpl
from jimu.assembly import validate_paths
from jimu.contracts import Lifecycle, Promotion, Status
from jimu.governance.lifecycle import LifecycleRecordError, LifecycleRecords

BOARD = {"approved_by": "hq.architecture-board"}


def move(to: str, on: str, **extra) -> dict:
    return {"to": to, "approved_on": on, **BOARD, **extra}


# -- the model ---------------------------------------------------------------------------------


def test_promotions_end_at_the_status():
    lc = Lifecycle(status="production", promotions=[move("experimental", "2026-01-02"),
                                                    move("production", "2026-03-04", ticket="ARB-1")])
    assert lc.promotions[-1] == Promotion(to=Status.PRODUCTION, approved_on=dt.date(2026, 3, 4), ticket="ARB-1", **BOARD)
    with pytest.raises(ValidationError, match="the last promotion is to production, but the status is experimental"):
        Lifecycle(status="experimental", promotions=[move("production", "2026-03-04")])


def test_promotions_are_dated_in_order_and_only_move_forward():
    with pytest.raises(ValidationError, match="dated before promotion 1"):
        Lifecycle(status="production", promotions=[move("experimental", "2026-05-01"), move("production", "2026-04-01")])
    with pytest.raises(ValidationError, match="only moves forward"):
        Lifecycle(status="experimental", promotions=[move("production", "2026-01-01"), move("experimental", "2026-02-01")])
    with pytest.raises(ValidationError, match="only moves forward"):
        Lifecycle(status="production", promotions=[move("production", "2026-01-01"), move("production", "2026-02-01")])
    same_day = Lifecycle(status="production", promotions=[move("experimental", "2026-01-01"), move("production", "2026-01-01")])
    assert len(same_day.promotions) == 2


def test_a_promotion_says_who_and_when():
    with pytest.raises(ValidationError):
        Promotion(to="production", approved_on="2026-01-01", approved_by="")
    with pytest.raises(ValidationError):
        Promotion(to="production", approved_by="x")
    with pytest.raises(ValidationError):
        Promotion(to="production", approved_by="x", approved_on="2026-01-01", approver="y")  # closed model


# -- records as data -----------------------------------------------------------------------------


class Number(ContractModel):
    x: float


class Doubled(ContractModel):
    y: float


def _double(version: str, **declared):
    @capability(id="acme.step.double", version=version, level=5, name="Double", name_zh="加倍", owner="acme.team",
                **declared)
    def double(number: Number) -> Doubled:
        return Doubled(y=number.x * 2)

    return double


DOMAIN = Domain(id="acme", name="ACME", name_zh="示例", owner="acme.team")


def records(tmp_path, text: str) -> LifecycleRecords:
    path = tmp_path / "lifecycle.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return LifecycleRecords.read(path)


def test_a_record_promotes_a_capability_without_touching_its_code(tmp_path):
    found = records(tmp_path, """\
        acme.step.double@1.0.0:
          promotions:
            - {to: experimental, approved_by: acme.team, approved_on: 2026-01-05}
            - {to: production, approved_by: hq.architecture-board, approved_on: 2026-02-01, ticket: ARB-7, note: ok}
        """)
    original = _double("1.0.0")
    promoted = found.apply(original)
    assert promoted.lifecycle.status is Status.PRODUCTION and original.lifecycle.status is Status.EXPERIMENTAL
    assert [p.to.value for p in promoted.lifecycle.promotions] == ["experimental", "production"]
    assert promoted.func is original.func and promoted({"x": 2}).y == 4.0  # still callable, same code
    assert found.apply(_double("2.0.0")).lifecycle.promotions == ()  # no record: unchanged
    found.finish()


def test_a_record_may_deprecate_with_successor_and_sunset(tmp_path):
    found = records(tmp_path, """\
        acme.step.double@1.0.0:
          successor: acme.step.double@2.0.0
          sunset: 2027-06-30
          promotions:
            - {to: production, approved_by: b, approved_on: 2026-01-05}
            - {to: deprecated, approved_by: b, approved_on: 2026-09-01}
        """)
    lc = found.apply(_double("1.0.0", lifecycle="production")).lifecycle
    assert (lc.status, lc.successor, lc.sunset) == (Status.DEPRECATED, "acme.step.double@2.0.0", dt.date(2027, 6, 30))


@pytest.mark.parametrize(("text", "expected"), [
    ("acme.step.double@1.0.0:\n  promotions:\n    - {to: deprecated, approved_by: b, approved_on: 2026-01-05}\n",
     "lifecycle.yaml:1: acme.step.double@1.0.0: a deprecated capability names its successor"),
    ("acme.step.double@1.0.0:\n  promotions:\n    - {to: launched, approved_by: b, approved_on: 2026-01-05}\n",
     "lifecycle.yaml:3: acme.step.double@1.0.0: promotion 1: to: Input should be"),
    ("acme.step.double@1.0.0:\n  promotions: []\n", "lifecycle.yaml:1: acme.step.double@1.0.0: give its promotions"),
    ("acme.step.double:\n  promotions: []\n", "write the capability as id@version"),
    ("acme.step.double@1.0.0:\n  status: production\n  promotions:\n    - {to: production, approved_by: b, approved_on: 2026-01-05}\n",
     "lifecycle.yaml:2: acme.step.double@1.0.0: unknown key 'status'"),
    ("acme.step.double@1.0.0: [\n", "lifecycle.yaml:2:1: YAML syntax"),
])
def test_a_wrong_record_is_reported_with_file_and_line_and_its_item_left_out(tmp_path, text, expected):
    found = records(tmp_path, text)
    kept = []
    found.wrap(kept.append)(_double("1.0.0"))
    with pytest.raises(LifecycleRecordError) as caught:
        found.finish()
    assert expected in str(caught.value)
    if "id@version" not in expected:  # (a key that names nothing cannot hold anything back)
        assert kept == []  # fail closed: never registered with a status its record did not give


def test_a_record_never_moves_a_capability_back(tmp_path):
    found = records(tmp_path, "acme.step.double@1.0.0:\n  promotions:\n"
                              "    - {to: production, approved_by: b, approved_on: 2026-01-05}\n")
    assert found.apply(_double("1.0.0", lifecycle="retired")) is None
    with pytest.raises(LifecycleRecordError, match="declared retired, but its last promotion is to production"):
        found.finish()


def test_a_record_for_something_not_registered_is_reported(tmp_path):
    found = records(tmp_path, "acme.step.doubel@1.0.0:\n  promotions:\n"
                              "    - {to: production, approved_by: b, approved_on: 2026-01-05}\n")
    found.apply(_double("1.0.0"))
    with pytest.raises(LifecycleRecordError, match=r"lifecycle.yaml:1: acme.step.doubel@1.0.0 is not registered"):
        found.finish()


class RecordedPlugin:
    """A plugin that keeps its lifecycle records in a file, as jimu_credit does."""

    def __init__(self, path, *items):
        self.path, self.items = path, items

    @hookimpl
    def jimu_register(self, register):
        found = LifecycleRecords.read(self.path)
        register = found.wrap(register)
        for item in self.items:
            register(item)
        found.finish()


PRODUCT = """\
kind: product
id: zhejiang.hangzhou.sales_limit
version: 1.0.0
branch: zhejiang.hangzhou
name: Sales limit
name_zh: 销售额度
owner: zhejiang.hangzhou.tech
inputs:
  monthly_sales: number
steps:
  - id: limit
    uses: acme.step.double
    with: {x: inputs.monthly_sales}
decision: none
outputs:
  limit: steps.limit.y
"""


def _validate(tmp_path, catalog):
    path = tmp_path / "product.yaml"
    path.write_text(PRODUCT, encoding="utf-8")
    (analysis,) = validate_paths([path], catalog=catalog)
    return analysis.diagnostics


def test_a_record_that_retires_a_capability_makes_validation_refuse_it(tmp_path, make_catalog):
    path = tmp_path / "lifecycle.yaml"
    path.write_text("acme.step.double@1.0.0:\n  promotions:\n"
                    "    - {to: production, approved_by: b, approved_on: 2026-01-05}\n"
                    "    - {to: retired, approved_by: hq.architecture-board, approved_on: 2026-10-01}\n", encoding="utf-8")
    catalog = make_catalog(RecordedPlugin(path, DOMAIN, _double("1.0.0")))
    (found,) = _validate(tmp_path, catalog)
    assert (found.code, found.severity.value, found.line) == ("J204", "error", 12)
    assert "acme.step.double 1.0.0 is retired" in found.message


def test_deprecated_warns_with_successor_and_date(tmp_path, make_catalog):
    old = _double("1.0.0", lifecycle={"status": "deprecated", "successor": "acme.step.double@2.0.0",
                                      "sunset": "2027-06-30"})
    catalog = make_catalog(DOMAIN, old, _double("2.0.0"))
    path = tmp_path / "product.yaml"
    path.write_text(PRODUCT.replace("with:", 'version: "<2"\n    with:'), encoding="utf-8")
    (analysis,) = validate_paths([path], catalog=catalog)
    (found,) = analysis.diagnostics
    assert (found.code, found.severity.value) == ("J203", "warning")
    assert "use acme.step.double@2.0.0 before 2027-06-30" in found.message
    assert found.hint == "move to acme.step.double@2.0.0"
    assert analysis.ok  # a warning alone never fails validation


def test_a_broken_lifecycle_file_is_reported_against_its_distribution(tmp_path, make_catalog):
    path = tmp_path / "lifecycle.yaml"
    path.write_text("acme.step.double@1.0.0:\n  promotions:\n    - {to: production}\n", encoding="utf-8")
    catalog = make_catalog(RecordedPlugin(path, DOMAIN, _double("1.0.0")), strict=False)
    assert not catalog.versions("acme.step.double")  # left out, never loaded as experimental
    (problem,) = catalog.errors
    assert "lifecycle.yaml:3: acme.step.double@1.0.0: promotion 1" in problem.message


# -- HQ's own records ----------------------------------------------------------------------------


def test_jimu_credit_loads_its_records_without_problems(jimu_catalog):
    credit = [p for p in jimu_catalog.problems if p.source.distribution == "jimu-credit"]
    assert not credit, credit
    woe = jimu_catalog.get("risk.step.woe_points", "==1.0.0")
    assert woe.lifecycle.status is Status.PRODUCTION
    assert [(p.to.value, p.approved_by) for p in woe.lifecycle.promotions] == [
        ("experimental", "hq.risk-platform"), ("production", "hq.model-risk-committee")]
    antifraud = jimu_catalog.get("risk.prescreen.antifraud")
    assert antifraud.lifecycle.status is Status.EXPERIMENTAL and antifraud.lifecycle.promotions


def test_show_and_catalog_print_promotions(jimu_cmd):
    data = json.loads(jimu_cmd("show", "customer.step.resident_id_checksum", "--json").stdout)
    assert data["promotions"][-1] == {"to": "production", "approved_by": "hq.architecture-board",
                                      "approved_on": "2026-01-15", "ticket": "ARB-2026-003",
                                      "note": "checked against 2.1 million resident ids from the core banking system"}
    text = jimu_cmd("show", "customer.step.resident_id_checksum").stdout
    assert "→ production on 2026-01-15, approved by hq.architecture-board · ARB-2026-003" in text
    entries = json.loads(jimu_cmd("catalog", "--level", "5", "--json").stdout)
    luhn = next(e for e in entries if e["id"] == "customer.step.bank_card_luhn")
    assert luhn["lifecycle"] == "production" and [p["to"] for p in luhn["promotions"]] == ["experimental", "production"]
    assert all("promotions" in e and "successor" in e and "sunset" in e for e in entries)
