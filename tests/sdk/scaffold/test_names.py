"""What jimu new refuses before writing anything: ids, levels, kinds, names."""

from __future__ import annotations

import pytest

from jimu.scaffold import ScaffoldError
from jimu.scaffold import names
from jimu.scaffold.capability import check_level_and_kind


@pytest.mark.parametrize("text", ["Risk.step.x", "risk", "risk..x", "risk.step.class", "1risk.x", "risk.step-x", ""])
def test_bad_capability_ids_are_usage_errors(text):
    with pytest.raises(ScaffoldError) as caught:
        names.capability_id(text)
    assert caught.value.usage and caught.value.hint


@pytest.mark.parametrize(("level", "kind", "words"), [
    (1, "map", "domain"), (2, "map", "composite"), (0, "map", "not a level"), (6, "aggregate", "not a level"),
    (5, "lookup", "pure"), (4, "composite", "not one of"), (4, "Map", "not one of"),
])
def test_levels_and_kinds_the_rules_forbid(level, kind, words):
    with pytest.raises(ScaffoldError, match=words) as caught:
        check_level_and_kind(level, kind)
    assert caught.value.usage


@pytest.mark.parametrize(("level", "kind"), [(3, "map"), (4, "map"), (5, "map"), (3, "lookup"), (4, "lookup"),
                                             (3, "aggregate"), (4, "aggregate"), (5, "aggregate")])
def test_levels_and_kinds_the_rules_allow(level, kind):
    check_level_and_kind(level, kind)


@pytest.mark.parametrize("package", ["jimu", "json", "Agri", "agri-x", "class", "tests"])
def test_packages_that_cannot_be_used(package):
    with pytest.raises(ScaffoldError):
        names.package(package)


def test_derived_names():
    assert names.package_for("jimu-agri.tools") == "jimu_agri_tools"
    assert names.camel("planting_income") == "PlantingIncome"
    assert names.reason_code("agri.step.amount_cap", "ABOVE_LIMIT") == "AGRI_AMOUNT_CAP_ABOVE_LIMIT"


@pytest.mark.parametrize(("text", "plain"), [("Planting loan", True), ("种植贷", True), ("hunan.changsha.tech", True),
                                             ("yes", False), ("a: b", False), ("#x", False), ("1.0", False)])
def test_yaml_scalars_are_plain_only_when_unambiguous(text, plain):
    import yaml

    written = names.yaml_str(text)
    assert (written == text) is plain
    assert yaml.safe_load(f"k: {written}")["k"] == text
