"""Validation: an assembly checked against the catalog, every fault a diagnostic, in one pass.

The checks run in the order a reader would ask the questions: does each step name something
installed, in a version the specifier admits, that this branch may use, at a level the
five-level rule allows (J2xx)? Are its params known, within range and within the branch's
authority on the day checked (J5xx)? Is every input bound, unambiguously, to a value of a
fitting type; does anything read what may have been skipped (J3xx)? Do the expressions parse and
name only what is declared (J4xx)? Does the product decide, and is every step and input used
(J6xx)? Does it keep HQ's mandatory controls (J7xx)?

Two networkx graphs carry the structure: the composition graph (composites → what they use,
local files overriding installed ones), whose cycles are J207; and each assembly's data flow
(step → steps that read it), whose topological order is the order a plan will run the steps in
and whose reachability finds steps nothing reads. (When every step reads only steps above it,
the usual case, that order is the file's and one backward sweep finds the reach: no graph is
built for it.)

The result of validating one file is an :class:`Analysis`: the diagnostics, and what the plan
compiler needs (each step's target, bindings and order; the assembly's input and output types).
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

from .. import diagnostics as dx
from ..capability import Capability
from ..catalog import Catalog
from ..composite import Composite
from ..contracts import Domain, Entry, Level, Status
from ..decision import Decision
from ..diagnostics import Diagnostic
from ..types import DECLARABLE, DYN, VType, TypeKind, from_model
from ..yamlfile import Position
from . import exprs
from .load import LoadedFile, load_file
from .model import OPTIONAL_MARK, RESERVED, is_reference, CompositeAssembly, OnError, ProductAssembly, Step
from .params import ParamSpec, _num, from_params_model

DECISION_TYPE = from_model(Decision)


@dataclass
class Target:
    """What a step runs, as validation sees it."""

    entry: Capability | Composite
    input: VType  # an OBJECT: the input fields and their types
    required: set[str]
    output: VType  # an OBJECT
    params: dict[str, ParamSpec]
    inner_params: set[str] = field(default_factory=set)  # a composite's params it does not expose
    analysis: Analysis | None = None  # a composite's own analysis, which the plan compiler compiles


@dataclass
class Binding:
    """Where one input field of a step gets its value."""

    field: str
    source: str  # the expression text (``inputs.resident_id``), or ``inputs.<field>`` when bound by name
    optional: bool = False  # read as null when the step it reads was skipped
    explicit: bool = True


@dataclass
class StepAnalysis:
    index: int
    step: Step
    target: Target | None = None
    bindings: dict[str, Binding] = field(default_factory=dict)
    reads: set[str] = field(default_factory=set)  # ids of the steps it reads
    maybe_skipped: bool = False
    #: for a step whose capability did not resolve: the inputs it would probably take (those of
    #: the capability suggested, or of the newest installed version); None when there is no guess
    guessed_inputs: set[str] | None = None


@dataclass
class Analysis:
    """One assembly, validated: diagnostics, and the resolved structure a plan is compiled from."""

    file: LoadedFile
    steps: dict[str, StepAnalysis] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    input_type: VType = DYN
    output_type: VType = DYN
    params: dict[str, ParamSpec] = field(default_factory=dict)
    result_reads: set[str] = field(default_factory=set)  # steps the decision and outputs read
    #: every expression checked, by its YAML path (``("steps", 1, "when")``): the plan compiles these
    expressions: dict[tuple, Any] = field(default_factory=dict)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.file.diagnostics

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


class Validator:
    """Validates assembly files against one catalog; composites among the files override installed ones."""

    def __init__(self, catalog: Catalog, files: Iterable[LoadedFile] = (), as_of: dt.date | None = None):
        from ..authority import governed_capabilities, tables_in_force

        self.catalog = catalog
        #: the date HQ's authority (and dated policies) are judged on: ``jimu validate --as-of``
        self.as_of = as_of or dt.date.today()
        self.authority = tables_in_force(catalog, self.as_of)
        self.governed = {t.key: governed_capabilities(catalog, t) for t in self.authority}
        self._policy_closures: dict = {}  # shared by every product's ProductView: the catalog is fixed
        self.local: dict[tuple[str, str], LoadedFile] = {}
        for f in files:
            if isinstance(f.model, CompositeAssembly):
                self.local[(f.model.id, f.model.version)] = f
        self._local_by_id: dict[str, list] = {}
        for key, f in self.local.items():
            self._local_by_id.setdefault(key[0], []).append((key, f))
        self._targets: dict[int, tuple[Any, Target]] = {}  # id(entry) → (entry, its Target); see target_of
        self._step_outcomes: dict[tuple, _StepOutcome] = {}  # see FileCheck.resolve_step
        self._breaking_by_entry: dict[tuple[str, str], Any] = {}  # (id, version) → BreakingMinor or None
        self._params_errors: dict[tuple, list] = {}  # (params model, params) → errors; see FileCheck._params_errors
        self._analyses: dict[tuple[str, str], Analysis] = {}
        self._resolved: dict[tuple[str, str], tuple] = {}
        self._in_progress: set[tuple[str, str]] = set()
        self._cycles = self._composition_cycles()
        self._breaking_minor: dict = {}  # (id, major) → jimu.governance.diff.BreakingMinor or None

    # -- the composition graph -----------------------------------------------------------------

    def _composites(self) -> dict[str, CompositeAssembly]:
        found = {c.id: c.assembly for c in self.catalog.capabilities.values() if isinstance(c, Composite)}
        found.update({key[0]: f.model for key, f in self.local.items()})  # local files win
        return found

    def _composition_cycles(self) -> dict[str, list[str]]:
        """Each composite on a cycle → the cycle, as ids (``a → b → a``); J207 is reported per file."""
        composites = self._composites()
        edges = [(cid, step.uses) for cid, assembly in composites.items() for step in assembly.steps
                 if step.uses in composites]
        if _acyclic(edges):
            return {}  # the usual catalog: no need for networkx's graph (two thirds of the validator's start)
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_edges_from(edges)
        cycles: dict[str, list[str]] = {}
        for component in nx.strongly_connected_components(graph):
            if len(component) > 1 or any(graph.has_edge(n, n) for n in component):
                start = min(component)
                cycle = [u for u, _ in nx.find_cycle(graph, start)]
                for node in component:
                    cycles[node] = cycle
        return cycles

    # -- resolving what a step uses -------------------------------------------------------------

    def resolve(self, cap_id: str, specifier: str) -> tuple[Entry | LoadedFile | None, list[str]]:
        """The newest installed (or local) version admitted; else None and the installed versions."""
        # The catalog and local files are fixed for a validator's life, and a shared step is
        # resolved once per composite and product using it: parse each specifier once.
        key = (cap_id, specifier)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(cap_id, specifier)
        return found

    def _resolve(self, cap_id: str, specifier: str) -> tuple[Entry | LoadedFile | None, list[str]]:
        installed = self.catalog.versions(cap_id)
        if len(installed) == 1 and cap_id not in self._local_by_id:  # most ids: what the general case comes to
            only = _version(installed[0].version)[0]
            return (installed[0], []) if _admits(specifier, only) else (None, [only])
        # keyed by the normalised version, so a local 1.0.0 replaces an installed 1.0.0 however written
        candidates: dict[str, Entry | LoadedFile] = {_version(e.version)[0]: e for e in installed}
        for (lid, lver), f in self._local_by_id.get(cap_id, ()):
            candidates[_version(lver)[0]] = f
        if not candidates:
            return None, []
        admitted = sorted((_version(v)[1] for v in candidates if _admits(specifier, v)))
        finals = [v for v in admitted if not v.is_prerelease]
        if not admitted:
            return None, sorted(candidates, key=lambda v: _version(v)[1])
        return candidates[str((finals or admitted)[-1])], []

    def target_of(self, entry: Entry | LoadedFile) -> Target | None:
        # Each target is built once per validator: a shared step is run by many composites and
        # products, the catalog and local files are fixed, and nothing downstream mutates a Target.
        known = self._targets.get(id(entry))
        if known is not None and known[0] is entry:
            return known[1]
        target = self._target_of(entry)
        if target is not None and (target.analysis is None or self._analyses.get(
                (target.entry.id, target.entry.version)) is target.analysis):  # (not a stand-in on a cycle)
            self._targets[id(entry)] = (entry, target)  # the entry kept: its id stays its own
        return target

    def _target_of(self, entry: Entry | LoadedFile) -> Target | None:
        if isinstance(entry, Capability):
            required = {n for n, info in entry.input.model_fields.items() if info.is_required()}
            return Target(entry, from_model(entry.input), required, from_model(entry.output),
                          from_params_model(entry.params, entry.id))
        if isinstance(entry, Composite):
            key = (entry.id, entry.version)
            local = self.local.get(key)
            if local is not None:  # the file given on the command line stands for the installed one
                return self.target_of(local)
            if key in self._analyses:
                loaded = self._analyses[key].file
            else:
                # A copy: the catalog keeps one parsed file per composite for every validator, and
                # validating appends findings to the file checked (a second validation with the
                # same catalog would otherwise report each finding of the first again).
                base = entry.loaded()
                loaded = copy.copy(base)  # (what dataclasses.replace does, at a fifth of its cost)
                loaded.diagnostics = list(base.diagnostics)
            analysis = self.analyse_composite(entry.assembly, loaded)
            return self._composite_target(entry, analysis)
        if isinstance(entry, LoadedFile):
            analysis = self.analyse_composite(entry.model, entry)
            composite = Composite(assembly=entry.model, path=str(entry.path), text=entry.doc.text)
            return self._composite_target(composite, analysis)
        return None

    def _composite_target(self, composite: Composite, analysis: Analysis) -> Target:
        inputs = composite.assembly.inputs
        required = {name for name, spec in inputs.items() if not spec.optional}
        inner = {p for s in analysis.steps.values() if s.target for p in s.target.params}
        inner |= {f"{s.step.id}.{p}" for s in analysis.steps.values() if s.target for p in s.target.params}
        return Target(composite, analysis.input_type, required, analysis.output_type, analysis.params,
                      inner - set(analysis.params), analysis)

    def analyse_composite(self, assembly: CompositeAssembly, loaded: LoadedFile) -> Analysis:
        key = (assembly.id, assembly.version)
        if key in self._analyses:
            return self._analyses[key]
        if key in self._in_progress:
            # Reached from itself: its types are unknown here (J207 is reported at the step on the cycle).
            return Analysis(loaded, input_type=_input_type(assembly), output_type=DYN)
        self._in_progress.add(key)
        try:
            analysis = self.validate(loaded)
        finally:
            self._in_progress.discard(key)
        self._analyses[key] = analysis
        return analysis

    # -- one file --------------------------------------------------------------------------------

    def validate(self, loaded: LoadedFile) -> Analysis:
        """Every check on one loaded file; diagnostics are appended to ``loaded.diagnostics``."""
        analysis = Analysis(loaded)
        if loaded.raw is None or loaded.kind not in ("product", "composite"):
            return analysis  # not an assembly at all: the loader has said so; nothing more is reliable
        FileCheck(self, analysis).run()
        if isinstance(loaded.model, ProductAssembly):
            self.apply_policies(analysis)
        return analysis

    def apply_policies(self, analysis: Analysis) -> None:
        """HQ's policies over a product (J701, or the policy's own J7xx); a policy that fails is an error, never a pass."""
        from ..policy import ProductView

        if analysis.file.broken_steps or any(s.target is None for s in analysis.steps.values()):
            return  # a policy judging a product with unknown steps could only guess: fix those first
        view = ProductView(analysis, self.catalog, as_of=self.as_of, _closures=self._policy_closures)
        for policy in self.catalog.policies.values():
            try:
                findings = list(policy.check(view))
            except Exception as exc:
                analysis.file.report(dx.CODES[policy.code], f"policy {policy.id} could not check this product: "
                                     f"{type(exc).__name__}: {exc}", ("kind",), key=True,
                                     hint=f"report it to the policy's owner ({policy.owner or 'HQ'})")
                continue
            for finding in findings:
                analysis.file.report(dx.CODES[policy.code], f"policy {policy.id}: {finding.message}", tuple(finding.path),
                                     key=len(finding.path) == 1, hint=finding.hint,
                                     severity=finding.severity)

    def validate_all(self, files: Iterable[LoadedFile]) -> list[Analysis]:
        """Every file once (composites through their cache), then installed composites they reached."""
        results = []
        for f in files:
            if isinstance(f.model, CompositeAssembly):
                results.append(self.analyse_composite(f.model, f))
            else:
                results.append(self.validate(f))
        given = {id(a.file) for a in results}
        results += [a for a in self._analyses.values() if id(a.file) not in given and a.diagnostics]
        for a in results:
            a.file.diagnostics.sort(key=_BY_PLACE)
        return results


def _acyclic(edges: list[tuple[str, str]]) -> bool:
    """Whether the directed graph of ``edges`` has no cycle (Kahn: peel off nodes nothing points to)."""
    successors: dict[str, list[str]] = {}
    pointed: dict[str, int] = {}
    for a, b in edges:
        successors.setdefault(a, []).append(b)
        pointed[b] = pointed.get(b, 0) + 1
    free = [n for n in successors if n not in pointed]
    peeled = 0
    while free:
        node = free.pop()
        peeled += 1
        for nxt in successors.get(node, ()):
            pointed[nxt] -= 1
            if not pointed[nxt]:
                free.append(nxt)
    return peeled == len(successors.keys() | pointed.keys())


class FileCheck:
    """The checks of one file; a class only to share the file, the model and the scope."""

    def __init__(self, validator: Validator, analysis: Analysis):
        self.v, self.a, self.f = validator, analysis, analysis.file
        self.model = self.f.model
        raw = self.f.raw or {}
        self.is_composite = self.f.kind == "composite"
        self.branch = raw.get("branch") if isinstance(raw.get("branch"), str) else None
        level = raw.get("level")
        self.level = level if isinstance(level, int) and not isinstance(level, bool) and 2 <= level <= 4 else None
        self.inputs = _declared_inputs(raw.get("inputs"))
        self.used_inputs: set[str] = set()
        self.faulty: set[tuple] = set()  # YAML paths of expressions with findings (no cascades)
        #: what a step's resolution depends on besides its capability and specifier (see resolve_step)
        self.context = (self.branch, self.is_composite, self.level,
                        self.is_composite and self.model is not None and self.model.id in validator._cycles)

    def run(self) -> None:
        a = self.a
        a.input_type = VType(TypeKind.OBJECT, fields=tuple(self.inputs.items()), name="inputs")
        for index, step in sorted(self.f.steps.items()):
            if step.id in a.steps:
                first = a.steps[step.id].index
                self.f.report(dx.DUPLICATE_STEP, f"two steps are named {step.id!r} (the first is step {first + 1})",
                              ("steps", index, "id"), hint="give each step its own id")
                continue
            a.steps[step.id] = StepAnalysis(index, step)
        for s in a.steps.values():
            s.target = self.resolve_step(s)
        self.scope = self.make_scope()
        for s in a.steps.values():
            self.check_params(s)
            if s.step.when is not None:
                self.check_when(s)
            self.check_bindings(s)
        self.check_result()
        self.check_skips()
        self.order_and_reach()
        if self.is_composite and self.model is not None:
            self.check_exposes()
        self.check_unused_inputs()

    # -- J2xx ------------------------------------------------------------------------------------

    def resolve_step(self, s: StepAnalysis) -> Target | None:
        """J2xx for one step, and its target. Steps naming the same capability and specifier in
        files of one kind (same branch, same level, on a composition cycle or not) come to the
        same findings and target: worked out once per validator, then only reported at each step."""
        step = s.step
        key = (step.uses, step.version, self.context)
        outcome = self.v._step_outcomes.get(key)
        if outcome is None:
            outcome = self._step_outcome(step)
            target = outcome.target
            known = self.v._targets.get(id(target.entry)) if target is not None else None
            # (not a composite's stand-in while it is being analysed, on a cycle: that one is provisional)
            if target is None or isinstance(target.entry, Capability) or (known is not None and known[1] is target):
                self.v._step_outcomes[key] = outcome
        for code, message, part, hint in outcome.reports:
            self.f.report(code, message, ("steps", s.index, part), hint=hint)
        if outcome.guessed is not _NOT_GUESSED:
            s.guessed_inputs = set(outcome.guessed) if outcome.guessed is not None else None
        return outcome.target

    def _step_outcome(self, step: Step) -> _StepOutcome:
        outcome = _StepOutcome()

        def note(code: dx.DiagnosticCode, message: str, part: str, hint: str | None) -> None:
            outcome.reports.append((code, message, part, hint))

        found, installed = self.v.resolve(step.uses, step.version)
        if found is None and not installed:
            suggestions = self.v.catalog.suggest(step.uses) or difflib.get_close_matches(
                step.uses, [k[0] for k in self.v.local], n=2)
            hint = f"did you mean {' or '.join(repr(x) for x in suggestions)}?" if suggestions else \
                "run `jimu catalog` to list installed capabilities"
            note(dx.UNKNOWN_CAPABILITY, f"unknown capability {step.uses!r}", "uses", hint=hint)
            guesses = [self._inputs_of(x, "") for x in suggestions]
            outcome.guessed = frozenset().union(*guesses) if guesses and None not in guesses else None
            return outcome
        if found is None:
            note(dx.NO_MATCHING_VERSION,
                 f"no installed version of {step.uses} satisfies {step.version!r} "
                 f"(installed: {', '.join(installed)})", "version",
                 hint=f"widen the specifier, e.g. version: \"~={_major_minor(installed[-1])}\"")
            guessed = self._inputs_of(step.uses, "")
            outcome.guessed = frozenset(guessed) if guessed is not None else None
            return outcome
        entry = found if isinstance(found, Entry) else None
        header = entry or _LocalHeader(found.model)
        if isinstance(found, Domain):
            note(dx.LEVEL_RULE, f"{step.uses} is an L1 domain: a declaration, not something a step runs",
                 "uses", hint=f"use one of its capabilities (`jimu catalog --domain {step.uses}`)")
            return outcome
        status = header.lifecycle.status
        if status is Status.RETIRED:
            note(dx.RETIRED, f"{step.uses} {header.version} is retired", "uses",
                 hint=_successor_hint(header) or "remove the step or ask its owner for a replacement")
        elif status is Status.DEPRECATED:
            lc = header.lifecycle
            note(dx.DEPRECATED, f"{step.uses} {header.version} is deprecated: use {lc.successor} "
                 f"before {lc.sunset}", "uses", hint=_successor_hint(header))
        if entry is not None:
            memo = self.v._breaking_by_entry
            key = (entry.id, entry.version)
            if key not in memo:  # the catalog is fixed for the validator's life
                if len(self.v.catalog.versions(entry.id)) < 2:
                    memo[key] = None  # one version installed: nothing it could break
                else:
                    from ..governance.diff import breaking_minor  # (imports the governance package: only here)

                    memo[key] = breaking_minor(self.v.catalog, entry, self.v, self.v._breaking_minor)
            broken = memo[key]
            if broken is not None:
                note(dx.BREAKING_MINOR, broken.message, "uses", hint=broken.hint)
        if self.branch and not header.entitles(self.branch):
            note(dx.NOT_ENTITLED, f"branch {self.branch} is not entitled to {step.uses} "
                 f"(entitled: {', '.join(header.entitlements)})", "uses",
                 hint=f"ask its owner ({header.owner}) to entitle {self.branch}")
        if self.is_composite and self.model is not None and step.uses in self.v._cycles \
                and self.model.id in self.v._cycles:
            cycle = self.v._cycles[step.uses]
            note(dx.CYCLE, "composites use each other in a cycle: " + " → ".join([*cycle, cycle[0]]),
                 "uses", hint="a composite may use only capabilities below it")
            return outcome
        if self.is_composite and self.level is not None and header.level <= self.level:
            deeper = "L5 steps" if self.level == 4 else f"levels {self.level + 1}–5"
            note(dx.LEVEL_RULE,
                 f"the five-level rule: an L{self.level} {Level(self.level).label} may use only {deeper}, "
                 f"but {step.uses} is L{int(header.level)} ({Level(header.level).label})",
                 "uses", hint="use its deeper parts instead, or raise this composite's level")
        outcome.target = self.v.target_of(found)
        return outcome

    def _inputs_of(self, cap_id: str, specifier: str) -> set[str] | None:
        found, _ = self.v.resolve(cap_id, specifier)
        if isinstance(found, Capability):
            return set(found.input.model_fields)
        if isinstance(found, Composite):
            return set(found.assembly.inputs)
        if isinstance(found, LoadedFile) and found.model is not None:
            return set(found.model.inputs)
        return None

    # -- J5xx ------------------------------------------------------------------------------------

    def check_params(self, s: StepAnalysis) -> None:
        t = s.target
        if t is None:
            return
        if not s.step.params:  # the usual step: only the params model's own rules, on its defaults
            if isinstance(t.entry, Capability) and self.v._params_errors.get((t.entry.params, ())) != []:
                self._check_params_together(s, t.entry)  # (not known to be fine with its defaults)
            return
        before = len(self.f.diagnostics)
        for name, value in s.step.params.items():
            where = ("steps", s.index, "params", name)
            spec = t.params.get(name)
            if spec is None:
                if isinstance(t.entry, Composite) and name in t.inner_params:
                    exposed = ", ".join(sorted(t.params)) or "none"
                    self.f.report(dx.PARAM_NOT_EXPOSED,
                                  f"{name} is not exposed by composite {t.entry.id} (it exposes: {exposed})",
                                  where, key=True, hint=f"ask its owner ({t.entry.owner}) to expose it, "
                                  "or set only what it exposes")
                else:
                    known = sorted(t.params)
                    close = difflib.get_close_matches(name, known, n=1)
                    hint = f"did you mean {close[0]!r}?" if close else (
                        f"its params: {', '.join(known)}" if known else f"{t.entry.id} takes no params")
                    self.f.report(dx.UNKNOWN_PARAM, f"{t.entry.id} has no param {name!r}", where, key=True, hint=hint)
                continue
            problem = spec.check(value)
            if problem:
                kind, message = problem
                code = dx.PARAM_OUT_OF_RANGE if kind == "range" else dx.WRONG_TYPE
                self.f.report(code, message, where, hint=f"{name} must be within {spec.range_text()}"
                              if kind == "range" else f"{name} takes {spec.vtype.describe()}")
            elif self.branch and not self.is_composite:
                self.check_authority(spec, value, where)
        if len(self.f.diagnostics) == before and isinstance(t.entry, Capability):
            self._check_params_together(s, t.entry)

    def check_authority(self, spec: ParamSpec, value: Any, where: tuple) -> None:
        """J504–J507: a branch's override against HQ's authority table in force (technical range already fine)."""
        from ..authority import check_override

        paths, node = [], spec
        while node is not None:  # the exposed name first, down to the capability that declares it
            paths.append(f"{node.owner}:{node.name}")
            node = node.inner
        breach = check_override(self.v.authority, self.branch, paths, value, spec.default, self.v.as_of,
                                self.v.governed)
        if breach is not None:
            self.f.report(dx.CODES[breach.code], breach.message, where, hint=breach.hint)

    def _check_params_together(self, s: StepAnalysis, cap: Capability) -> None:
        """Rules across params (a floor below its ceiling): the params model as a whole, once each field is fine."""
        for name, message in self._params_errors(cap.params, s.step.params):
            where = ("steps", s.index, "params", name) if name in s.step.params else ("steps", s.index, "params")
            self.f.report(dx.PARAM_OUT_OF_RANGE, f"params of {cap.id}: {message}",
                          where, key=True, hint=f"`jimu show {cap.id}` lists its params and their rules")

    def _params_errors(self, model: Any, params: dict) -> list[tuple[Any, str]]:
        """(field, message) for each error of ``params`` against the params model; memoised per validator.

        A step usually sets no params, or the same ones as other steps running that capability:
        building the model for each of them would repeat the same work (pydantic, in Python).
        """
        try:
            # typed: 1, 1.0 and True are equal keys, but not the same param value to validate
            key = (model, tuple(sorted((name, type(value), value) for name, value in params.items()))
                   if params else ())
            hash(key)
        except TypeError:  # a list or mapping among the values: validate, do not memoise
            key = None
        memo = self.v._params_errors
        if key is not None and key in memo:
            return memo[key]
        from pydantic import ValidationError

        errors: list[tuple[Any, str]] = []
        try:
            model.model_validate(dict(params))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                errors.append((err["loc"][0] if err["loc"] else None, err["msg"].removeprefix("Value error, ")))
        if key is not None:
            memo[key] = errors
        return errors

    # -- J4xx, J3xx --------------------------------------------------------------------------------

    def make_scope(self) -> VType:
        steps = []
        for sid, s in self.a.steps.items():
            steps.append((sid, s.target.output if s.target else DYN))
        for sid in self.f.broken_steps:
            if sid not in self.a.steps:
                steps.append((sid, DYN))
        return VType(TypeKind.OBJECT, fields=(("inputs", self.a.input_type),
                                             ("steps", VType(TypeKind.OBJECT, fields=tuple(steps), name="steps"))))

    def expression(self, text: str, path: tuple, *, binding: bool = False, reader: StepAnalysis | None = None,
                   reference: bool = False):
        """Parse and check one expression at ``path``; report its findings at absolute positions.

        Returns the result, its type (nullable when read as optional) and whether it was; where
        it starts in the file (``_expression_origin``) is looked up only by callers that report.
        """
        if self.f.broken_steps and any(f"steps.{sid}" in text for sid in self.f.broken_steps & RESERVED):
            self.faulty.add(path)  # names a step whose id is a reserved word: J103 there says it all
            return exprs.Result(DYN), DYN, False
        stripped = text.rstrip() if binding else text
        optional = binding and stripped.endswith(OPTIONAL_MARK)
        body = stripped[:-1] if optional else text
        result = exprs.analyse(body, self.scope)
        self.a.expressions[path] = result
        plain_path = (binding or reference) and result.is_path
        if result.findings:
            self.faulty.add(path)
        for finding in result.findings:
            code = finding.code
            if plain_path and code == dx.EXPR_UNKNOWN_NAME.code:
                code = dx.UNKNOWN_REFERENCE.code
            self.f.report(dx.CODES[code], finding.message, position=self._position_in(path, finding.line, finding.column,
                          body), hint=finding.hint)
        for ref in result.references:
            chain = ref.path
            if len(chain) > 1:
                if chain[0] == "inputs":
                    self.used_inputs.add(chain[1])
                elif chain[0] == "steps" and reader is not None:
                    reader.reads.add(chain[1])
        vtype = result.type
        if optional and vtype is not None:
            vtype = vtype.with_nullable(True)
        return result, vtype, optional

    def _position_in(self, path: tuple, line: int, column: int, text: str | None = None) -> Position:
        """Where character (line, column) of the expression at ``path`` stands in the file.

        YAML may fold an expression over several lines (``when: >-``, a long plain or quoted
        scalar): only whitespace changes, so counting the non-blank characters before the spot
        in the expression and walking as many in the file finds it.
        """
        value = text if text is not None else self._value_at(path)
        base = self._expression_origin(path)
        if value is None or self.f.doc is None:
            return base
        lines = value.split("\n")
        offset = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
        wanted = sum(1 for ch in value[:offset] if not ch.isspace())
        src = self.f.doc.text.split("\n")
        row, col = base.line - 1, base.column - 1
        if row < len(src) and src[row][col:col + 1] in ("|", ">"):
            row, col = row + 1, 0  # a block scalar starts on the next line
        seen = 0
        while row < len(src):
            text_line = src[row]
            while col < len(text_line):
                if not text_line[col].isspace():
                    if seen == wanted:
                        return Position(row + 1, col + 1)
                    seen += 1
                col += 1
            row, col = row + 1, 0
        return base

    def _value_at(self, path: tuple) -> str | None:
        node: Any = self.f.raw
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node if isinstance(node, str) else None

    def _expression_origin(self, path: tuple) -> Position:
        where = self.f.at(path)
        line = self.f.doc.line_text(where.line) if self.f.doc else ""
        if where.column - 1 < len(line) and line[where.column - 1] in "\"'":
            return Position(where.line, where.column + 1)
        return where

    def check_when(self, s: StepAnalysis) -> None:
        if s.step.when is None:
            return
        result, vtype, _ = self.expression(s.step.when, ("steps", s.index, "when"), reader=s)
        if vtype is not None and vtype.kind not in (TypeKind.BOOL, TypeKind.DYN):
            self.f.report(dx.EXPR_TYPE, f"when must be true or false, but {s.step.when.strip()!r} is {vtype.describe()}",
                          ("steps", s.index, "when"), hint="compare it, e.g. steps.score.band == 'A'")

    def check_bindings(self, s: StepAnalysis) -> None:
        t = s.target
        if t is None:
            for name, text in s.step.with_.items():
                self.expression(text, ("steps", s.index, "with", name), binding=True, reader=s)
            return
        with_, when = s.step.with_, s.step.when
        fields = dict(t.input.fields) if with_ else {}  # (only the explicit bindings look fields up)
        # A when that tests has(x) makes x non-null wherever the step runs (flow typing). When
        # the when itself is broken its guards are unknown: no type findings that it might void.
        guards = exprs.guards(when) if when else _NO_GUARDS
        guards_known = not when or ("steps", s.index, "when") not in self.faulty
        providers = self.__dict__.get("_providers") or self.providers()
        for name, text in with_.items():
            where = ("steps", s.index, "with", name)
            if name not in fields:
                close = difflib.get_close_matches(name, list(fields), n=1)
                self.f.report(dx.UNKNOWN_REFERENCE, f"{t.entry.id} has no input {name!r}", where, key=True,
                              hint=f"did you mean {close[0]!r}?" if close else f"its inputs: {', '.join(fields)}")
                self.expression(text, where, binding=True, reader=s)
                continue
            result, vtype, optional = self.expression(text, where, binding=True, reader=s)
            s.bindings[name] = Binding(name, text, optional)
            if vtype is not None and vtype.nullable and not optional and f"has:{text.strip()}" in guards:
                vtype = vtype.with_nullable(False)
            if vtype is not None and not result.findings and guards_known and vtype is not fields[name] \
                    and not vtype.assignable_to(fields[name]):
                self.f.report(dx.INCOMPATIBLE_TYPE, _mismatch(text, vtype, name, fields[name], t.entry.id),
                              position=self._expression_origin(where),
                              hint=_type_hint(vtype, fields[name], text.strip()))
        for name, ftype in t.input.fields:
            if name in with_:
                continue
            listed = providers.get(name)
            from_steps = [sid for index, sid in listed if index < s.index] if listed else []
            where = ("steps", s.index, "uses")
            if name in self.inputs:
                if from_steps:
                    self.f.report(dx.AMBIGUOUS_INPUT,
                                  f"input {name!r} of step {s.step.id!r} could be inputs.{name} or "
                                  + " or ".join(f"steps.{o}.{name}" for o in from_steps), where,
                                  hint=f"bind it explicitly: with: {{{name}: steps.{from_steps[0]}.{name}}} "
                                  f"or with: {{{name}: inputs.{name}}}")
                    self.used_inputs.add(name)
                    continue
                self.used_inputs.add(name)
                s.bindings[name] = Binding(name, f"inputs.{name}", explicit=False)
                given = self.inputs[name]
                if given.nullable and f"has:inputs.{name}" in guards:
                    given = given.with_nullable(False)
                if guards_known and given is not ftype and not given.assignable_to(ftype):  # (a type fits itself)
                    self.f.report(dx.INCOMPATIBLE_TYPE,
                                  _mismatch(f"inputs.{name}", self.inputs[name], name, ftype, t.entry.id),
                                  ("inputs", name), hint=_type_hint(self.inputs[name], ftype, f"inputs.{name}"))
            elif name in t.required:
                hint = (f"bind it: with: {{{name}: steps.{from_steps[-1]}.{name}}}" if from_steps else
                        f"declare it under inputs: ({name}: {_declare_as(ftype)}) or bind it with with:")
                self.f.report(dx.UNBOUND_INPUT,
                              f"step {s.step.id!r}: {t.entry.id} needs input {name!r} ({ftype.describe()}), "
                              "bound to nothing", where, hint=hint)

    def providers(self) -> dict[str, list[tuple[int, str]]]:
        """Output field name → the resolved steps that output it, as (index, id) in file order.

        What an unbound input could be read from: built once per file rather than scanning the
        earlier steps' outputs for each input of each step."""
        found = self.__dict__.get("_providers")
        if found is None:
            found = self.__dict__["_providers"] = {}
            for o in self.a.steps.values():
                if o.target is not None:
                    for name, _ in o.target.output.fields:
                        found.setdefault(name, []).append((o.index, o.step.id))
            for listed in found.values():
                listed.sort()
        return found

    def check_skips(self) -> None:
        """J304: reading a step that may be skipped, without being skipped with it or saying optional."""
        steps = self.a.steps
        for s in steps.values():
            s.maybe_skipped = s.step.when is not None or s.step.on_error is OnError.SKIP
        if not any(s.maybe_skipped for s in steps.values()):
            return  # nothing may be skipped: nothing to guard
        for s in steps.values():
            guards = exprs.guards(s.step.when) if s.step.when else _NO_GUARDS
            for name, text in s.step.with_.items():
                self._check_skip_reads(text, guards, ("steps", s.index, "with", name), binding=True)
            if s.step.when:
                self._check_skip_reads(s.step.when, guards, ("steps", s.index, "when"))
        if self.model is not None:
            for name, text in self.model.outputs.items():
                self._check_skip_reads(text, _NO_GUARDS, ("outputs", name), binding=True)

    def _check_skip_reads(self, text: str, guards: frozenset[str], path: tuple, binding: bool = False) -> None:
        if (binding and text.rstrip().endswith(OPTIONAL_MARK)) or path in self.faulty:
            return
        own = None  # what holds where the expression is read: only asked when it reads what may be skipped
        for ref in exprs.reads(text):
            if len(ref.path) < 2 or ref.path[0] != "steps" or ref.presence_test:
                continue
            source = self.a.steps.get(ref.path[1])
            if source is None or not source.maybe_skipped:
                continue
            when = source.step.when
            skips_on_error = source.step.on_error is OnError.SKIP
            if own is None:
                own = exprs.guards(text) | guards
            if (when and not skips_on_error and exprs.normalise(when) in own) or f"has:{ref.path[1]}" in own:
                continue
            why = "has on_error: skip" if skips_on_error else "has a when"
            field_path = ".".join(ref.path)
            same_condition = when and not skips_on_error
            if path[0] == "steps" and binding:
                hint = (f"add `when: {when}` to this step, or " if same_condition else "") + \
                    f"read it as optional: {field_path}? (null when skipped)"
            elif path[0] == "steps":
                hint = f"guard it: has({field_path}) && …" + (f", or repeat its condition: {when} && …"
                                                              if same_condition else "")
            else:
                hint = f"read it as optional: {field_path}? (null when skipped)"
            self.f.report(dx.MAYBE_SKIPPED,
                          f"reads {field_path}, but step {ref.path[1]!r} {why} and may be skipped",
                          position=self._position_in(path, ref.line, ref.column), hint=hint)

    # -- J6xx ------------------------------------------------------------------------------------

    def check_result(self) -> None:
        model, a = self.model, self.a
        raw = self.f.raw or {}
        decisions = model.decisions if model is not None else _strings(raw.get("decision"))
        outputs = model.outputs if model is not None else _string_map(raw.get("outputs"))
        explicitly_none = model.decides_nothing if model is not None else raw.get("decision") == "none"
        if not decisions and self.f.kind == "product" and not explicitly_none:
            self.f.report(dx.NO_DECISION, "the product declares no decision output",
                          ("decision",) if "decision" in raw else ("kind",), key=True,
                          hint="add `decision: steps.<id>.decision`, naming the step (or steps) that decide "
                          "(or `decision: none` for a product that only computes figures)")
        self.result_reads = a.result_reads
        for i, text in enumerate(decisions):
            path = ("decision", i) if isinstance(raw.get("decision"), list) else ("decision",)
            holder = StepAnalysis(-1, _RESULT_STEP)
            result, vtype, _ = self.expression(text, path, reader=holder, reference=True)
            self.result_reads |= holder.reads
            if vtype is not None and not result.findings and vtype.kind is not TypeKind.DYN \
                    and not vtype.with_nullable(False).assignable_to(DECISION_TYPE):
                self.f.report(dx.INCOMPATIBLE_TYPE, f"the decision must be a Decision, but {text} is {vtype.describe()}",
                              position=self._expression_origin(path),
                              hint="name a step output of type Decision, e.g. steps.<id>.decision")
        fields = []
        for name, text in outputs.items():
            holder = StepAnalysis(-1, _RESULT_STEP)
            _, vtype, _ = self.expression(text, ("outputs", name), binding=True, reader=holder)
            self.result_reads |= holder.reads
            fields.append((name, vtype or DYN))
        if decisions:
            fields.append(("decision", DECISION_TYPE))
        a.output_type = VType(TypeKind.OBJECT, fields=tuple(fields), name=getattr(model, "id", "outputs"))

    def order_and_reach(self) -> None:
        """Data-flow graph: cycles (J207), the run order, and steps nothing reads (J602)."""
        a = self.a
        steps = a.steps
        edges, forward = [], True
        for s in steps.values():
            for source in s.reads:
                read = steps.get(source)
                if read is not None:
                    edges.append((source, s.step.id))
                    forward = forward and read.index < s.index
        if forward:
            # The usual case: every step reads only steps written above it. The file's order is
            # then the topological order that the graph below would give (it breaks ties by that
            # order), and one sweep from the last step up finds what the results need: no graph.
            a.order = list(a.steps)  # (run adds the steps in file order)
            needed = self._needed_by_sweep(a.order) if self.result_reads else set()
        else:
            needed = self._order_by_graph(edges)
            if needed is None:
                return
        if not self.result_reads:
            return
        for sid in a.order:
            s = steps[sid]
            if sid not in needed and s.target is not None:
                self.f.report(dx.UNREACHABLE_STEP, f"step {sid!r} computes nothing the decision or outputs read",
                              ("steps", s.index, "id"), hint=_UNREAD_HINT)

    def _needed_by_sweep(self, order: list[str]) -> set[str]:
        """The steps the results read and, transitively, what those read; ``order`` has every read before its reader."""
        steps = self.a.steps
        needed = set(self.result_reads)
        for sid in reversed(order):
            if sid in needed:
                needed.update(source for source in steps[sid].reads if source in steps)
        return needed

    def _order_by_graph(self, edges: list[tuple[str, str]]) -> set[str] | None:
        """Order steps that read steps below them with networkx; J207 on a cycle (then None)."""
        import networkx as nx

        a = self.a
        graph = nx.DiGraph()
        graph.add_nodes_from(a.steps)
        graph.add_edges_from(edges)
        try:
            a.order = list(nx.lexicographical_topological_sort(graph, key=lambda n: a.steps[n].index))
        except nx.NetworkXUnfeasible:
            cycle = [u for u, _ in nx.find_cycle(graph)]
            first = min(cycle, key=lambda n: a.steps[n].index)
            self.f.report(dx.CYCLE, "steps read each other in a cycle: " + " → ".join([*cycle, cycle[0]]),
                          ("steps", a.steps[first].index, "id"), hint="a step may read only steps that do not read it")
            a.order = sorted(a.steps, key=lambda n: a.steps[n].index)
            return None
        needed = set(self.result_reads)
        for sink in self.result_reads:
            if sink in graph:
                needed |= nx.ancestors(graph, sink)
        return needed

    def check_exposes(self) -> None:
        model, a = self.model, self.a
        for name, exposed in model.exposes.items():
            where = ("exposes", name, "path")
            step_id, _, param = exposed.path.partition(".")
            s = a.steps.get(step_id)
            if s is None:
                self.f.report(dx.UNKNOWN_REFERENCE, f"exposes {exposed.path}: there is no step {step_id!r}", where,
                              hint=f"steps: {', '.join(a.steps)}")
                continue
            if s.target is None:
                continue
            inner = s.target.params.get(param)
            if inner is None:
                self.f.report(dx.UNKNOWN_PARAM, f"exposes {exposed.path}: {s.target.entry.id} has no param {param!r}",
                              where, hint=f"its params: {', '.join(s.target.params) or 'none'}")
                continue
            if param in s.step.params:
                self.f.report(dx.WRONG_TYPE, f"{exposed.path} is both set in step {step_id!r} and exposed as {name}",
                              ("steps", s.index, "params", param), key=True,
                              hint="expose it (products set it) or set it here (fixed), not both")
            if (exposed.minimum is not None or exposed.maximum is not None) and not inner.vtype.is_numeric:
                self.f.report(dx.WRONG_TYPE, f"exposes {name}: minimum and maximum apply only to numbers, "
                              f"but {exposed.path} is {inner.vtype.describe()}", ("exposes", name),
                              hint="remove minimum/maximum, or expose a numeric param")
                continue
            if exposed.minimum is not None and exposed.maximum is not None and exposed.minimum > exposed.maximum:
                self.f.report(dx.WRONG_TYPE, f"exposes {name}: minimum {_num(exposed.minimum)} is above maximum "
                              f"{_num(exposed.maximum)}", ("exposes", name, "minimum"), hint="swap them")
                continue
            lo, hi = inner.bounds()
            for bound, value in (("minimum", exposed.minimum), ("maximum", exposed.maximum)):
                if value is None:
                    continue
                if (lo is not None and value < lo) or (hi is not None and value > hi):
                    self.f.report(dx.PARAM_OUT_OF_RANGE,
                                  f"exposes {name} with {bound} {_num(value)}, outside {inner.owner}'s range "
                                  f"{inner.range_text()}", ("exposes", name, bound),
                                  hint="a composite may narrow HQ's technical range, never widen it")
            a.params[name] = ParamSpec(name, inner.vtype, inner.default, exposed.description or inner.description,
                                       model.id, minimum=exposed.minimum, maximum=exposed.maximum, inner=inner,
                                       path=exposed.path)
            if inner.default is not None and a.params[name].check(inner.default):
                self.f.report(dx.PARAM_OUT_OF_RANGE,
                              f"{inner.owner}'s default {name} {inner.default!r} is outside the exposed range "
                              f"{a.params[name].range_text()}", ("exposes", name),
                              hint="set the param in the step too (not exposed) or include the default")

    def check_unused_inputs(self) -> None:
        unresolved = [s for s in self.a.steps.values() if s.target is None]
        if self.f.broken_steps or len(self.a.steps) < len(self.f.steps) \
                or any(s.guessed_inputs is None for s in unresolved):
            return  # a step we could not read might read any input by name: say nothing rather than guess
        maybe_read = set().union(*(s.guessed_inputs for s in unresolved)) if unresolved else set()
        for name in self.inputs:
            if name not in self.used_inputs and name not in maybe_read:
                self.f.report(dx.UNUSED_INPUT, f"input {name!r} is declared but nothing reads it", ("inputs", name),
                              key=True, hint="remove it, or bind it to a step with with:")


