"""HQ's authority as data: which branch may set which param, within what, from when to when.

A capability's params model fixes the *technical* range (a cut-off between 300 and 900). What a
given branch may actually set is HQ's *authority* (授权), published by a plugin as an
:class:`AuthorityTable` and registered like any other item::

    register(AuthorityTable.from_file(files("jimu_credit") / "authority" / "hq_credit_authority.yaml"))

A table's :class:`AuthorityRule` s each delegate one param to some branches:

- ``param`` is ``<capability id>:<param name>``, the capability that declares the param
  (``risk.underwrite.pricing:branch_adjustment_bp``), so one rule covers the param however a
  product reaches it: set directly on the capability, or through any composite that exposes it.
  A rule may also name a composite's exposed param (``risk.underwrite:branch_adjustment_bp``);
  it then covers only products setting it through that composite.
- ``branches`` are patterns: ``zhejiang.hangzhou`` (that branch), ``zhejiang.*`` (the Zhejiang
  provincial branch and every branch under it), ``*`` (every branch). When several rules in force
  name the same param for a branch, the most specific pattern wins: a delegation to Hangzhou
  replaces the one to Zhejiang, which replaces the bank-wide one.
- the rule itself: an allowed range (``minimum``/``maximum``), and/or ``tighten_only: up|down``
  — the value may only move from HQ's default in that direction (``up``: a score cut-off or a
  minimum age may only rise; ``down``: a limit multiple or a fraud threshold may only fall). A
  rule with neither delegates the param within its technical range.
- ``effective_from``/``effective_to`` (inclusive; the table's dates when omitted): a rule outside
  its dates does not apply.

What no rule delegates is reserved to HQ: a table *governs* the capabilities its own
distribution registered whose ids start with one of its ``governs`` prefixes (an issuer has
authority over its own capabilities, not over a third party's in the same domain), and a branch
overriding a governed param without a rule in force is an error (J506), or J507 when the only
rule there was has expired or is not yet in force. Params of capabilities no table governs are
checked against their technical range only.

A table has an id and a version; several versions may be installed, and the one in force on a
date is the newest whose dates include it (:func:`tables_in_force`). Locks record the table in
force (:func:`table_in_force`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .contracts import ID_PATTERN

if TYPE_CHECKING:
    from .catalog import Catalog

_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$")
_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_PARAM = re.compile(r"^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*):([a-z_][a-z0-9_]*)$")


def branch_matches(pattern: str, branch: str) -> bool:
    """``zhejiang.*`` matches ``zhejiang`` and ``zhejiang.hangzhou``; ``*`` matches every branch."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        stem = pattern[:-2]
        return branch == stem or branch.startswith(stem + ".")
    return branch == pattern


