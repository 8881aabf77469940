import datetime as dt

import pytest
from pydantic import ValidationError

from jimu import Domain, Level, Lifecycle, Status
from jimu.contracts import parse_version


def test_domain_is_level_one_with_its_own_id_as_domain():
    d = Domain(id="risk", name="Risk", name_zh="风险", owner="hq")
    assert (d.level, d.kind.value, d.domain, d.key) == (Level.DOMAIN, "domain", "risk", "risk@1.0.0")


@pytest.mark.parametrize("bad_id", ["Risk", "risk.", "risk..x", "1risk", "risk-x", ""])
def test_ids_are_lower_case_dotted_words(bad_id):
    with pytest.raises(ValidationError, match="id"):
        Domain(id=bad_id, name="x", name_zh="风险", owner="hq")


def test_domain_id_is_one_segment():
    with pytest.raises(ValidationError, match="one word"):
        Domain(id="risk.preloan", name="x", name_zh="风险", owner="hq")


def test_name_zh_must_be_chinese():
    with pytest.raises(ValidationError, match="Chinese"):
        Domain(id="risk", name="Risk", name_zh="Risk", owner="hq")


@pytest.mark.parametrize("text,ok", [("1.0.0", True), ("2.10.3", True), ("1.0.0rc1", True), ("1.0", False), ("v1", False), ("1.0.0.0", False)])
def test_versions_are_semantic(text, ok):
    if ok:
        assert parse_version(text).release[0] >= 1
    else:
        with pytest.raises(ValueError):
            parse_version(text)


def test_deprecation_names_successor_and_sunset():
    with pytest.raises(ValidationError, match="successor"):
        Lifecycle(status="deprecated")
    lc = Lifecycle(status="deprecated", successor="risk.x@2.0.0", sunset=dt.date(2027, 6, 30))
    assert lc.status is Status.DEPRECATED
    assert Lifecycle.coerce("production").status is Status.PRODUCTION
    assert Lifecycle.coerce(None).status is Status.EXPERIMENTAL


def test_level_labels_in_both_languages():
    assert Level.TASK.label == "task" and Level.TASK.label_zh == "任务"