# -- helpers -----------------------------------------------------------------------------------


@dataclass
class _LocalHeader:
    """The catalog-entry view of a composite file not installed yet."""

    model: CompositeAssembly

    def __getattr__(self, name: str) -> Any:
        if name == "entitles":
            return Entry.entitles.__get__(self)
        return getattr(self.model, name)


@lru_cache(maxsize=None)
def _version(text: str):
    """A version string's normal form and parsed Version (a catalog has a few distinct strings)."""
    from packaging.version import Version

    parsed = Version(text)
    return str(parsed), parsed


@lru_cache(maxsize=4096)
def _admits(specifier: str, version: str) -> bool:
    """Whether ``specifier`` (``~=1.2``) admits ``version``, pre-releases included (chosen later)."""
    return _specifier_set(specifier).contains(version, prereleases=True)


@lru_cache(maxsize=1024)
def _specifier_set(specifier: str):
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(specifier)


_NO_GUARDS: frozenset[str] = frozenset()
_BY_PLACE = attrgetter("line", "column")  # a diagnostic's sort key (in C: a batch sorts tens of thousands)
_UNREAD_HINT = "read its outputs (outputs:, with:, decision:) or remove the step"

_NOT_GUESSED: Any = object()  # a step that resolved: no guess at the inputs it would take


