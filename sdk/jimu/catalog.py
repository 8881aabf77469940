"""The catalog: every installed domain, capability, reason code and resource, and how they compose.

Items arrive through :meth:`Catalog.registrar` (one callback per plugin, so every complaint names
its plugin), are checked one by one as they arrive, and are then checked together
(:meth:`Catalog.check`): dependencies resolvable and deeper in level, domains declared, resources
provided. Queries never raise for bad data: they answer, or raise :class:`UnknownCapability`
with suggestions.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from .authority import AuthorityTable, table_problems
from .capability import Capability, Use
from .composite import Composite
from .contracts import Domain, Entry, Kind, Level, Status
from .demos import Demo
from .policy import Policy
from .samples import Sample
from .reasons import ReasonCode
from .resources import Resource, ResourceProvider, Resources

if TYPE_CHECKING:
    import networkx as nx
    import pluggy

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Source:
    """Where an item came from: the plugin, and the distribution that installed it."""

    plugin: str
    distribution: str | None = None
    dist_version: str | None = None

    def __str__(self) -> str:
        if self.distribution:
            return f"{self.distribution} {self.dist_version} (plugin {self.plugin!r})"
        return f"plugin {self.plugin!r}"


@dataclass(frozen=True)
class Problem:
    """Something wrong with a plugin or an item it registered."""

    source: Source
    message: str
    item: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        about = f" {self.item}:" if self.item else ""
        return f"{self.severity}: {self.source}:{about} {self.message}"


class UnknownCapability(LookupError):
    """No installed capability matches an id (and specifier); carries did-you-mean suggestions."""

    def __init__(self, cap_id: str, specifier: str = "", suggestions: Iterable[str] = (), installed: Iterable[str] = ()):
        self.cap_id, self.specifier = cap_id, specifier
        self.suggestions, self.installed = list(suggestions), list(installed)
        if self.installed:
            msg = f"no installed version of {cap_id} satisfies {specifier!r} (installed: {', '.join(self.installed)})"
        else:
            msg = f"unknown capability {cap_id!r}"
            if self.suggestions:
                msg += f"; did you mean {' or '.join(repr(s) for s in self.suggestions)}?"
        super().__init__(msg)


@dataclass
class Catalog:
    """Installed items, keyed by id and version; built by :func:`jimu.load_catalog`."""

    domains: dict[str, Domain] = field(default_factory=dict)
    capabilities: dict[tuple[str, str], Capability | Composite] = field(default_factory=dict)
    reasons: dict[str, ReasonCode] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    providers: dict[str, ResourceProvider] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    samples: dict[str, Sample] = field(default_factory=dict)
    demos: dict[str, Demo] = field(default_factory=dict)
    #: HQ's authority tables, by (id, version): see :mod:`jimu.authority`
    authority: dict[tuple[str, str], AuthorityTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: the plugin manager the catalog was loaded with: the runtime calls step hooks through it
    hooks: pluggy.PluginManager | None = field(default=None, repr=False, compare=False)
    plugins: list[Source] = field(default_factory=list)
    _sources: dict[str, Source] = field(default_factory=dict, repr=False)
    # id -> versions oldest first; rebuilt when capabilities change size (registration only adds),
    # because `get` is called per use by graph() and validation: a scan per call made both quadratic
    _by_id: dict[str, list[Entry]] = field(default_factory=dict, repr=False, compare=False)
    _by_id_size: int = field(default=-1, repr=False, compare=False)

    # -- registration ------------------------------------------------------------------------

    def registrar(self, source: Source) -> Callable[[object], None]:
        """The ``register`` callback handed to one plugin."""

        def register(item: object) -> None:
            try:
                self._add(item, source)
            except _Refused as refused:
                self.problems.append(Problem(source, refused.message, refused.item))

        if source not in self.plugins:
            self.plugins.append(source)
        return register

    def report(self, source: Source, message: str, item: str | None = None, severity: Severity = "error") -> None:
        self.problems.append(Problem(source, message, item, severity))

    def _add(self, item: object, source: Source) -> None:
        if isinstance(item, Composite):
            self._claim(f"capability {item.key}", source)
            self.capabilities[(item.id, item.version)] = item
        elif isinstance(item, Capability):
            key = (item.id, item.version)
            self._claim(f"capability {item.key}", source)
            self.capabilities[key] = item
            for code in item.reasons:
                self._add_reason(code, source)
        elif isinstance(item, Domain):
            self._claim(f"domain {item.id}", source)
            self.domains[item.id] = item
        elif isinstance(item, ReasonCode):
            self._add_reason(item, source)
        elif isinstance(item, Resource):
            self._claim(f"resource {item.name}", source)
            self.resources[item.name] = item
        elif isinstance(item, Sample):
            self._claim(f"sample {item.name}", source)
            self.samples[item.name] = item
        elif isinstance(item, Demo):
            self._claim(f"demo {item.name}", source)
            self.demos[item.name] = item
        elif isinstance(item, Policy):
            self._claim(f"policy {item.id}", source)
            self.policies[item.id] = item
        elif isinstance(item, AuthorityTable):
            self._claim(f"authority table {item.key}", source)
            self.authority[(item.id, item.version)] = item
        elif isinstance(item, ResourceProvider):
            self._claim(f"provider of {item.resource}", source)
            self.providers[item.resource] = item
        else:
            raise _Refused(
                f"cannot register {type(item).__name__} {item!r:.60}: register a Domain, Capability, "
                "Composite, ReasonCode, Resource, ResourceProvider, Policy, Sample, Demo or AuthorityTable"
            )

    def _add_reason(self, code: ReasonCode, source: Source) -> None:
        known = self.reasons.get(code.code)
        if known is not None and known != code:
            raise _Refused(
                f"reason code {code.code} is already registered by {self._sources[f'reason {code.code}']} "
                f"for {known.capability or 'no capability'}",
                f"reason {code.code}",
            )
        if known is None:
            self._sources[f"reason {code.code}"] = source
            self.reasons[code.code] = code

    def _claim(self, what: str, source: Source) -> None:
        holder = self._sources.get(what)
        if holder is not None:
            raise _Refused(f"{what} is already registered by {holder}; the second one is ignored", what)
        self._sources[what] = source

    # -- checks over the whole catalog -------------------------------------------------------

    def check(self) -> list[Problem]:
        """Cross-item checks, after every plugin has registered; adds to and returns ``problems``."""
        for cap in self.capabilities.values():
            source = self.source(cap)
            item = f"capability {cap.key}"
            if cap.domain not in self.domains:
                self.report(source, f"its domain {cap.domain!r} is not declared by any plugin", item, "warning")
            for use in cap.uses:
                try:
                    target = self.get(use.id, use.specifier)
                except UnknownCapability as exc:
                    self.report(source, f"uses {use}: {exc}", item)
                    continue
                if target.level <= cap.level:
                    self.report(
                        source,
                        f"the five-level rule: an L{cap.level} capability may use only deeper levels, "
                        f"but {target.id} is L{target.level}",
                        item,
                    )
            for name in cap.resources:
                if name not in self.resources:
                    self.report(source, f"reads resource {name!r}, which no plugin declares", item)
                elif name not in self.providers:
                    self.report(source, f"reads resource {name!r}, which no plugin provides yet", item, "warning")
            successor = cap.lifecycle.successor
            if successor and successor.split("@")[0] not in self.ids():
                self.report(source, f"its successor {successor!r} is not installed", item, "warning")
        for table in self.authority.values():
            for message in table_problems(self, table):
                self.report(self._sources[f"authority table {table.key}"], message, f"authority table {table.key}")
        for name, provider in self.providers.items():
            if name not in self.resources:
                self.report(self._sources[f"provider of {name}"], f"provides undeclared resource {name!r}")
        return self.problems

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    # -- queries -----------------------------------------------------------------------------

    def source(self, entry: Entry) -> Source:
        what = f"domain {entry.id}" if isinstance(entry, Domain) else f"capability {entry.key}"
        return self._sources[what]

    def ids(self) -> set[str]:
        return set(self.domains) | {cap_id for cap_id, _ in self.capabilities}

    def entries(self) -> list[Entry]:
        """Every entry, domains first, then by id and ascending version."""
        caps = sorted(self.capabilities.values(), key=lambda c: (c.id, c.parsed_version))
        return [*sorted(self.domains.values(), key=lambda d: d.id), *caps]

    def versions(self, cap_id: str) -> list[Entry]:
        """Every installed version of one id, oldest first."""
        if cap_id in self.domains:
            return [self.domains[cap_id]]
        if self._by_id_size != len(self.capabilities):
            index: dict[str, list[Entry]] = {}
            for (i, _), c in self.capabilities.items():
                index.setdefault(i, []).append(c)
            for found in index.values():
                found.sort(key=lambda c: c.parsed_version)
            self._by_id, self._by_id_size = index, len(self.capabilities)
        return list(self._by_id.get(cap_id, ()))

    def get(self, cap_id: str, specifier: str = "") -> Entry:
        """The newest installed version of ``cap_id`` admitted by the PEP 440 ``specifier``.

        ``cap_id`` may also be written ``id@1.2.0`` (an exact version) or ``id~=1.2``.
        """
        if "@" in cap_id:
            cap_id, exact = cap_id.split("@", 1)
            specifier = f"=={exact}"
        elif not specifier:
            use = Use.parse(cap_id) if any(ch in cap_id for ch in "<>=!~") else None
            if use is not None:
                cap_id, specifier = use.id, use.specifier
        found = self.versions(cap_id)
        if not found:
            raise UnknownCapability(cap_id, specifier, self.suggest(cap_id))
        try:
            spec = SpecifierSet(specifier)
        except InvalidSpecifier:
            raise UnknownCapability(cap_id, specifier, installed=[e.version for e in found]) from None
        admitted = [e for e in found if spec.contains(e.version, prereleases=True)]
        if not admitted:
            raise UnknownCapability(cap_id, specifier, installed=[e.version for e in found])
        finals = [e for e in admitted if not e.parsed_version.is_prerelease]
        return (finals or admitted)[-1]

    def suggest(self, cap_id: str, n: int = 3) -> list[str]:
        """Close ids for a mistyped one: by whole id, then by last segment."""
        ids = sorted(self.ids())
        close = difflib.get_close_matches(cap_id, ids, n=n, cutoff=0.6)
        if not close:
            tail = cap_id.rsplit(".", 1)[-1]
            close = [i for i in ids if i.rsplit(".", 1)[-1] == tail][:n]
        return close

    def find(
        self,
        *,
        level: int | None = None,
        domain: str | None = None,
        kind: str | Kind | None = None,
        lifecycle: str | Status | None = None,
        latest: bool = False,
    ) -> list[Entry]:
        """Entries matching every filter given; ``latest`` keeps only each id's newest version."""
        chosen = [
            e
            for e in self.entries()
            if (level is None or e.level == level)
            and (domain is None or e.domain == domain)
            and (kind is None or e.kind == Kind(kind))
            and (lifecycle is None or e.lifecycle.status == Status(lifecycle))
        ]
        if latest:
            newest = {e.id: e for e in chosen}  # entries() is in ascending version order
            chosen = [e for e in chosen if newest[e.id] is e]
        return chosen

    def used_by(self, cap_id: str) -> list[Capability]:
        """Capabilities whose ``uses`` name ``cap_id`` (any version)."""
        return [c for c in self.capabilities.values() if any(u.id == cap_id for u in c.uses)]

    def graph(self) -> nx.DiGraph:
        """The composition DAG: an edge user → used, each resolved to the version it would get.

        Nodes are ``id@version`` keys with the entry as ``entry`` attribute; domains are nodes
        with an edge to each of their L2 capabilities' newest version (``contains``).
        """
        import networkx as nx  # not at module level: most commands never need a graph

        g = nx.DiGraph()
        for entry in self.entries():
            g.add_node(entry.key, entry=entry)
        for cap in self.capabilities.values():
            for use in cap.uses:
                try:
                    target = self.get(use.id, use.specifier)
                except UnknownCapability:
                    continue
                g.add_edge(cap.key, target.key, relation="uses", specifier=use.specifier)
        for entry in self.find(level=Level.BUSINESS_CAPABILITY, latest=True):
            if entry.domain in self.domains:
                g.add_edge(self.domains[entry.domain].key, entry.key, relation="contains")
        return g

    def bind_resources(self, overrides: dict[str, object] | None = None) -> Resources:
        """Resources for a run: the installed providers, with ``overrides`` (fakes) taking precedence."""
        return Resources(self.providers, overrides)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self.domains) + len(self.capabilities)


class _Refused(Exception):
    def __init__(self, message: str, item: str | None = None):
        super().__init__(message)
        self.message, self.item = message, item
