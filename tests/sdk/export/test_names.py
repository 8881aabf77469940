"""Jimu ids and tags as Backstage names and tags, and Backstage's field-format rules."""

from __future__ import annotations

import pytest

from jimu.export.names import entity_name, field_format_problems, is_key, is_object_name, is_tag, tag


def test_entity_names_keep_ids_and_hash_only_what_backstage_refuses():
    assert entity_name("risk.prescreen.antifraud") == "risk.prescreen.antifraud"
    assert entity_name("risk.prescreen-1.1.0") == "risk.prescreen-1.1.0"
    long_a, long_b = "risk." + "a" * 70, "risk." + "a" * 69 + "b"
    for text in (long_a, long_b, "risk.limit_", "risk.x-1.0.0+local.1"):
        name = entity_name(text)
        assert is_object_name(name), name
        assert name != text
    assert entity_name(long_a) != entity_name(long_b)
    assert entity_name(long_a) == entity_name(long_a)


def test_tags_are_lower_case_words_joined_by_hyphens():
    assert tag("GB 11643-1999") == "gb-11643-1999"
    assert tag("ISO/IEC 7812") == "iso-iec-7812"
    assert tag("anti-fraud") == "anti-fraud"
    assert tag("贷前") is None


@pytest.mark.parametrize("name, ok", [
    ("risk.prescreen", True), ("a", True), ("A-b_c.d", True), ("x" * 63, True),
    ("", False), ("x" * 64, False), ("-a", False), ("a_", False), ("a b", False), ("风险", False), ("a/b", False),
])
def test_object_names_follow_kubernetes_rules(name, ok):
    assert is_object_name(name) is ok


def test_keys_may_carry_a_dns_prefix():
    assert is_key("jimu.dev/name-zh") and is_key("backstage.io/techdocs-ref") and is_key("plain")
    assert not is_key("Jimu.Dev/x") and not is_key("a/b/c") and not is_key("jimu.dev/")
    assert is_tag("c++") and is_tag("gb-11643-1999") and not is_tag("a--b") and not is_tag("Upper")


def test_field_format_problems_name_each_bad_field():
    entity = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
              "metadata": {"name": "ok", "labels": {"jimu.dev/level": "3", "bad key!": "x"},
                           "annotations": {"jimu.dev/name-zh": "风险预筛"}, "tags": ["l3", "L3"]}}
    problems = field_format_problems(entity)
    assert [p.split(":")[0] for p in problems] == ["labels.bad key!", "tags.1"]
    assert field_format_problems({"kind": "Component"}) == ["not an entity with metadata"]
