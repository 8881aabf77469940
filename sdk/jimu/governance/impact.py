"""Impact: what a change to one capability reaches, and which products under ``assemblies/`` it breaks.

One usage graph (networkx) over the installed catalog and the assembly files: a node per
installed entry (``id@version``), per local composite file and per product file (``product:<path>``);
an edge *user → used* per step (products, composites: the edge carries the step id) or per
declared ``uses`` (Python capabilities), each resolved to the version it would get today, with
the specifier it was chosen under. The capability map and ``jimu impact`` both read it, so an
architect's page and the CI gate give the same answer.

What "would break" means, for a proposed change to capability ``ID``:

- ``ID@VERSION`` (a release that replaces the installed versions): every edge into ``ID`` whose
  specifier does not admit ``VERSION`` breaks; so does one that admits it when ``VERSION`` is
  installed and its contract differs breakingly from the version the edge resolves to today
  (:mod:`.diff`);
- ``remove=True`` (uninstalling ``ID``): every edge into it breaks.

A product (or composite, or capability) breaks when one of its own edges breaks, or when it
reaches (through composites and capabilities' ``uses``) a user whose edge broke. Plain ``ID`` only lists what is affected.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from ..capability import Capability
from ..composite import Composite
from ..contracts import Kind

if TYPE_CHECKING:
    import networkx as nx

    from ..assembly.load import LoadedFile
    from ..assembly.validate import Validator
    from ..catalog import Catalog

PRODUCT = "product:"


@dataclass(frozen=True)
class Hop:
    """One node on a path: a product, a composite or a capability, entered through ``step`` (or ``uses``)."""

    kind: str  # product, composite, capability
    id: str
    version: str = ""
    step: str | None = None  # the step of the previous node that reaches this one; None for ``uses``

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}" if self.version else self.id


@dataclass
class Affected:
    """One composite, capability or product the change reaches, with the (shortest) path to it."""

    kind: str
    id: str
    version: str
    path: list[Hop]  # from the affected item down to the changed capability
    file: str | None = None  # a product's (or local composite's) YAML
    breaks: bool = False
    why: list[str] = field(default_factory=list)

    def path_text(self) -> str:
        parts = []
        for hop in self.path:
            if parts:
                parts.append(f"step {hop.step}" if hop.step else "uses")
            parts.append(hop.key)
        return " → ".join(parts)

    def ids(self) -> list[str]:
        """The path as ids, from the changed capability up to this item (as the map has drawn it)."""
        return [h.id for h in reversed(self.path)]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "version": self.version, "file": self.file,
                "breaks": self.breaks, "why": self.why, "path": self.path_text(),
                "hops": [{"kind": h.kind, "id": h.id, "version": h.version, "step": h.step} for h in self.path]}


@dataclass
class Impact:
    cap_id: str
    version: str | None  # the proposed version, or None
    removed: bool
    affected: list[Affected]

    @property
    def products(self) -> list[Affected]:
        return [a for a in self.affected if a.kind == "product"]

    @property
    def breaking(self) -> list[Affected]:
        return [a for a in self.products if a.breaks]

    def by_id(self) -> list[tuple[str, str, list[str]]]:
        """One row per affected id (its shortest path over all versions), as the capability map
        lists them: ``(kind, id, ids from the changed capability up)``, kind ``product`` or
        ``capability`` (composites included), capabilities first, each group by id."""
        best: dict[tuple[str, str], list[str]] = {}
        for a in self.affected:
            kind = "product" if a.kind == "product" else "capability"
            ids = a.ids()
            if (kind, a.id) not in best or len(ids) < len(best[kind, a.id]):
                best[kind, a.id] = ids
        return [(kind, item, best[kind, item]) for kind, item in sorted(best, key=lambda k: (k[0] == "product", k[1]))]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.cap_id, "version": self.version, "remove": self.removed,
                "breaks": bool(self.breaking), "affected": [a.to_json() for a in self.affected]}


# -- the usage graph ------------------------------------------------------------------------------


def usage_graph(catalog: Catalog, assemblies: list[Path | LoadedFile] | None = None, validator: Validator | None = None) -> nx.DiGraph:
    """Installed entries, local composites and products, with an edge per use resolved as of today.

    ``assemblies`` are YAML files (products and composites), as paths or loaded; a file that cannot be read is left
    out (``jimu validate`` reports it). Edges: ``step`` (id or None), ``uses`` (the id named),
    ``specifier``.
    """
    import networkx as nx

    from ..assembly import load_file
    from ..assembly.load import LoadedFile
    from ..assembly.model import CompositeAssembly, ProductAssembly
    from ..assembly.validate import Validator

    # already-loaded files (the map has them) are used as they are: no second parse
    files = [p if isinstance(p, LoadedFile) else load_file(Path(p)) for p in assemblies or ()]
    files = [f for f in files if f.model is not None]
    resolver = validator or Validator(catalog, files)
    g = nx.DiGraph()
    pending: list[tuple[str, str | None, str, str]] = []  # (user node, step id, used id, specifier)
    for entry in catalog.entries():
        if entry.kind is Kind.DOMAIN:
            continue
        g.add_node(entry.key, kind="composite" if isinstance(entry, Composite) else "capability",
                   id=entry.id, version=entry.version, file=getattr(entry, "path", None))
        if isinstance(entry, Composite):
            pending += [(entry.key, s.id, s.uses, s.version) for s in entry.assembly.steps]
        elif isinstance(entry, Capability):
            pending += [(entry.key, None, u.id, u.specifier) for u in entry.uses]
    for f in sorted(files, key=lambda f: str(f.path)):
        model = f.model
        if isinstance(model, CompositeAssembly):  # a local file stands for the installed composite
            key = f"{model.id}@{model.version}"
            if key in g:
                pending = [p for p in pending if p[0] != key]
            g.add_node(key, kind="composite", id=model.id, version=model.version, file=f.display)
        elif isinstance(model, ProductAssembly):
            key = PRODUCT + f.display  # by file: two files with one id (a J-error) stay two products
            g.add_node(key, kind="product", id=model.id, version=model.version, file=f.display)
        else:
            continue
        pending += [(key, s.id, s.uses, s.version) for s in model.steps]
    for user, step, used, specifier in pending:
        found, _ = resolver.resolve(used, specifier)
        if found is None:
            continue  # already unresolvable: validation's J201/J202, not a change's impact
        model = getattr(found, "model", None)
        target = f"{model.id}@{model.version}" if model is not None else found.key
        if target in g:
            g.add_edge(user, target, step=step, uses=used, specifier=specifier)
    return g


# -- impact ----------------------------------------------------------------------------------------


def impact(graph: nx.DiGraph, cap_id: str, version: str | None = None, *, remove: bool = False,
           catalog: Catalog | None = None) -> Impact:
    """Everything that reaches ``cap_id`` (any installed version), with paths, and what would break.

    ``catalog`` lets a proposed ``version`` that is installed be compared by contract (:mod:`.diff`).
    """
    targets = sorted((n for n, d in graph.nodes(data=True) if d.get("id") == cap_id and d["kind"] != "product"),
                     key=_version_key)
    parent = _reverse_bfs(graph, targets)
    broken_users = _broken_users(graph, targets, cap_id, version, remove, catalog)
    result = Impact(cap_id, version, remove, [])
    for node in parent:
        if node in targets:
            continue
        data = graph.nodes[node]
        path = _path(graph, parent, node)
        why = list(broken_users.get(node, ()))
        if not why:  # it may still reach a user whose edge breaks: then it breaks with it
            hit = _first_broken_below(graph, node, broken_users, set(targets))
            if hit is not None:
                path, user = hit
                why = [f"{_hop(graph, user, None).key}: {reason}" for reason in broken_users[user]]
        result.affected.append(Affected(data["kind"], data["id"], data["version"], path, data.get("file"),
                                        bool(why), why))
    order = {"composite": 0, "capability": 1, "product": 2}
    result.affected.sort(key=lambda a: (order[a.kind], a.id, _version_key(a.version)))
    return result


def _version_key(text: str) -> Any:
    try:
        return Version(text.rpartition("@")[2])
    except InvalidVersion:
        return Version("0")


def _reverse_bfs(graph: nx.DiGraph, targets: list[str]) -> dict[str, str | None]:
    """Each node that reaches a target → the next node on a shortest path towards it."""
    parent: dict[str, str | None] = {t: None for t in targets}
    queue = deque(targets)
    while queue:
        node = queue.popleft()
        for user in sorted(graph.predecessors(node)):
            if user not in parent:
                parent[user] = node
                queue.append(user)
    return parent


def _hop(graph: nx.DiGraph, node: str, step: str | None) -> Hop:
    data = graph.nodes[node]
    return Hop(data["kind"], data["id"], "" if data["kind"] == "product" else data["version"], step)


def _path(graph: nx.DiGraph, parent: dict[str, str | None], node: str) -> list[Hop]:
    hops = [_hop(graph, node, None)]
    while parent[node] is not None:
        nxt = parent[node]
        hops.append(_hop(graph, nxt, graph.edges[node, nxt]["step"]))
        node = nxt
    return hops


def _broken_users(graph, targets, cap_id, version, remove, catalog) -> dict[str, list[str]]:
    """Each user node whose own edge into ``cap_id`` would break → why."""
    broken: dict[str, list[str]] = {}
    if not remove and version is None:
        return broken
    proposed = None
    if version is not None and catalog is not None:
        proposed = next((catalog.capabilities.get((cap_id, v.version)) for v in catalog.versions(cap_id)
                         if Version(v.version) == Version(version)), None)
    diffs: dict[str, Any] = {}
    for target in targets:
        for user in graph.predecessors(target):
            edge = graph.edges[user, target]
            where = f"step {edge['step']} " if edge["step"] else ""
            if remove:
                reason = f"{where}uses {cap_id}, which would be removed"
            elif not SpecifierSet(edge["specifier"]).contains(version, prereleases=True):
                reason = f"{where}uses {cap_id}{edge['specifier'] or ''}, which does not admit {version}"
            elif proposed is not None and target != proposed.key:
                current = catalog.capabilities.get((cap_id, graph.nodes[target]["version"]))
                if current is None:
                    continue  # a local composite file not installed yet: nothing installed to compare
                if target not in diffs:
                    from .diff import diff_entries

                    diffs[target] = diff_entries(current, proposed, catalog)
                change = diffs[target]
                if not change.breaking:
                    continue
                first = change.breaking_changes[0]
                reason = (f"{where}gets {cap_id} {change.old} today; {version} breaks its contract "
                          f"({first.section} {first.name}: {first.change})")
            else:
                continue
            broken.setdefault(user, []).append(reason)
    return broken


def _first_broken_below(graph, product: str, broken_users: dict[str, list[str]],
                        targets: set[str]) -> tuple[list[Hop], str] | None:
    """A shortest path from ``product`` through a user whose edge breaks down to the changed
    capability, and that user."""
    if not broken_users:
        return None
    parent: dict[str, str | None] = {product: None}
    queue = deque([product])
    while queue:
        node = queue.popleft()
        if node in broken_users:
            chain = [node]
            while parent[chain[-1]] is not None:
                chain.append(parent[chain[-1]])
            chain.reverse()
            hops = [_hop(graph, chain[0], None)]
            hops += [_hop(graph, b, graph.edges[a, b]["step"]) for a, b in zip(chain, chain[1:])]
            into = next(t for t in sorted(graph.successors(node)) if t in targets)
            hops.append(_hop(graph, into, graph.edges[node, into]["step"]))
            return hops, node
        for used in sorted(graph.successors(node)):
            if used not in parent:
                parent[used] = node
                queue.append(used)
    return None