def specificity(pattern: str) -> tuple[int, int]:
    """Higher is more specific: an exact branch, then longer prefixes, then ``*``."""
    if pattern == "*":
        return (0, 0)
    if pattern.endswith(".*"):
        return (1, pattern.count("."))
    return (2, pattern.count(".") + 1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthorityRule(_Strict):
    """One delegation: these branches may set this param, within this, during these dates."""

    id: str = Field(description="the rule's id within its table, e.g. ZJ-PRC-01")
    branches: tuple[str, ...] = Field(min_length=1, description="branch patterns: zhejiang.hangzhou, zhejiang.*, *")
    param: str = Field(description="<capability id>:<param name>, e.g. risk.underwrite.pricing:branch_adjustment_bp")
    minimum: float | None = None
    maximum: float | None = None
    tighten_only: Literal["up", "down"] | None = Field(
        None, description="the value may move from HQ's default only this way (up: only rise; down: only fall)")
    effective_from: dt.date | None = Field(None, description="first day in force (default: the table's)")
    effective_to: dt.date | None = Field(None, description="last day in force, inclusive (default: the table's)")
    issuer: str | None = Field(None, description="who delegated it (default: the table's issuer)")
    basis: str = Field("", description="the delegation letter or committee minute it rests on")

    @field_validator("id")
    @classmethod
    def _rule_id(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError(f"rule id {value!r}: letters, digits, '.', '_' and '-' only")
        return value

    @field_validator("branches")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            if not _PATTERN.match(pattern):
                raise ValueError(f"branch pattern {pattern!r}: write a branch (zhejiang.hangzhou), a prefix "
                                 "(zhejiang.*) or *")
        return value

    @field_validator("param")
    @classmethod
    def _param(cls, value: str) -> str:
        if not _PARAM.match(value):
            raise ValueError(f"param {value!r}: write <capability id>:<param>, e.g. risk.underwrite.pricing:spread_bp_a")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AuthorityRule:
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"rule {self.id}: minimum {self.minimum} is above maximum {self.maximum}")
        if self.effective_from and self.effective_to and self.effective_from > self.effective_to:
            raise ValueError(f"rule {self.id}: effective_from {self.effective_from} is after effective_to "
                             f"{self.effective_to}")
        return self

    @property
    def capability(self) -> str:
        return self.param.split(":", 1)[0]

    def describe(self) -> str:
        """``range 1..3, tighten only (down)``: what the rule allows, in words."""
        parts = []
        if self.minimum is not None or self.maximum is not None:
            parts.append(_bounds(self.minimum, self.maximum))
        if self.tighten_only:
            parts.append(f"tighten only ({'may only rise' if self.tighten_only == 'up' else 'may only fall'})")
        return ", ".join(parts) or "delegated within the technical range"


class AuthorityTable(_Strict):
    """A versioned authority table (授权表), as HQ publishes it."""

    id: str = Field(description="dotted id, e.g. hq.credit_authority")
    version: str = Field(description="the table's version, e.g. 2026.2")
    issuer: str = Field(min_length=1, description="who issues it, e.g. HQ credit approval department (总行授信审批部)")
    effective_from: dt.date
    effective_to: dt.date | None = None
    governs: tuple[str, ...] = Field(
        min_length=1, description="capability id prefixes the table governs (risk, customer.kyc): their params "
        "may be overridden only as a rule delegates")
    description: str = ""
    rules: tuple[AuthorityRule, ...] = ()

    @field_validator("id")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"table id {value!r} must be dotted lower-case words, e.g. hq.credit_authority")
        return value

    @model_validator(mode="after")
    def _unique_rules(self) -> AuthorityTable:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"two rules have the id {rule.id!r}")
            seen.add(rule.id)
        if self.effective_to and self.effective_from > self.effective_to:
            raise ValueError(f"effective_from {self.effective_from} is after effective_to {self.effective_to}")
        return self

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def rule_dates(self, rule: AuthorityRule) -> tuple[dt.date, dt.date | None]:
        start = max(rule.effective_from or self.effective_from, self.effective_from)
        ends = [d for d in (rule.effective_to, self.effective_to) if d is not None]
        return start, (min(ends) if ends else None)

    def rule_in_force(self, rule: AuthorityRule, on: dt.date) -> bool:
        start, end = self.rule_dates(rule)
        return start <= on and (end is None or on <= end)

    def issuer_of(self, rule: AuthorityRule) -> str:
        return rule.issuer or self.issuer

    def governs_param(self, paths: list[str]) -> bool:
        """Whether any of the param's paths (``cap:param``) belongs to a capability this table governs."""
        for path in paths:
            cap = path.split(":", 1)[0]
            if any(cap == prefix or cap.startswith(prefix + ".") for prefix in self.governs):
                return True
        return False

    def cite(self, rule: AuthorityRule) -> str:
        """``rule ZJ-PRC-01 of hq.credit_authority@2026.2 (issued by …, in force 2026-01-01..2026-12-31)``."""
        start, end = self.rule_dates(rule)
        return (f"rule {rule.id} of {self.key} (issued by {self.issuer_of(rule)}, in force {start}.."
                f"{end or 'until revoked'})")

    @classmethod
    def from_file(cls, path: Path | Any) -> AuthorityTable:
        """Read a table from YAML; raise :class:`InvalidAuthorityTable` naming each fault's line."""
        from .yamlfile import YamlError, load_yaml_file

        path = Path(str(path))
        try:
            doc = load_yaml_file(path)
        except YamlError as exc:
            raise InvalidAuthorityTable(f"{path}:{exc.position.line}:{exc.position.column}: {exc}") from None
        try:
            return cls.model_validate(doc.data)
        except ValidationError as exc:
            lines = []
            for err in exc.errors(include_url=False):
                where = doc.position(tuple(err["loc"]))
                field = ".".join(str(p) for p in err["loc"]) or "the table"
                lines.append(f"{path}:{where.line}:{where.column}: {field}: {err['msg'].removeprefix('Value error, ')}")
            raise InvalidAuthorityTable("\n".join(lines)) from None


