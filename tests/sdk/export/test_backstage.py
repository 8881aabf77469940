"""`jimu export backstage`: every entity passes Backstage's schema for its kind, every relation
resolves, names are valid, and every installed capability and product is covered."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

import jimu
from jimu.assembly import find_assemblies, load_file
from jimu.contracts import Level, Status
from jimu.export.backstage import (
    KIND_FILES,
    LIFECYCLE,
    LOCATION_FILE,
    ExportError,
    build_entities,
    export_backstage,
    relation_refs,
)
from jimu.export.names import field_format_problems

ROOT = Path(__file__).resolve().parents[3]
ASSEMBLIES = ROOT / "assemblies"
SCHEMAS = ROOT / "vendor" / "backstage" / "schema"
A = "jimu.dev/"


# -- Backstage's schemas ----------------------------------------------------------------------------


def _schemas() -> tuple[Registry, dict[str, dict]]:
    """The vendored schemas in a registry by their ``$id``, and each kind's schema by kind."""
    found = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMAS.rglob("*.json"))]
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT7)) for s in found
    )
    kinds = {kind: s for s in found for part in s.get("allOf", ())
             for kind in part.get("properties", {}).get("kind", {}).get("enum", ())}
    kinds["Envelope"] = next(s for s in found if s["$id"] == "EntityEnvelope")
    return registry, kinds


REGISTRY, KIND_SCHEMAS = _schemas()


def schema_errors(entity: dict) -> list[str]:
    """Backstage's envelope schema, then the schema of the entity's kind (an unknown kind is an error)."""
    errors = [e.message for e in Draft7Validator(KIND_SCHEMAS["Envelope"], registry=REGISTRY).iter_errors(entity)]
    schema = KIND_SCHEMAS.get(entity.get("kind"))
    if schema is None:
        return [*errors, f"no schema for kind {entity.get('kind')!r}"]
    return errors + [e.message for e in Draft7Validator(schema, registry=REGISTRY).iter_errors(entity)]


def test_the_vendored_schemas_are_the_kinds_the_export_writes():
    assert set(KIND_SCHEMAS) == {*KIND_FILES, "Location", "Envelope"}
    for kind, schema in KIND_SCHEMAS.items():
        Draft7Validator.check_schema(schema)


# -- the export of the installed catalog and assemblies/ ---------------------------------------------


def _read(out: Path) -> list[dict]:
    entities = []
    for path in sorted(out.glob("*.yaml")):
        entities += [e for e in yaml.safe_load_all(path.read_text(encoding="utf-8")) if e is not None]
    return entities


@pytest.fixture(scope="module")
def catalog():
    return jimu.load_catalog()


