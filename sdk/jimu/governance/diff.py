"""Two versions' contracts compared, each change judged by one question: does it break a product
(or composite) that was bound to the old version and now gets the new one?

What a consumer of OLD relies on, and so what breaks it:

- **inputs** (what it sends): an input removed (closed models refuse unknown fields), a new
  required input, an optional input made required, a type that no longer accepts what it sent
  (``double`` → ``int``), a range or length narrowed, a pattern added or changed;
- **params** (what it sets): a param removed, a new param without a default, a type that no
  longer accepts its value, a narrowed range, a pattern added or changed;
- **outputs** (what it reads): an output removed, retyped to something its readers do not accept
  (``int`` → ``double``, a value that may now be null), a range widened (a reader may get values
  it never saw, e.g. a score that now exceeds 1000);
- **the rest**: a reason code removed (reports, policies and dashboards key on codes), a resource
  added (every deployment must now provide it), a move to or from ``aggregate`` (a record step
  becomes a population stage), a level raised (composites at that level now break the five-level
  rule).

The opposite moves (an optional input added, an output added, a range widened on inputs or
narrowed on outputs, a new default, a reason code added) are listed as non-breaking.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from ..contracts import Entry, Kind
from .contract import Contract, FieldContract, contract_of

if TYPE_CHECKING:
    from ..assembly.validate import Validator
    from ..catalog import Catalog

INPUTS, OUTPUTS, PARAMS = "inputs", "outputs", "params"


@dataclass(frozen=True)
class Change:
    """One difference: where (``section`` ``name``), what happened, whether it breaks OLD's consumers."""

    section: str  # inputs, outputs, params, reasons, resources, kind, level
    name: str
    change: str  # added, removed, retyped, required, optional, narrowed, widened, default, …
    breaking: bool
    old: str = ""
    new: str = ""
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ContractDiff:
    cap_id: str
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.changes)

    @property
    def breaking_changes(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def major_bump(self) -> bool:
        return Version(self.new).major > Version(self.old).major

    @property
    def verdict(self) -> str:
        if not self.changes:
            return "no contract change"
        if not self.breaking:
            return "compatible: nothing bound to the old version breaks"
        if self.major_bump:
            return "breaking, and released as a new major version (as it should be)"
        return "breaking, but not released as a new major version"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.cap_id, "old": self.old, "new": self.new, "breaking": self.breaking,
                "major_bump": self.major_bump, "verdict": self.verdict,
                "changes": [c.to_json() for c in self.changes]}


def diff_versions(catalog: Catalog, cap_id: str, old: str, new: str, validator: Validator | None = None) -> ContractDiff:
    """Compare two installed versions of ``cap_id``; raises ``UnknownCapability`` for one not installed."""
    old_entry = catalog.get(cap_id, f"=={old}")
    new_entry = catalog.get(cap_id, f"=={new}")
    return diff_entries(old_entry, new_entry, catalog, validator)


def diff_entries(old: Entry, new: Entry, catalog: Catalog, validator: Validator | None = None) -> ContractDiff:
    return diff_contracts(contract_of(old, catalog, validator), contract_of(new, catalog, validator))


def diff_contracts(old: Contract, new: Contract) -> ContractDiff:
    result = ContractDiff(old.entry.id, old.entry.version, new.entry.version)
    out = result.changes
    out += _fields(INPUTS, old.inputs, new.inputs, consumer_sends=True)
    out += _fields(PARAMS, old.params, new.params, consumer_sends=True)
    out += _fields(OUTPUTS, old.outputs, new.outputs, consumer_sends=False)
    for code in sorted(old.reasons - new.reasons):
        out.append(Change("reasons", code, "removed", True, why="reports and policies that key on it lose it"))
    for code in sorted(new.reasons - old.reasons):
        out.append(Change("reasons", code, "added", False))
    for name in sorted(new.resources - old.resources):
        out.append(Change("resources", name, "added", True, why="every deployment must now provide it"))
    for name in sorted(old.resources - new.resources):
        out.append(Change("resources", name, "removed", False))
    if old.kind is not new.kind:
        population = Kind.AGGREGATE in (old.kind, new.kind)
        out.append(Change("kind", "kind", "changed", population, old.kind.value, new.kind.value,
                          "a record step and a population stage are not interchangeable" if population else ""))
    if old.level != new.level:
        raised = new.level < old.level
        out.append(Change("level", "level", "raised" if raised else "lowered", raised, f"L{int(old.level)}",
                          f"L{int(new.level)}", "composites at its new level may no longer use it" if raised else ""))
    return result


def _fields(section: str, old: dict[str, FieldContract], new: dict[str, FieldContract], *,
            consumer_sends: bool) -> list[Change]:
    """Changes in one section; ``consumer_sends`` for inputs and params (the consumer provides the
    value: the new contract must accept everything the old did), false for outputs (the consumer
    reads the value: the old contract must accept everything the new one gives)."""
    changes: list[Change] = []
    for name in old.keys() - new.keys():
        changes.append(Change(section, name, "removed", True, old[name].describe(),
                              why="consumers that set it are refused" if consumer_sends else "consumers that read it break"))
    for name in new.keys() - old.keys():
        f = new[name]
        breaking = consumer_sends and f.required
        changes.append(Change(section, name, "added" + (" required" if breaking else ""), breaking, "", f.describe(),
                              "consumers of the old version do not give it" if breaking else ""))
    for name in old.keys() & new.keys():
        changes += _field(section, old[name], new[name], consumer_sends)
    return sorted(changes, key=lambda c: c.name)