@dataclass
class _StepOutcome:
    """What resolving one (capability, specifier) in one kind of file comes to (see resolve_step)."""

    reports: list[tuple[Any, str, str, str | None]] = field(default_factory=list)  # (code, message, uses|version, hint)
    target: Target | None = None
    guessed: Any = _NOT_GUESSED  # frozenset of input names, None (no guess) or _NOT_GUESSED

#: what the decision and outputs are read through (a holder of their reads, never run or mutated)
_RESULT_STEP = Step(id="result", uses="result")


def _declared_inputs(raw: Any) -> dict[str, VType]:
    found: dict[str, VType] = {}
    if not isinstance(raw, dict):
        return found
    for name, spec in raw.items():
        if not isinstance(name, str):
            continue
        if isinstance(spec, str):
            spec = {"type": spec}
        if isinstance(spec, dict) and isinstance(spec.get("type"), str) and spec["type"] in DECLARABLE:
            found[name] = DECLARABLE[spec["type"]].with_nullable(bool(spec.get("optional")))
        else:
            found[name] = DYN
    return found


def _input_type(assembly: CompositeAssembly) -> VType:
    return VType(TypeKind.OBJECT, fields=tuple(_declared_inputs(
        {n: f.model_dump() for n, f in assembly.inputs.items()}).items()), name="inputs")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _string_map(value: Any) -> dict[str, str]:
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(value, dict) else {}


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _successor_hint(entry: Any) -> str | None:
    successor = entry.lifecycle.successor
    return f"move to {successor}" if successor else None


def _mismatch(source: str, got: VType, name: str, want: VType, cap_id: str) -> str:
    if got.nullable and not want.nullable and got.with_nullable(False).assignable_to(want):
        return f"{source} may be null, but {cap_id} requires a value for {name!r} ({want.describe()})"
    return f"{source} is {got.describe()}, but {cap_id} takes {name!r} as {want.describe()}"


def _type_hint(got: VType, want: VType, source: str = "") -> str | None:
    if got.nullable and not want.nullable:
        if source.startswith("inputs."):
            return f"make the input required (drop optional: true), or guard the step: when: has({source})"
        plain = is_reference(source)
        return f"guard the step: when: has({source.rstrip('?')})" if plain else \
            "guard the step with when: has(...) on the value it reads, or give a default: has(x) ? x : …"
    if got.kind is TypeKind.DOUBLE and want.kind is TypeKind.INT:
        return "convert it: int(...), or declare the input as integer"
    if got.kind is TypeKind.STRING and want.kind is TypeKind.DATE:
        return "declare the input as date (YYYY-MM-DD)"
    return None


def _declare_as(vtype: VType) -> str:
    names = {v.kind: k for k, v in DECLARABLE.items()}
    return names.get(vtype.kind, "string")
