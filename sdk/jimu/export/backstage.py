"""The installed catalog and the product assemblies as Backstage catalog entities.

One entity per thing a developer portal shows (``apiVersion: backstage.io/v1alpha1``):

==========  ===========================================  =========================================
Kind        one per                                      name
==========  ===========================================  =========================================
Domain      L1 domain                                    the domain id (``risk``)
System      L2 business capability                       its id (``risk.preloan``)
System      domain whose L3–L5 capabilities are not      ``<domain>-shelf``
            all part of one of its L2s (its "shelf")
Component   L3–L5 capability id (type ``capability``)    its id (``risk.prescreen``)
Component   product assembly (type ``product``)          its id
API         installed capability *version* (L2–L5),      ``<id>-<version>`` (``risk.prescreen-1.1.0``)
            type ``jimu-contract``
Group       owner (type ``team``)                        the owner (``hq.risk-platform``)
Location    the export (``catalog-info.yaml``)           ``jimu-catalog``
==========  ===========================================  =========================================

Versions: a Component stands for a capability id (its newest installed version, as the map shows
it; every installed version is listed in the ``jimu.dev/versions`` annotation), and each installed
version has its own API entity, because contracts change between versions: two versions of one id
never collide, since Jimu ids never contain ``-``. A name Backstage would refuse (over 63
characters, or ending in ``_``) is shortened with a hash (:func:`.names.entity_name`); the
``jimu.dev/id`` annotation always keeps the original.

Relations (Backstage derives them from these spec fields):

- ``partOf``: an L2's System is in its Domain (``spec.domain``); an L3–L5 Component is
  ``spec.subcomponentOf`` the capability of its own domain that composes it (the nearest level,
  then the first id), and ``spec.system`` the L2 that parent belongs to; composed by no capability
  of its domain, it belongs to the domain's shelf System. Composition is a DAG and ``partOf`` is a
  tree: every other use is still a ``dependsOn``.
- ``dependsOn``: what the capability's installed versions use, or the product's steps use
  (``component:`` for L3–L5, ``system:`` for an L2); ``consumesApis``: the exact versions those uses
  resolve to today; ``providesApis``: a capability's versions.
- ``ownedBy``: ``spec.owner`` is the Group of the entry's owner.

Lifecycle: Jimu's ``experimental``, ``production`` and ``deprecated`` are Backstage's three
well-known values and are kept; ``retired`` is kept as it is (Backstage's lifecycle is free text).
A product has no lifecycle of its own: it is ``production`` when it validates and its lock file is
current (what ``jimu run`` runs), else ``experimental``; the ``jimu.dev/lock`` annotation says
``current``, ``stale`` or ``none``. A deprecated entry's successor and sunset date are annotations.

Output is sorted and has no timestamps: the same catalog and assemblies give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..contracts import Entry, Level, Status
from .contract_schema import contract_definition
from .names import entity_name, tag

if TYPE_CHECKING:
    from ..catalog import Catalog

__all__ = ["BackstageExport", "ExportError", "KIND_FILES", "LIFECYCLE", "build_entities", "export_backstage",
           "relation_refs", "write_entities"]

API_VERSION = "backstage.io/v1alpha1"
A = "jimu.dev/"  # the prefix of Jimu's labels and annotations
LOCATION_FILE = "catalog-info.yaml"
LOCATION_NAME = "jimu-catalog"
API_TYPE = "jimu-contract"
#: one multi-document file per kind, listed by the Location in catalog-info.yaml
KIND_FILES = {"Domain": "domains.yaml", "System": "systems.yaml", "Component": "components.yaml",
              "API": "apis.yaml", "Group": "groups.yaml"}
LIFECYCLE = {Status.EXPERIMENTAL: "experimental", Status.PRODUCTION: "production",
             Status.DEPRECATED: "deprecated", Status.RETIRED: "retired"}
SHELF = "-shelf"
_KIND_ORDER = {kind: i for i, kind in enumerate([*KIND_FILES, "Location"])}
#: the kind an entity reference in each spec field means when it does not say (Backstage's defaults)
REF_FIELDS = {"owner": "group", "domain": "domain", "system": "system", "subcomponentOf": "component",
              "providesApis": "api", "consumesApis": "api", "dependsOn": None, "parent": "group",
              "children": "group", "subdomainOf": "domain"}


class ExportError(ValueError):
    """The catalog or the assemblies cannot be exported as they are (two things would share a name)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class _Product:
    id: str
    version: str
    owner: str
    name: str
    name_zh: str
    description: str
    branch: str
    file: str
    node: str  # its node in the usage graph
    valid: bool
    lock: str  # "current", "stale" or "none"