def _field(section: str, old: FieldContract, new: FieldContract, consumer_sends: bool) -> list[Change]:
    changes = []
    name = old.name
    if old.vtype != new.vtype:
        fits = old.vtype.assignable_to(new.vtype) if consumer_sends else new.vtype.assignable_to(old.vtype)
        changes.append(Change(section, name, "retyped", not fits, old.vtype.describe(), new.vtype.describe(),
                              "" if fits else ("the values consumers send no longer fit" if consumer_sends
                                               else "consumers may receive values they do not accept")))
    if consumer_sends and old.required != new.required:
        changes.append(Change(section, name, "required" if new.required else "optional", new.required,
                              why="consumers that left it out are refused" if new.required else ""))
    if consumer_sends and section == PARAMS and not new.required and old.default != new.default:
        changes.append(Change(section, name, "default", False, repr(old.default), repr(new.default),
                              "products that do not set it behave differently"))
    changes += _bounds(section, name, old.bounds, new.bounds, consumer_sends)
    return changes


def _bounds(section: str, name: str, old: dict, new: dict, consumer_sends: bool) -> list[Change]:
    changes = []
    for lo_keys, hi_keys, label in ((("ge", "gt"), ("le", "lt"), "range"), (("min_length",), ("max_length",), "length")):
        before, after = _interval(old, lo_keys, hi_keys), _interval(new, lo_keys, hi_keys)
        if before == after:
            continue
        widened, narrowed = _contains(after, before), _contains(before, after)
        move = "widened" if widened else "narrowed" if narrowed else "moved"
        # what the consumer sends must still fit (no narrowing); what it reads must stay within what it knew
        breaking = not widened if consumer_sends else not narrowed
        changes.append(Change(section, name, f"{label} {move}", breaking, _interval_text(before), _interval_text(after),
                              ("values that were allowed are now refused" if consumer_sends
                               else "consumers may receive values outside the old range") if breaking else ""))
    for attr in ("pattern", "multiple_of"):
        if old.get(attr) != new.get(attr):
            removed = new.get(attr) is None
            breaking = (not removed) if consumer_sends else removed
            changes.append(Change(section, name, f"{attr} {'removed' if removed else 'changed'}", breaking,
                                  str(old.get(attr) or ""), str(new.get(attr) or "")))
    return changes


_Interval = tuple[Any, bool, Any, bool]  # low, low exclusive, high, high exclusive; None is unbounded


def _interval(bounds: dict, lo_keys: tuple[str, ...], hi_keys: tuple[str, ...]) -> _Interval:
    lo = next(((bounds[k], k == "gt") for k in lo_keys if k in bounds), (None, False))
    hi = next(((bounds[k], k == "lt") for k in hi_keys if k in bounds), (None, False))
    return (*lo, *hi)


def _contains(outer: _Interval, inner: _Interval) -> bool:
    """Whether every value ``inner`` admits, ``outer`` admits too."""
    olo, olx, ohi, ohx = outer
    ilo, ilx, ihi, ihx = inner
    low_ok = olo is None or (ilo is not None and (ilo > olo or (ilo == olo and (ilx or not olx))))
    high_ok = ohi is None or (ihi is not None and (ihi < ohi or (ihi == ohi and (ihx or not ohx))))
    return low_ok and high_ok


def _interval_text(interval: _Interval) -> str:
    lo, lx, hi, hx = interval
    if lo is None and hi is None:
        return "any"
    return f"{'(' if lx else '['}{_num(lo)}..{_num(hi)}{')' if hx else ']'}"


def _num(value: Any) -> str:
    if value is None:
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


# -- a breaking change that is not a major version (J208) ------------------------------------------


@dataclass(frozen=True)
class BreakingMinor:
    """Two installed versions with one major version whose contracts differ breakingly."""

    diff: ContractDiff

    @property
    def message(self) -> str:
        first = self.diff.breaking_changes[0]
        more = len(self.diff.breaking_changes) - 1
        return (f"{self.diff.cap_id} {self.diff.new} breaks the contract of {self.diff.old} without a new major "
                f"version ({first.section} {first.name}: {first.change}"
                + (f", and {more} more" if more else "") + ")")

    @property
    def hint(self) -> str:
        return (f"pin the version you were built against (version: \"=={self.diff.old}\"), check "
                f"`jimu diff {self.diff.cap_id} {self.diff.old} {self.diff.new}`, and ask its owner to publish "
                "the change as a new major version")


def breaking_minor(catalog: Catalog, entry: Entry, validator: Validator | None = None,
                   cache: dict | None = None) -> BreakingMinor | None:
    """The first breaking change between consecutive installed versions sharing ``entry``'s major version."""
    major = entry.parsed_version.major
    series = [e for e in catalog.versions(entry.id) if e.parsed_version.major == major]
    if len(series) < 2:
        return None
    key = (entry.id, major)
    if cache is not None and key in cache:
        return cache[key]
    found = None
    for old, new in zip(series, series[1:]):
        try:
            diff = diff_entries(old, new, catalog, validator)
        except Exception:  # a composite that cannot be analysed: validation reports it where it is used
            continue
        if diff.breaking:
            found = BreakingMinor(diff)
            break
    if cache is not None:
        cache[key] = found
    return found