class InvalidAuthorityTable(ValueError):
    """A table file that does not parse or validate; the message has one ``file:line:col:`` line per fault."""


# -- which table is in force ---------------------------------------------------------------------


def tables_in_force(catalog: Catalog, on_date: dt.date) -> list[AuthorityTable]:
    """Per table id, the version in force on ``on_date``: the newest (by start date, then version)
    whose dates include it. A newer version thus supersedes an older one left open-ended."""
    from packaging.version import InvalidVersion, Version

    def order(t: AuthorityTable):
        try:
            return (t.effective_from, Version(t.version), t.version)
        except InvalidVersion:
            return (t.effective_from, Version("0"), t.version)

    newest: dict[str, AuthorityTable] = {}
    for table in sorted(catalog.authority.values(), key=order):
        if table.in_force(on_date):
            newest[table.id] = table
    return [newest[i] for i in sorted(newest)]


def table_in_force(catalog: Catalog, branch: str, on_date: dt.date) -> AuthorityTable | None:
    """The authority table in force for ``branch`` on ``on_date``, or None when no table is.

    With several tables in force (plugins governing different capabilities), the one with the
    most specific rule for the branch is returned; see :func:`tables_in_force` for all of them.
    """
    tables = tables_in_force(catalog, on_date)
    if not tables:
        return None

    def best(table: AuthorityTable) -> tuple[int, int]:
        found = [specificity(p) for r in table.rules for p in r.branches if branch_matches(p, branch)]
        return max(found, default=(-1, -1))

    return max(tables, key=best)


def delegations(table: AuthorityTable, branch: str, on_date: dt.date) -> list[AuthorityRule]:
    """The rule that applies to ``branch`` for each param on ``on_date`` (the most specific in force),
    by param: what ``jimu authority --branch`` prints."""
    best: dict[str, tuple[tuple[int, int], AuthorityRule]] = {}
    for rule in table.rules:
        if not table.rule_in_force(rule, on_date):
            continue
        for pattern in rule.branches:
            if branch_matches(pattern, branch):
                rank = specificity(pattern)
                if rule.param not in best or rank > best[rule.param][0]:
                    best[rule.param] = (rank, rule)
    return [best[p][1] for p in sorted(best)]


# -- checking one override -------------------------------------------------------------------------


@dataclass(frozen=True)
class Breach:
    """An override HQ has not authorised; ``code`` is the diagnostic (J504–J507)."""

    code: str
    message: str
    hint: str


def governed_capabilities(catalog: Catalog, table: AuthorityTable) -> frozenset[str]:
    """The capability ids ``table`` governs: those under its ``governs`` prefixes that the same
    distribution (or in-memory plugin) registered. An issuer has authority over its own
    capabilities; another plugin's capability in the same domain is its owner's to delegate."""
    mine = catalog._sources.get(f"authority table {table.key}")  # noqa: SLF001 — the catalog's own record
    found = set()
    for entry in catalog.capabilities.values():
        theirs = catalog.source(entry)
        same = mine is not None and (theirs.distribution == mine.distribution if mine.distribution
                                     else theirs.plugin == mine.plugin)
        if same and table.governs_param([f"{entry.id}:"]):
            found.add(entry.id)
    return frozenset(found)


