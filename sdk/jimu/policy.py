"""Policies: HQ's mandatory controls, added to validation by plugins.

A policy is a check over a validated product ("every lending product runs KYC before it
decides"). A plugin registers it like any other item::

    register(Policy(id="hq.kyc_required", description="…", check=kyc_required))

Its ``check(product)`` receives a :class:`ProductView` and yields :class:`PolicyFinding` s,
which validation reports as diagnostics naming the policy: with the policy's own ``code`` when it
has one (HQ's mandatory controls have J702–J709, registered in :mod:`jimu.diagnostics`), else
the generic J701. A policy that raises is itself reported as an error: a broken control must
not silently let a product through.

Controls about *order* ("KYC and anti-fraud before scoring") look at :meth:`ProductView.runs`:
every Python capability the product runs, through its composites, in run order, with the data
flow between them (:meth:`ProductView.upstream`), whether it may be skipped, and whether its
decision counts in the product's decision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .contracts import ID_PATTERN
from .diagnostics import CODES, POLICY, Severity

if TYPE_CHECKING:
    from .assembly.validate import Analysis
    from .catalog import Catalog


@dataclass(frozen=True)
class PolicyFinding:
    """What a policy objects to, and where in the file (a YAML path such as ``("steps", 0, "uses")``)."""

    message: str
    path: tuple[str | int, ...] = ()
    hint: str | None = None
    severity: Severity = Severity.ERROR

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))  # "warning" is fine too
        object.__setattr__(self, "path", tuple(self.path))


@dataclass(frozen=True)
class Policy:
    id: str
    description: str
    check: Callable[[ProductView], Iterable[PolicyFinding]] = field(repr=False)
    owner: str = ""
    #: the diagnostic code its findings carry: a registered J7xx code (J701, the generic one, by default)
    code: str = POLICY.code

    def __post_init__(self) -> None:
        if not ID_PATTERN.match(self.id):
            raise ValueError(f"policy id {self.id!r} must be dotted lower-case words, e.g. hq.kyc_required")
        if not callable(self.check):
            raise ValueError(f"policy {self.id}: check must be a function of the product")
        if self.code not in CODES or not self.code.startswith("J7"):
            raise ValueError(f"policy {self.id}: code {self.code!r} is not a registered policy code (J7xx); "
                             "register it with jimu.diagnostics.register_code, or leave the default J701")


@dataclass(frozen=True)
class Run:
    """One Python capability a product runs, reached through its steps and composites."""

    path: tuple[str, ...]  # step ids from the product down: ("preloan", "prescreen", "scorecard")
    entry: Any  # the Capability
    position: int  # in the product's run order (composites run their steps in their own order)
    top: int  # index of the product step it runs under: where findings point
    skippable: tuple[bool, ...]  # per level of ``path``: that step has a when or on_error: skip
    decides: bool  # its decision reaches the product's decision through every level
    gated_by: frozenset[tuple[str, ...]] = frozenset()  # runs read by the `when` of it or a step enclosing it

    @property
    def where(self) -> str:
        return ".".join(self.path)

    def may_skip_apart_from(self, other: Run) -> bool:
        """Whether this run may be skipped while ``other`` runs (a condition they do not share)."""
        common = 0
        while common < min(len(self.path), len(other.path)) and self.path[common] == other.path[common]:
            common += 1
        return any(self.skippable[common:])


@dataclass
class ProductView:
    """What a policy may look at: the product as validated, and everything it reaches."""

    analysis: Analysis
    catalog: Catalog
    #: the day the product is judged on (``jimu validate --as-of``): for dated controls and waivers
    as_of: dt.date = field(default_factory=dt.date.today)
    _runs: list[Run] | None = field(default=None, repr=False)
    _graph: Any = field(default=None, repr=False)
    _closures: dict = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return self.analysis.file.model.id

    @property
    def branch(self) -> str:
        return self.analysis.file.model.branch

    @property
    def model(self) -> Any:
        return self.analysis.file.model

    def steps_using(self, cap_ids: Iterable[str]) -> list[str]:
        """Ids of the product's steps that run any of ``cap_ids``, directly or through what they use."""
        wanted = set(cap_ids)
        return [sid for sid, s in self.analysis.steps.items()
                if s.target is not None and self._reaches(s.target.entry, wanted, set())]

    def reaches(self) -> set[str]:
        """Every capability id the product runs, transitively through composites and ``uses``."""
        found: set[str] = set()
        for s in self.analysis.steps.values():
            if s.target is not None:
                self._collect(s.target.entry, found)
        return found

    def _collect(self, entry: Any, found: set[str]) -> None:
        found |= self._closure(entry)

    def _reaches(self, entry: Any, wanted: set[str], seen: set[str] | None = None) -> bool:
        return not self._closure(entry).isdisjoint(wanted)

    def _closure(self, entry: Any) -> frozenset[str]:
        """``entry``'s id and every id it uses, transitively (memoised: policies ask again and again,
        and each catalog lookup scans the installed versions)."""
        key = (entry.id, getattr(entry, "version", ""))
        known = self._closures.get(key)
        if known is not None:
            return known
        self._closures[key] = frozenset({entry.id})  # a cycle (reported elsewhere) ends here
        found = {entry.id}
        for use in getattr(entry, "uses", ()):
            try:
                found |= self._closure(self.catalog.get(use.id, use.specifier))
            except LookupError:
                found.add(use.id)
        self._closures[key] = frozenset(found)
        return self._closures[key]

    # -- the product as it runs ---------------------------------------------------------------

    def runs(self) -> list[Run]:
        """Every Python capability the product runs, through its composites, in run order."""
        if self._runs is None:
            import networkx as nx

            self._runs, self._graph = [], nx.DiGraph()
            self._flatten(self.analysis, (), (), True, None, frozenset())
        return self._runs

    def upstream(self, earlier: Run, later: Run) -> bool:
        """Whether ``later`` reads (directly or through other steps) what ``earlier`` produced."""
        import networkx as nx

        self.runs()
        return self._graph.has_node(earlier.path) and self._graph.has_node(later.path) \
            and earlier.path != later.path and nx.has_path(self._graph, earlier.path, later.path)

    def runs_any(self, run: Run, cap_ids: Iterable[str]) -> bool:
        """Whether ``run`` is one of ``cap_ids`` or calls one of them (its ``uses``)."""
        return self._reaches(run.entry, set(cap_ids), set())

    def resources_read(self, run: Run) -> set[str]:
        """The resources ``run`` reads, itself or through what it calls."""
        by_id = self._closures.get(("resources by id",))
        if by_id is None:  # one pass over the catalog, shared like the closures
            by_id = {}
            for (cap_id, _), entry in self.catalog.capabilities.items():
                by_id.setdefault(cap_id, set()).update(getattr(entry, "resources", ()))
            self._closures[("resources by id",)] = by_id
        return {name for cap_id in self._closure(run.entry) for name in by_id.get(cap_id, ())}

    def _flatten(self, analysis: Any, prefix: tuple, skippable: tuple, decides: bool, top: int | None,
                 gates: frozenset) -> list[tuple[str, ...]]:
        model = analysis.file.model
        deciders = set(_STEP_REF.findall(" ".join(getattr(model, "decisions", []) or [])))
        leaves: dict[str, list[tuple[str, ...]]] = {}
        for sid in analysis.order:
            s = analysis.steps[sid]
            if s.target is None:
                continue
            path, here = (*prefix, sid), (top if top is not None else s.index)
            gate_steps = set(_STEP_REF.findall(s.step.when or ""))
            own_gates = gates | {leaf for g in gate_steps for leaf in leaves.get(g, ())}
            flags = (*skippable, s.maybe_skipped)
            if s.target.analysis is not None:
                leaves[sid] = self._flatten(s.target.analysis, path, flags, decides and sid in deciders, here,
                                            frozenset(own_gates))
            else:
                self._runs.append(Run(path, s.target.entry, len(self._runs), here, flags,
                                      decides and sid in deciders, frozenset(own_gates)))
                self._graph.add_node(path)
                leaves[sid] = [path]
            for source in s.reads:  # everything the source step ran feeds everything this step runs
                for before in leaves.get(source, ()):
                    for after in leaves[sid]:
                        self._graph.add_edge(before, after)
        return [leaf for found in leaves.values() for leaf in found]


_STEP_REF = re.compile(r"\bsteps\.([a-z_][a-z0-9_]*)")