@pytest.fixture(scope="module")
def exported(catalog, tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("backstage")
    export_backstage(catalog, out, [ASSEMBLIES])
    return out, _read(out)


def _by_kind(entities: list[dict], kind: str) -> dict[str, dict]:
    return {e["metadata"]["name"]: e for e in entities if e["kind"] == kind}


def test_every_entity_passes_the_schema_of_its_kind(exported):
    _, entities = exported
    assert {e["kind"] for e in entities} == {*KIND_FILES, "Location"}
    failures = {f"{e['kind']} {e['metadata']['name']}": schema_errors(e) for e in entities}
    assert {k: v for k, v in failures.items() if v} == {}


def test_names_labels_annotations_and_tags_pass_backstages_field_rules(exported):
    _, entities = exported
    assert {e["metadata"]["name"]: p for e in entities if (p := field_format_problems(e))} == {}
    names = [(e["kind"], e["metadata"]["name"]) for e in entities]
    assert len(names) == len(set(names))


def test_every_relation_target_is_an_exported_entity(exported):
    _, entities = exported
    present = {(e["kind"].lower(), e["metadata"].get("namespace", "default"), e["metadata"]["name"]) for e in entities}
    refs = [(e["metadata"]["name"], r) for e in entities for r in relation_refs(e)]
    assert len(refs) > 200  # the check below checks something
    assert [(who, r) for who, r in refs if r[1:] not in present] == []
    kinds = {r[0]: set() for _, r in refs}
    for _, r in refs:
        kinds[r[0]].add(r[1])
    assert kinds["dependsOn"] == {"component", "system"}
    assert kinds["owner"] == {"group"} and kinds["providesApis"] == {"api"}


def test_the_location_lists_every_file_written(exported):
    out, entities = exported
    (location,) = [e for e in entities if e["kind"] == "Location"]
    assert sorted(location["spec"]["targets"]) == sorted(f"./{f}" for f in KIND_FILES.values())
    assert sorted(p.name for p in out.iterdir()) == sorted([*KIND_FILES.values(), LOCATION_FILE])


def test_covers_every_installed_capability_and_product(catalog, exported):
    _, entities = exported
    caps = catalog.capabilities.values()
    ids = {c.id for c in caps}

    def ids_of(kind: str, type_: str | None = None) -> set[str]:
        return {e["metadata"]["annotations"][A + "id"] for e in entities
                if e["kind"] == kind and (type_ is None or e["spec"].get("type") == type_)}

    assert ids_of("Domain") == set(catalog.domains)
    level = {i: catalog.get(i).level for i in ids}
    assert ids_of("System", "business-capability") == {i for i in ids if level[i] == Level.BUSINESS_CAPABILITY}
    assert ids_of("Component", "capability") == {i for i in ids if level[i] > Level.BUSINESS_CAPABILITY}
    apis = {(e["metadata"]["annotations"][A + "id"], e["metadata"]["annotations"][A + "version"])
            for e in entities if e["kind"] == "API"}
    assert apis == set(catalog.capabilities) and len(apis) == len(catalog.capabilities)
    products = {f.model.id for f in map(load_file, find_assemblies([ASSEMBLIES])) if f.kind == "product"}
    assert len(products) >= 7
    assert ids_of("Component", "product") == products
    owners = {e.owner for e in catalog.entries()} | {
        f.model.owner for f in map(load_file, find_assemblies([ASSEMBLIES])) if f.kind == "product"}
    assert {e["metadata"]["title"] for e in entities if e["kind"] == "Group"} == owners


def test_components_say_what_they_are_in_english_and_chinese(catalog, exported):
    _, entities = exported
    prescreen = _by_kind(entities, "Component")["risk.prescreen"]
    entry = catalog.get("risk.prescreen")
    meta = prescreen["metadata"]
    assert meta["title"] == entry.name and meta["annotations"][A + "name-zh"] == entry.name_zh == "风险预筛"
    assert meta["annotations"][A + "version"] == entry.version
    assert {"l3", "activity", "composite"} <= set(meta["tags"])
    assert prescreen["spec"]["lifecycle"] == entry.lifecycle.status.value
    assert prescreen["spec"]["owner"] == "group:hq.risk-platform"


def test_part_of_follows_composition_within_a_domain(exported):
    _, entities = exported
    components, systems = _by_kind(entities, "Component"), _by_kind(entities, "System")
    assert systems["risk.preloan"]["spec"]["domain"] == "domain:risk"
    prescreen = components["risk.prescreen"]["spec"]
    assert prescreen["system"] == "system:risk.preloan" and "subcomponentOf" not in prescreen
    antifraud = components["risk.prescreen.antifraud"]["spec"]
    assert antifraud["subcomponentOf"] == "component:risk.prescreen"
    assert antifraud["system"] == "system:risk.preloan"
    # composed only by another domain's capability (risk.intake): on its own domain's shelf,
    # the use still a dependsOn of the user
    kyc = components["customer.kyc.person"]["spec"]
    assert kyc["system"] == "system:customer-shelf" and "subcomponentOf" not in kyc
    assert systems["customer-shelf"]["spec"]["domain"] == "domain:customer"
    assert "component:customer.kyc.person" in components["risk.intake"]["spec"]["dependsOn"]


def test_dependencies_are_the_uses_and_the_steps_resolved(catalog, exported):
    _, entities = exported
    components = _by_kind(entities, "Component")
    prescreen = catalog.get("risk.prescreen")
    spec = components["risk.prescreen"]["spec"]
    assert spec["dependsOn"] == sorted(f"component:{u.id}" for u in prescreen.uses)
    resolved = [catalog.get(u.id, u.specifier) for u in prescreen.uses]
    assert spec["consumesApis"] == sorted(f"api:{e.id}-{e.version}" for e in resolved)
    assert spec["providesApis"] == [f"api:risk.prescreen-{prescreen.version}"]
    # a product that uses an L2 depends on its System and consumes its contract
    model = load_file(ASSEMBLIES / "hq" / "preloan_standard.yaml").model
    product = components[model.id]["spec"]
    for step in model.steps:
        used = catalog.get(step.uses, step.version)
        kind = "system" if used.level == Level.BUSINESS_CAPABILITY else "component"
        assert f"{kind}:{used.id}" in product["dependsOn"]
        assert f"api:{used.id}-{used.version}" in product["consumesApis"]
    assert product["type"] == "product"


def test_a_product_is_in_production_when_valid_and_its_lock_current(catalog, tmp_path):
    from jimu.lock import write_lock

    product = tmp_path / "screening.yaml"
    shutil.copy(ASSEMBLIES / "beijing" / "haidian_identity_screening.yaml", product)

    def exported() -> tuple[str, str]:
        (entity,) = [e for e in build_entities(catalog, [product]) if e["spec"].get("type") == "product"]
        return entity["spec"]["lifecycle"], entity["metadata"]["annotations"][A + "lock"]

    assert exported() == ("experimental", "none")
    write_lock(product, catalog)
    assert exported() == ("production", "current")
    lock = product.with_suffix(".lock.json")
    text = lock.read_text(encoding="utf-8")
    pinned = json.loads(text)["capabilities"][0]["version"]
    lock.write_text(text.replace(f'"version": "{pinned}"', '"version": "0.0.1"', 1), encoding="utf-8")
    assert exported() == ("experimental", "stale")


def test_an_api_definition_is_the_contract_as_json_schema(catalog, exported):
    _, entities = exported
    apis = _by_kind(entities, "API")
    python = catalog.get("risk.prescreen.scorecard")
    doc = json.loads(apis[f"risk.prescreen.scorecard-{python.version}"]["spec"]["definition"])
    assert apis[f"risk.prescreen.scorecard-{python.version}"]["spec"]["type"] == "jimu-contract"
    assert doc["input"]["properties"] == python.input.model_json_schema()["properties"]
    assert doc["output"]["required"] == python.output.model_json_schema().get("required", [])
    assert set(doc["reasons"]) == python.reason_codes
    composite = catalog.get("risk.prescreen")
    doc = json.loads(apis[f"risk.prescreen-{composite.version}"]["spec"]["definition"])
    assert set(doc["input"]["properties"]) == set(composite.assembly.inputs)
    assert set(doc["params"]["properties"]) == set(composite.assembly.exposes)
    assert doc["output"]["properties"]["decision"]  # inferred by validation
    for document in (doc["input"], doc["output"], doc["params"]):
        Draft7Validator.check_schema({k: v for k, v in document.items() if k != "$schema"})


def test_the_export_is_byte_identical_on_a_rerun(catalog, exported, tmp_path):
    out, _ = exported
    export_backstage(catalog, tmp_path, [ASSEMBLIES])
    for path in out.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml: only one emitter to compare")
def test_libyaml_and_pure_python_emitters_write_the_same_bytes(exported):
    from jimu.export import backstage

    out, _ = exported

    class Pure(yaml.SafeDumper):
        pass

    Pure.add_representer(str, backstage._str)
    for path in sorted(out.glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
        assert backstage._dump(docs, Pure) == path.read_text(encoding="utf-8"), path.name


def test_with_a_map_url_every_entity_links_its_page_on_the_map(catalog, tmp_path):
    from jimu.map import generate

    base = "https://portal.example/jimu/map/"
    entities = build_entities(catalog, [ASSEMBLIES], map_url=base.rstrip("/"))
    generate(catalog, ASSEMBLIES, tmp_path / "map")
    linked = [e for e in entities if e["metadata"].get("links")]
    assert {e["kind"] for e in linked} == {"Domain", "System", "Component", "API"}
    assert len(linked) == len([e for e in entities if e["kind"] != "Group"])
    for entity in linked:
        (link,) = entity["metadata"]["links"]
        assert link["url"].startswith(base) and link["url"].endswith("/")
        page = link["url"][len(base):].rstrip("/") + ".md"
        assert (tmp_path / "map" / page).is_file(), (entity["metadata"]["name"], page)
    assert [e["metadata"]["name"] for e in entities if schema_errors(e) or field_format_problems(e)] == []


def test_cli_refuses_a_map_url_that_is_not_a_url(jimu_cmd, tmp_path):
    result = jimu_cmd("export", "backstage", "--out", str(tmp_path), "--map-url", "docs/map")
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr


# -- deliberately bad entities fail ----------------------------------------------------------------


@pytest.mark.parametrize("breakage", [
    lambda e: e["spec"].pop("owner"),
    lambda e: e["spec"].__setitem__("lifecycle", ""),
    lambda e: e["spec"].__setitem__("dependsOn", "component:x"),  # must be a list
    lambda e: e["metadata"].__setitem__("title", 3),
    lambda e: e.__setitem__("apiVersion", "backstage.io/v2"),
    lambda e: e.__setitem__("unexpected", True),
])
def test_a_broken_component_fails_the_schema(exported, breakage):
    _, entities = exported
    entity = copy.deepcopy(_by_kind(entities, "Component")["risk.prescreen"])
    assert schema_errors(entity) == []
    breakage(entity)
    assert schema_errors(entity)


def test_an_api_without_its_definition_and_a_group_without_children_fail(exported):
    _, entities = exported
    api = copy.deepcopy(next(e for e in entities if e["kind"] == "API"))
    api["spec"].pop("definition")
    group = copy.deepcopy(next(e for e in entities if e["kind"] == "Group"))
    group["spec"].pop("children")
    assert "'definition' is a required property" in schema_errors(api)
    assert "'children' is a required property" in schema_errors(group)
    assert schema_errors({**group, "kind": "Capability"})  # no schema for an invented kind


def test_bad_names_fail_the_field_rules(exported):
    _, entities = exported
    entity = copy.deepcopy(_by_kind(entities, "Component")["risk.prescreen"])
    for bad in ("risk prescreen", "risk.prescreen_", "x" * 64, "-risk", "风险"):
        entity["metadata"]["name"] = bad
        assert field_format_problems(entity), bad
    entity["metadata"]["name"] = "risk.prescreen"
    entity["metadata"]["tags"] = ["Pre-loan"]
    assert field_format_problems(entity) == ["tags.0: 'Pre-loan' is not valid (is_tag)"]


def test_every_jimu_lifecycle_has_a_backstage_one():
    assert set(LIFECYCLE) == set(Status)
    assert [LIFECYCLE[s] for s in (Status.EXPERIMENTAL, Status.PRODUCTION, Status.DEPRECATED)] == [
        "experimental", "production", "deprecated"]


# -- two versions of one id; the command --------------------------------------------------------------


def test_two_installed_versions_are_two_apis_of_one_component(with_test_plugins):
    catalog = jimu.load_catalog(allow=["jimu-credit", "jimu-test-good", "jimu-test-nextgen"])
    versions = [e.version for e in catalog.versions("acme.step.double")]
    assert len(versions) >= 2
    entities = build_entities(catalog, [])
    double = _by_kind(entities, "Component")["acme.step.double"]
    assert double["spec"]["providesApis"] == [f"api:acme.step.double-{v}" for v in versions]
    assert double["metadata"]["annotations"][A + "versions"] == ", ".join(versions)
    apis = _by_kind(entities, "API")
    assert {apis[f"acme.step.double-{v}"]["metadata"]["annotations"][A + "version"] for v in versions} == set(versions)
    assert len({(e["kind"], e["metadata"]["name"]) for e in entities}) == len(entities)
    assert [e["metadata"]["name"] for e in entities if schema_errors(e) or field_format_problems(e)] == []
    assert len([e for e in entities if e["kind"] == "API"]) == len(catalog.capabilities)


def test_cli_writes_the_files_and_says_how_many(jimu_cmd, tmp_path):
    result = jimu_cmd("export", "backstage", "--out", str(tmp_path / "bs"), "--assemblies", str(ASSEMBLIES))
    assert result.returncode == 0, result.stderr
    assert "entities" in result.stdout and "catalog-info.yaml" in result.stdout
    assert (tmp_path / "bs" / LOCATION_FILE).is_file()


def test_cli_warns_of_unreadable_and_invalid_products(jimu_cmd, tmp_path):
    (tmp_path / "broken.yaml").write_text("kind: product\nid: [\n", encoding="utf-8")
    text = (ASSEMBLIES / "beijing" / "haidian_identity_screening.yaml").read_text(encoding="utf-8")
    (tmp_path / "typo.yaml").write_text(text.replace("uses: risk.intake", "uses: risk.intak"), encoding="utf-8")
    result = jimu_cmd("export", "backstage", "--out", str(tmp_path / "bs"), "--assemblies", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "broken.yaml: not a readable assembly, left out" in result.stderr
    assert "typo.yaml: has validation errors; exported as experimental" in result.stderr
    (product,) = [e for e in _read(tmp_path / "bs") if e["spec"].get("type") == "product"]
    assert product["spec"]["lifecycle"] == "experimental"
    assert product["metadata"]["annotations"][A + "valid"] == "false"


def test_the_command_and_its_options_are_documented():
    page = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    section = page.split("## `jimu export`", 1)[1].split("\n## ", 1)[0]
    from jimu.cli import cli

    command = cli.commands["export"].commands["backstage"]
    assert "jimu export backstage" in section
    for param in command.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert opt in section, opt
    assert "## Jimu in Backstage" in (ROOT / "docs" / "architect-guide.md").read_text(encoding="utf-8")


def test_cli_refuses_two_products_with_one_id(jimu_cmd, tmp_path):
    source = ASSEMBLIES / "beijing" / "haidian_identity_screening.yaml"
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(source, tmp_path / name)
    result = jimu_cmd("export", "backstage", "--out", str(tmp_path / "bs"), "--assemblies", str(tmp_path))
    assert result.returncode == 1
    assert "two product files have the id" in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_duplicate_product_id_is_an_export_error(catalog, tmp_path):
    source = ASSEMBLIES / "beijing" / "haidian_identity_screening.yaml"
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(source, tmp_path / name)
    with pytest.raises(ExportError, match="two product files"):
        build_entities(catalog, [tmp_path])