def check_override(tables: list[AuthorityTable], branch: str, paths: list[str], value: Any, default: Any,
                   on_date: dt.date, governed: dict[str, frozenset[str]] | None = None) -> Breach | None:
    """Judge ``value`` set by ``branch`` for a param reached by ``paths`` (``cap:param``, outermost first).

    ``default`` is HQ's default (what the product gets without the override), against which
    ``tighten_only`` is judged. ``governed`` maps a table's key to the capability ids it governs
    (:func:`governed_capabilities`); without it, the ``governs`` prefixes alone decide. None
    when the override is authorised or no table governs it.
    """
    for table in tables:
        if governed is not None:
            if not {p.split(":", 1)[0] for p in paths} & governed.get(table.key, frozenset()):
                continue
        elif not table.governs_param(paths):
            continue
        candidates = [(specificity(p), -paths.index(r.param), r) for r in table.rules if r.param in paths
                      for p in r.branches if branch_matches(p, branch)]
        live = [c for c in candidates if table.rule_in_force(c[2], on_date)]
        shown = paths[-1]
        if not live:
            if candidates:
                rule = max(candidates, key=lambda c: c[:2])[2]
                start, end = table.rule_dates(rule)
                when = f"expired on {end}" if end is not None and end < on_date else f"is in force only from {start}"
                return Breach("J507", f"branch {branch} may not set {shown}: its delegation {table.cite(rule)} "
                              f"{when} (checked as of {on_date})",
                              f"remove the param (HQ's default applies) or ask {table.issuer_of(rule)} to renew "
                              f"rule {rule.id}")
            return Breach("J506", f"branch {branch} has no authority over {shown}: no rule of {table.key} "
                          f"(issued by {table.issuer}) delegates it to this branch",
                          f"HQ reserves what it has not delegated: remove the param to keep HQ's default, or ask "
                          f"{table.issuer} for a delegation")
        rule = max(live, key=lambda c: c[:2])[2]
        return _judge(table, rule, branch, shown, value, default)
    return None


def _judge(table: AuthorityTable, rule: AuthorityRule, branch: str, shown: str, value: Any,
           default: Any) -> Breach | None:
    number = _as_number(value)
    if rule.minimum is not None or rule.maximum is not None:
        if number is None:
            return Breach("J504", f"{shown} {value!r} is not a number, but {table.cite(rule)} allows "
                          f"{rule.describe()}", f"set a number, {_bounds(rule.minimum, rule.maximum)}")
        if (rule.minimum is not None and number < rule.minimum) or (rule.maximum is not None and number > rule.maximum):
            allowed = _bounds(rule.minimum, rule.maximum)
            return Breach("J504", f"{shown} {value!r} exceeds branch {branch}'s authority: {table.cite(rule)} allows "
                          f"{allowed}", f"set {shown.split(':')[-1]} {allowed}, or ask the issuer for wider authority")
    if rule.tighten_only is not None:
        base = _as_number(default)
        if number is not None and base is not None:
            up = rule.tighten_only == "up"
            if (up and number < base) or (not up and number > base):
                way = "raised" if up else "lowered"
                return Breach("J505", f"{shown} {value!r} loosens HQ's default {default!r}: {table.cite(rule)} lets "
                              f"branch {branch} only tighten it (it may only be {way})",
                              f"keep it {'at or above' if up else 'at or below'} {default!r}, or remove the param")
    return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)  # false < true: tighten_only up means false → true only
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _bounds(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{_num(lo)}..{_num(hi)}"
    return f"at least {_num(lo)}" if lo is not None else f"at most {_num(hi)}"


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


# -- checking a table against the catalog ------------------------------------------------------------


def table_problems(catalog: Catalog, table: AuthorityTable) -> list[str]:
    """Rules naming a capability or param that is not installed (a typo delegates nothing)."""
    from .capability import Capability
    from .composite import Composite

    problems = []
    for rule in table.rules:
        cap_id, _, name = rule.param.partition(":")
        versions = catalog.versions(cap_id)
        if not versions:
            problems.append(f"rule {rule.id}: no installed capability {cap_id!r}")
            continue
        newest = versions[-1]
        if isinstance(newest, Capability):
            known = set(newest.params.model_fields)
        elif isinstance(newest, Composite):
            known = set(newest.assembly.exposes)
        else:
            known = set()
        if name not in known:
            problems.append(f"rule {rule.id}: {cap_id} has no param {name!r} (its params: "
                            f"{', '.join(sorted(known)) or 'none'})")
        if rule.tighten_only and isinstance(newest, Capability) and name in known:
            info = newest.params.model_fields[name]
            if info.is_required():
                problems.append(f"rule {rule.id}: tighten_only needs HQ's default, but {rule.param} has none")
    return problems