@dataclass
class BackstageExport:
    """What an export wrote, and the assembly files it could not read (left out: `jimu validate` says why)."""

    entities: list[dict[str, Any]]  # the Location last
    files: list[Path]
    unreadable: list[str]
    invalid: list[str]  # products exported, but with validation errors (lifecycle experimental)


# -- building ---------------------------------------------------------------------------------------


def build_entities(catalog: Catalog, assemblies: Iterable[Path] = (), *,
                   map_url: str | None = None) -> list[dict[str, Any]]:
    """Every entity, sorted by kind then name (the Location is added by :func:`write_entities`).

    ``map_url``: the capability map's base URL (where its ``index.md`` is served); each domain,
    capability, contract and product then links to its page there (``metadata.links``).
    """
    return _Builder(catalog, list(assemblies), map_url).build()


class _Builder:
    def __init__(self, catalog: Catalog, assemblies: list[Path], map_url: str | None = None):
        from ..assembly import find_assemblies, load_file
        from ..assembly.validate import Validator
        from ..governance.impact import usage_graph

        self.catalog = catalog
        self.map_url = map_url.rstrip("/") + "/" if map_url else None
        files = [load_file(p) for p in find_assemblies(assemblies)]
        self.unreadable = [_shown(Path(f.path)) for f in files if f.model is None]
        self.validator = Validator(catalog, files)
        analyses = self.validator.validate_all(files) if files else []
        self.graph = usage_graph(catalog, files, self.validator)
        self.latest: dict[str, Entry] = {}
        for cap in sorted(catalog.capabilities.values(), key=lambda c: (c.id, c.parsed_version)):
            if not cap.parsed_version.is_prerelease or cap.id not in self.latest:
                self.latest[cap.id] = cap  # the newest final release, as the map and `get` choose
        self.products = self._products(analyses)
        self._parent: dict[str, str | None] = {}
        self._users: dict[str, set[str]] | None = None
        self._system: dict[str, str] = {}

    # -- reading the usage graph

    def _installed(self, node: str) -> Entry | None:
        data = self.graph.nodes[node]
        if data["kind"] == "product":
            return None
        return self.catalog.capabilities.get((data["id"], data["version"]))

    def _uses(self, nodes: Iterable[str]) -> list[Entry]:
        """The installed entries the given usage-graph nodes use, resolved as today; a local
        composite file that is not installed is left out (it is not in the portal)."""
        found = {}
        for node in nodes:
            if node not in self.graph:
                continue
            for target in self.graph.successors(node):
                entry = self._installed(target)
                if entry is not None:
                    found[entry.key] = entry
        return sorted(found.values(), key=lambda e: (e.id, e.parsed_version))

    def _products(self, analyses) -> list[_Product]:
        from ..assembly.model import ProductAssembly
        from ..governance.impact import PRODUCT
        from ..lock import check_analysis, lock_path

        products: dict[str, _Product] = {}
        for analysis in analyses:
            model = analysis.file.model
            if not isinstance(model, ProductAssembly):
                continue
            path = Path(analysis.file.path)
            lock = "none"
            if lock_path(path).is_file():  # stale as `jimu validate` judges it (and `jimu run` refuses it)
                lock = "stale" if not analysis.ok or check_analysis(analysis, self.catalog) else "current"
            product = _Product(model.id, model.version, model.owner, model.name, model.name_zh, model.description,
                               model.branch, _shown(path), PRODUCT + analysis.file.display, analysis.ok, lock)
            if model.id in products:
                raise ExportError(f"two product files have the id {model.id}: {products[model.id].file} and "
                                  f"{product.file}", "give each product its own id (jimu validate reports this too)")
            products[model.id] = product
        return sorted(products.values(), key=lambda p: p.id)

    # -- partOf

    def parent(self, cap_id: str) -> str | None:
        """The capability of its own domain that composes ``cap_id`` (the newest versions' edges):
        the nearest level first, then the first id; None when no capability of its domain does."""
        if self._users is None:  # id -> ids whose newest version uses it: one pass over the graph
            self._users = {}
            for user in self.latest.values():
                for used in self._uses([user.key]):
                    self._users.setdefault(used.id, set()).add(user.id)
        if cap_id not in self._parent:
            entry = self.latest[cap_id]
            users = [self.latest[u] for u in self._users.get(cap_id, ())]
            users = sorted((u for u in users if u.domain == entry.domain and u.level < entry.level),
                           key=lambda u: (-u.level, u.id))
            self._parent[cap_id] = users[0].id if users else None
        return self._parent[cap_id]

    def system(self, cap_id: str) -> str:
        """The System name an L2–L5 capability belongs to (its own for an L2)."""
        if cap_id not in self._system:
            entry = self.latest[cap_id]
            if entry.level == Level.BUSINESS_CAPABILITY:
                found = entity_name(cap_id)
            else:
                parent = self.parent(cap_id)  # always a shallower level: the walk ends
                found = self.system(parent) if parent else entity_name(entry.domain + SHELF)
            self._system[cap_id] = found
        return self._system[cap_id]

    # -- entities

    def build(self) -> list[dict[str, Any]]:
        entities = [self.domain(d) for d in sorted(self.catalog.domains)]
        caps = sorted(self.latest.values(), key=lambda e: e.id)
        entities += [self.l2_system(e) for e in caps if e.level == Level.BUSINESS_CAPABILITY]
        entities += self.shelves(caps)
        entities += [self.capability(e) for e in caps if e.level > Level.BUSINESS_CAPABILITY]
        entities += [self.product(p) for p in self.products]
        versions = sorted(self.catalog.capabilities.values(), key=lambda e: (e.id, e.parsed_version))
        entities += [self.api(v) for v in versions]
        owners = {e.owner for e in self.catalog.entries()} | {p.owner for p in self.products}
        entities += [self.group(o) for o in sorted(owners)]
        _check_unique(entities)
        return sorted(entities, key=lambda e: (_KIND_ORDER[e["kind"]], e["metadata"]["name"]))

    def _meta(self, entry: Entry, extra: dict[str, str] | None = None) -> dict[str, Any]:
        annotations = {
            A + "id": entry.id,
            A + "name-zh": entry.name_zh,
            A + "level": str(int(entry.level)),
            A + "kind": entry.kind.value,
            A + "version": entry.version,
        }
        source = self.catalog.source(entry)
        if source.distribution:
            annotations[A + "distribution"] = f"{source.distribution} {source.dist_version}"
        life = entry.lifecycle
        if life.successor:
            annotations[A + "successor"] = life.successor
        if life.sunset:
            annotations[A + "sunset"] = life.sunset.isoformat()
        annotations.update(extra or {})
        page = f"domains/{entry.id}/" if entry.level == Level.DOMAIN else f"capabilities/{entry.id}/"
        tags = {f"l{int(entry.level)}", tag(entry.level.label), entry.kind.value} | {tag(t) for t in entry.tags}
        meta: dict[str, Any] = {
            "name": entity_name(entry.id),
            "title": entry.name,
            "description": entry.description.strip() or entry.name,
            "labels": {A + "level": str(int(entry.level)), A + "domain": entity_name(entry.domain)},
            "annotations": dict(sorted(annotations.items())),
            "tags": sorted(t for t in tags if t),
        }
        self._link(meta, page)
        return meta

    def _link(self, meta: dict[str, Any], page: str) -> None:
        # the map's pages are at <map>/<folder>/<id>/ (MkDocs' directory URLs; ids are URL-safe)
        if self.map_url:
            meta["links"] = [{"url": self.map_url + page, "title": "Capability map 能力地图", "icon": "docs"}]

    def _versions(self, entry: Entry) -> dict[str, str]:
        versions = self.catalog.versions(entry.id)
        uses = sorted({f"{u.id}{u.specifier}" for v in versions for u in getattr(v, "uses", ())})
        extra = {A + "versions": ", ".join(v.version for v in versions),
                 A + "lifecycle": entry.lifecycle.status.value}
        if uses:
            extra[A + "uses"] = ", ".join(uses)
        return extra

    def domain(self, d: str) -> dict[str, Any]:
        entry = self.catalog.domains[d]
        return _entity("Domain", self._meta(entry), {"owner": _ref("group", entry.owner)})

    def l2_system(self, entry: Entry) -> dict[str, Any]:
        spec = {"owner": _ref("group", entry.owner), "type": "business-capability"}
        if entry.domain in self.catalog.domains:
            spec["domain"] = _ref("domain", entry.domain)
        return _entity("System", self._meta(entry, self._versions(entry)), spec)

    def shelves(self, caps: list[Entry]) -> list[dict[str, Any]]:
        found = []
        for d in sorted({e.domain for e in caps if e.level > Level.BUSINESS_CAPABILITY
                         and self.system(e.id) == entity_name(e.domain + SHELF)}):
            domain = self.catalog.domains.get(d)
            owner = domain.owner if domain else next(e.owner for e in caps if e.domain == d)
            title = f"{domain.name if domain else d}: shelf"
            meta = {
                "name": entity_name(d + SHELF),
                "title": title,
                "description": f"Capabilities of the {d} domain that none of its business capabilities (L2) "
                               "composes: building blocks used by other domains, used directly by products, "
                               "or not used yet.",
                "labels": {A + "domain": entity_name(d)},
                "annotations": {A + "name-zh": f"{domain.name_zh if domain else d}：能力货架"},
                "tags": ["shelf"],
            }
            spec = {"owner": _ref("group", owner), "type": "shelf"}
            if domain:
                spec["domain"] = _ref("domain", d)
            self._link(meta, f"domains/{d}/")
            found.append(_entity("System", meta, spec))
        return found

    def _depends(self, uses: list[Entry]) -> tuple[list[str], list[str]]:
        """(dependsOn, consumesApis) for what a component's versions or a product's steps use."""
        depends = {_ref("system" if e.level == Level.BUSINESS_CAPABILITY else "component", e.id) for e in uses}
        apis = {_ref("api", f"{e.id}-{e.version}") for e in uses}
        return sorted(depends), sorted(apis)

    def capability(self, entry: Entry) -> dict[str, Any]:
        versions = self.catalog.versions(entry.id)
        depends, apis = self._depends(self._uses(v.key for v in versions))
        spec: dict[str, Any] = {
            "type": "capability",
            "lifecycle": LIFECYCLE[entry.lifecycle.status],
            "owner": _ref("group", entry.owner),
            "system": _ref("system", self.system(entry.id), named=True),
        }
        parent = self.parent(entry.id)
        if parent is not None and self.latest[parent].level > Level.BUSINESS_CAPABILITY:
            spec["subcomponentOf"] = _ref("component", parent)
        spec["providesApis"] = [_ref("api", f"{v.id}-{v.version}") for v in versions]
        if apis:
            spec["consumesApis"] = apis
        if depends:
            spec["dependsOn"] = depends
        return _entity("Component", self._meta(entry, self._versions(entry)), spec)

    def product(self, p: _Product) -> dict[str, Any]:
        depends, apis = self._depends(self._uses([p.node]))
        meta = {
            "name": entity_name(p.id),
            "title": p.name,
            "description": p.description.strip() or p.name,
            "labels": {A + "branch": entity_name(p.branch)},
            "annotations": dict(sorted({
                A + "id": p.id, A + "name-zh": p.name_zh, A + "version": p.version, A + "branch": p.branch,
                A + "file": p.file, A + "valid": str(p.valid).lower(), A + "lock": p.lock,
            }.items())),
            "tags": ["product"],
        }
        self._link(meta, f"products/{p.id}/")
        lifecycle = "production" if p.valid and p.lock == "current" else "experimental"
        spec: dict[str, Any] = {"type": "product", "lifecycle": lifecycle, "owner": _ref("group", p.owner)}
        if apis:
            spec["consumesApis"] = apis
        if depends:
            spec["dependsOn"] = depends
        return _entity("Component", meta, spec)

    def api(self, entry: Entry) -> dict[str, Any]:
        meta = self._meta(entry, {A + "lifecycle": entry.lifecycle.status.value})
        meta["name"] = entity_name(f"{entry.id}-{entry.version}")
        meta["title"] = f"{entry.name} {entry.version}"
        spec = {
            "type": API_TYPE,
            "lifecycle": LIFECYCLE[entry.lifecycle.status],
            "owner": _ref("group", entry.owner),
            "system": _ref("system", self.system(entry.id), named=True),
            "definition": contract_definition(entry, self.catalog, self.validator),
        }
        return _entity("API", meta, spec)

    def group(self, owner: str) -> dict[str, Any]:
        meta = {"name": entity_name(owner), "title": owner,
                "description": f"Owner of Jimu capabilities or products: {owner}", "annotations": {A + "owner": owner}}
        return _entity("Group", meta, {"type": "team", "profile": {"displayName": owner}, "children": []})


