"""Policies: HQ's mandatory controls, added to validation by plugins.

A policy is a check over a validated product ("every lending product runs KYC before it
decides"). A plugin registers it like any other item::

    register(Policy(id="hq.kyc_required", description="…", check=kyc_required))

Its ``check(product)`` receives a :class:`ProductView` and yields :class:`PolicyFinding` s,
which validation reports as J701 diagnostics naming the policy. A policy that raises is itself
reported as an error: a broken control must not silently let a product through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .contracts import ID_PATTERN
from .diagnostics import Severity

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

    def __post_init__(self) -> None:
        if not ID_PATTERN.match(self.id):
            raise ValueError(f"policy id {self.id!r} must be dotted lower-case words, e.g. hq.kyc_required")
        if not callable(self.check):
            raise ValueError(f"policy {self.id}: check must be a function of the product")


@dataclass
class ProductView:
    """What a policy may look at: the product as validated, and everything it reaches."""

    analysis: Analysis
    catalog: Catalog

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
        if entry.id in found:
            return
        found.add(entry.id)
        for use in getattr(entry, "uses", ()):
            try:
                self._collect(self.catalog.get(use.id, use.specifier), found)
            except LookupError:
                found.add(use.id)

    def _reaches(self, entry: Any, wanted: set[str], seen: set[str]) -> bool:
        if entry.id in wanted:
            return True
        if entry.id in seen:
            return False
        seen.add(entry.id)
        for use in getattr(entry, "uses", ()):
            if use.id in wanted:
                return True
            try:
                target = self.catalog.get(use.id, use.specifier)
            except LookupError:
                continue
            if self._reaches(target, wanted, seen):
                return True
        return False