def _entity(kind: str, metadata: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}


def _ref(kind: str, text: str, *, named: bool = False) -> str:
    """``kind:name`` in the default namespace; ``named`` when ``text`` is already an entity name."""
    return f"{kind}:{text if named else entity_name(text)}"


def _shown(path: Path) -> str:
    """A product file as the annotation shows it: relative to the working directory when under it,
    so that the export does not depend on where the checkout lives."""
    resolved, here = path.resolve(), Path.cwd().resolve()
    return resolved.relative_to(here).as_posix() if resolved.is_relative_to(here) else path.as_posix()


def _check_unique(entities: list[dict[str, Any]]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for e in entities:
        key = (e["kind"], e["metadata"]["name"])
        what = e["metadata"].get("annotations", {}).get(A + "id") or e["metadata"]["name"]
        if key in seen:
            raise ExportError(f"{seen[key]} and {what} would both be the Backstage {key[0]} {key[1]!r}",
                              "a product's id must differ from every capability id")
        seen[key] = what


# -- relations --------------------------------------------------------------------------------------


def relation_refs(entity: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """``(field, kind, namespace, name)`` for every entity reference in ``entity``'s spec, read the way
    Backstage reads it (``[kind:][namespace/]name``, the field's default kind when it has none)."""
    found = []
    for field, default in REF_FIELDS.items():
        value = entity.get("spec", {}).get(field)
        for ref in [value] if isinstance(value, str) else (value or []):
            kind, _, rest = ref.rpartition(":") if ":" in ref else (default or "", "", ref)
            namespace, _, name = rest.rpartition("/")
            found.append((field, kind.lower(), namespace or "default", name))
    return found


# -- writing ----------------------------------------------------------------------------------------


# libyaml's emitter when PyYAML has it: ten times faster (1,000 APIs' definitions took 6 s of the
# pure-Python emitter), and it writes the same bytes (a test compares the two on a real export)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):
    """Block style for multi-line strings (an API's definition reads as JSON, not as one escaped line)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.splitlines()) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)

HEADER = "# Generated by `jimu export backstage`: do not edit; export again instead.\n"


def _dump(documents: list[dict[str, Any]], dumper: type = _Dumper) -> str:
    body = yaml.dump_all(documents, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100,
                         explicit_start=True)
    return HEADER + body


def location(files: list[str]) -> dict[str, Any]:
    return _entity("Location", {"name": LOCATION_NAME, "title": "Jimu capability catalog",
                                "description": "Jimu's domains, capabilities, contracts, products and owners, "
                                               "exported by `jimu export backstage`."},
                   {"targets": [f"./{f}" for f in files]})


def write_entities(entities: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """One multi-document YAML file per kind, and ``catalog-info.yaml`` with a Location listing them
    (register that one file in Backstage). Returns the files written, sorted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    files = []
    for kind, file in KIND_FILES.items():
        docs = [e for e in entities if e["kind"] == kind]
        if not docs:
            continue
        (out_dir / file).write_text(_dump(docs), encoding="utf-8")
        written.append(out_dir / file)
        files.append(file)
    (out_dir / LOCATION_FILE).write_text(_dump([location(sorted(files))]), encoding="utf-8")
    written.append(out_dir / LOCATION_FILE)
    return sorted(written)


def export_backstage(catalog: Catalog, out_dir: Path, assemblies: Iterable[Path] = (), *,
                     map_url: str | None = None) -> BackstageExport:
    """Build every entity (:func:`build_entities`) and write them under ``out_dir``."""
    builder = _Builder(catalog, list(assemblies), map_url)
    entities = builder.build()
    written = write_entities(entities, out_dir)
    entities.append(location(sorted(p.name for p in written if p.name != LOCATION_FILE)))
    return BackstageExport(entities, written, builder.unreadable, [p.file for p in builder.products if not p.valid])
