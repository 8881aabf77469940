"""Plans: a validated assembly compiled once into what runs, record after record.

Compiling does, once, everything that does not depend on the record: the steps in data-flow
order, each capability resolved to its version, params validated into their model, every
binding and condition compiled into a closure (:func:`jimu.expressions.compile_record`), the
reason codes each step may return, the resources bound, composites compiled into sub-plans —
and, for a product with composites, all of it generated into one function that runs them inlined
(:mod:`jimu.runtime.inline`). Running a record (:mod:`jimu.runtime.execute`) is then that
function, or (traced, or compiled with ``inline=False``) a loop over prepared steps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, create_model

from ..assembly.exprs import reads
from ..assembly.model import OPTIONAL_MARK, OnError
from ..assembly.validate import Analysis, Validator
from ..capability import Capability
from ..catalog import Catalog
from ..expressions import EvaluationError, compile_record
from ..expressions import ast as tree
from ..invoke import Context, allowed_reasons, output_checker
from ..types import PYTHON_TYPES, TypeKind

Getter = Callable[[Mapping[str, Any]], Any]


class PlanError(Exception):
    """The assembly cannot be planned: it has validation errors (listed in ``diagnostics``)."""

    def __init__(self, message: str, diagnostics: list | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics or []


@dataclass
class Binding:
    field: str
    get: Getter
    optional: bool  # read as None when the step it reads did not run


@dataclass
class PlanStep:
    """One prepared step; ``call`` runs the capability on an input model (what hooks wrap)."""

    id: str
    path: str  # ``intake.kyc`` inside a composite
    capability: str  # ``id@version``
    level: int
    on_error: OnError
    bindings: list[Binding]
    requires: frozenset[str]  # steps whose outputs it must have (non-optional reads)
    when_reads: frozenset[str] = frozenset()  # steps its condition reads
    when: Getter | None = None
    when_text: str = ""
    cap: Capability | None = None
    params: BaseModel | None = None
    context: Context | None = None
    allowed: frozenset[str] = frozenset()
    sub: Plan | None = None  # a composite's own plan
    hook_caller: Any = None  # pluggy's jimu_run_step, when a plugin wraps it (else the call is direct)
    decides: bool = False  # the product's decision reads it: an error here must refer, even under skip

    # A composite whose inputs are all the parent's inputs passed on unchanged, each declared with
    # the same type (and optional only where the parent's is): (its input, the parent's or None).
    # The parent's inputs were validated into exactly those types, so validating again is skipped.
    forward: tuple[tuple[str, str | None], ...] | None = None
    # ... and when each of them has the parent's name too, the parent's inputs dict itself is the
    # composite's (no copy): the extra keys cannot be read, since its expressions and implicit
    # bindings name only its declared inputs (the validator sees to that).
    shares_inputs: bool = False
    # The composite's outputs its parent's expressions read (None: all, or unknown). Outputs are
    # evaluated per record and nothing but the parent (and a trace) sees them: the rest are not.
    reads_outputs: list[tuple[str, Getter, bool]] | None = None
    # Whether its parent reads the composite's decision (``steps.<id>.decision``, or the step whole):
    # run inlined (jimu.runtime.inline), an unread decision is not combined.
    reads_decision: bool = True
    bound: Callable[[BaseModel], Any] | None = None  # the implementation with params and ctx bound
    getters: tuple[tuple[str, Getter, bool], ...] = ()  # the bindings as plain tuples, for the hot loop
    # Set with the capability (:meth:`prepare`): the input contract's validator, and the output
    # check (:func:`jimu.invoke.output_checker`), so the hot loop looks nothing up per record.
    validate_input: Callable[[Any], BaseModel] | None = None
    check: Callable[[object], BaseModel] | None = None
    run: Callable[[BaseModel], Any] | None = None  # ``bound``, or through the step hooks when a plugin wraps them

    # ``getters`` split for the hot loop: inputs bound by name (read with ``dict.get``, no call of a
    # getter each: the scorecard alone takes twenty), and the rest
    implicit: tuple[str, ...] = ()
    explicit: tuple[tuple[str, Getter, bool], ...] = ()

    def __post_init__(self) -> None:
        self.getters = tuple((b.field, b.get, b.optional) for b in self.bindings)
        self.implicit = tuple(name for name, get, _ in self.getters if getattr(get, "input", None) == name)
        self.explicit = tuple(g for g in self.getters if g[0] not in self.implicit)

    def prepare(self, cap: Capability, params: BaseModel, context: Context, allowed: frozenset[str],
                hook_caller: Any = None) -> None:
        """Bind the capability this step runs, with everything its calls need worked out once."""
        self.cap, self.params, self.context, self.allowed, self.hook_caller = cap, params, context, allowed, hook_caller
        self.bound = _bound(cap, params, context)
        self.run = self.bound if hook_caller is None else self._through_hooks
        self.validate_input = cap.input.__pydantic_validator__.validate_python
        # a hook wrapper may swap the output for anything: then every output is validated again
        self.check = output_checker(cap, allowed, trust_instances=hook_caller is None)

    def call(self, inputs: BaseModel) -> Any:
        return self.bound(inputs)

    def _through_hooks(self, inputs: BaseModel) -> Any:
        return self.hook_caller(step=self, inputs=inputs)


def _bound(cap: Capability, params: BaseModel, context: Context) -> Callable[[BaseModel], Any]:
    """What :meth:`Capability.bind` binds, as a ``partial``: no Python frame of its own per call."""
    wants_params, wants_ctx = cap._passes
    bound = {"params": params} if wants_params else {}
    if wants_ctx:
        bound["ctx"] = context
    return partial(cap.func, **bound) if bound else cap.func


@dataclass
class Plan:
    """A product or composite, ready to run."""

    id: str
    version: str
    kind: str  # product | composite
    steps: list[PlanStep]
    input_model: type[BaseModel]
    outputs: list[tuple[str, Getter, bool]]
    decisions: list[Getter]
    has_decision: bool
    hook: Any = None  # pluggy's hook caller, when some plugin wraps jimu_run_step
    file: str = ""
    validate_inputs: Callable[[Any], BaseModel] | None = None  # input_model's validator, looked up once
    # A product's composites flattened into one loop (jimu.runtime.inline.Inlined), for untraced
    # runs; None: run nested (no composites, or compiled with ``inline=False``)
    inlined: Any = None

    def __post_init__(self) -> None:
        self.validate_inputs = self.input_model.__pydantic_validator__.validate_python

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


def compile_plan(analysis: Analysis, catalog: Catalog, *, resources: Mapping[str, object] | None = None,
                 validator: Validator | None = None, prefix: str = "", overrides: Mapping[str, Any] | None = None,
                 inline: bool = True) -> Plan:
    """Compile a validated assembly; raise :class:`PlanError` if it has errors.

    ``inline``: flatten its composites into one loop for untraced runs (:mod:`jimu.runtime.inline`);
    False runs them nested, each as its own plan (the reference the inlined form is tested against).
    """
    if not analysis.ok or analysis.file.model is None:
        errors = [d for d in analysis.diagnostics if d.is_error]
        raise PlanError(f"{analysis.file.display} has {len(errors)} validation error(s)", errors)
    model = analysis.file.model
    validator = validator or Validator(catalog)
    bound = catalog.bind_resources(dict(resources or {}))
    hook = None
    if catalog.hooks is not None and len(catalog.hooks.hook.jimu_run_step.get_hookimpls()) > 1:
        hook = catalog.hooks.hook.jimu_run_step
    deciders = {r.path[1] for text in model.decisions for r in reads(text.rstrip("?"))
                if r.path[:1] == ("steps",) and len(r.path) > 1}
    steps = []
    for sid in analysis.order:
        s = analysis.steps[sid]
        entry = s.target.entry
        path = f"{prefix}{sid}"
        bindings = []
        sources: dict[str, str | None] = {}  # the parent input each binding passes on unchanged, if it does
        for name, b in s.bindings.items():
            text = b.source.rstrip()
            optional = b.optional or text.endswith(OPTIONAL_MARK)
            if b.explicit:
                result = analysis.expressions[("steps", s.index, "with", name)]
                read = tree.path(result.checked.expression.root) if result.is_path else None
                get = _path_getter(read) if read else compile_record(result.checked)
                sources[name] = read[1] if read and len(read) == 2 and read[0] == "inputs" else None
            else:
                get = _input_getter(name)
                sources[name] = name
            bindings.append(Binding(name, get, optional))
        requires = frozenset(r for r in s.reads if not _only_optional(s, r))
        when = None
        if s.step.when:
            when = compile_record(analysis.expressions[("steps", s.index, "when")].checked)
        on_error = s.step.on_error or OnError.REFER
        step = PlanStep(sid, path, entry.key, int(entry.level), on_error, bindings, requires, _when_reads(s), when,
                        s.step.when or "")
        step.decides = sid in deciders
        params = dict(s.step.params)
        if overrides and sid in overrides:
            params.update(overrides[sid])
        if isinstance(entry, Capability):
            step.prepare(entry, entry.params.model_validate(params), Context(entry, bound, catalog),
                         allowed_reasons(entry, catalog), hook)
        else:
            sub_analysis = s.target.analysis
            inner: dict[str, dict[str, Any]] = {}
            for name, value in params.items():
                spec = sub_analysis.params[name]
                inner_step, _, inner_param = spec.path.partition(".")
                inner.setdefault(inner_step, {})[inner_param] = value
            step.sub = compile_plan(sub_analysis, catalog, resources=resources, validator=validator,
                                    prefix=f"{path}.", overrides=inner)
            step.forward = _forwarded(model.inputs, sub_analysis.file.model.inputs, sources)
            step.shares_inputs = step.forward is not None and all(name == source for name, source in step.forward)
        steps.append(step)
    outputs = []
    for name, text in model.outputs.items():
        checked = analysis.expressions[("outputs", name)].checked
        outputs.append((name, _reader(checked), text.rstrip().endswith(OPTIONAL_MARK)))
    decisions = []
    paths = [("decision", i) for i in range(len(model.decisions))] if ("decision", 0) in analysis.expressions \
        else [("decision",)]
    for path in paths[: len(model.decisions)]:
        decisions.append(_reader(analysis.expressions[path].checked))
    chains = [chain for key, result in analysis.expressions.items() if _compiled(key, model)
              for chain in _chains(result.checked.expression.root)]
    for step in steps:
        if step.sub is not None:
            read = _outputs_read(chains, step.id)
            step.reads_outputs = None if read is None else [o for o in step.sub.outputs if o[0] in read]
            step.reads_decision = read is None or "decision" in read
    plan = Plan(model.id, model.version, model.kind, steps, input_model(model), outputs, decisions,
                bool(model.decisions), hook, analysis.file.display)
    if inline and not prefix:  # the product (or a composite run as one): its nested composites are flattened
        from .inline import inline as flatten  # it imports the runner, which imports this module

        plan.inlined = flatten(plan)
    return plan


def _iso_date(value: Any) -> Any:
    """Dates as written in a file: ``2026-06-30``, never a number (pydantic would read ``0`` as 1970)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("expected a date written YYYY-MM-DD, not a number")
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][0-9:.+\-Z]*)?", value.strip()):
        raise ValueError("expected a date written YYYY-MM-DD")
    return value.strip() if isinstance(value, str) else value


_STRICT_FORMS = {"date": BeforeValidator(_iso_date), "datetime": BeforeValidator(_iso_date)}


def input_model(model: Any) -> type[BaseModel]:
    """The request's contract as a pydantic model; unknown columns are ignored, not errors.

    Numbers must be finite: an infinite balance is a corrupted row, rejected with its reason
    (NaN is read as a missing value first: see ``execute.validate_record``)."""
    fields: dict[str, Any] = {}
    for name, spec in model.inputs.items():
        python = PYTHON_TYPES[spec.type]
        if spec.type in _STRICT_FORMS:
            python = Annotated[python, _STRICT_FORMS[spec.type]]
        fields[name] = (python | None, None) if spec.optional else (python, ...)
    return create_model(f"{model.id.replace('.', '_')}_inputs", __config__=ConfigDict(extra="ignore", allow_inf_nan=False),
                        **fields)


def _path_getter(path: tuple[str, ...]) -> Getter:
    """A plain reference (``steps.kyc.age``) as a direct lookup: most bindings are one, and they run per step.

    The commonest shape, ``steps.<step>.<field>``, is unrolled: no loop and one ``try`` per read.
    """
    root, *fields = path

    def missing(env: Mapping[str, Any]) -> EvaluationError:
        value = env[root]  # walk again to name the field that is missing (the error path only)
        for name in fields:
            try:
                value = value[name] if isinstance(value, dict) else value.__dict__[name]
            except (KeyError, AttributeError, TypeError):
                return EvaluationError(f"no value (the step did not run, or has no {name})", ".".join(path))
        return EvaluationError("no value", ".".join(path))  # pragma: no cover - only called after a failed read

    if len(fields) == 2:
        first, second = fields

        def get(env: Mapping[str, Any]) -> Any:
            try:
                value = env[root][first]  # env's roots are dicts: inputs, and steps by id
                return value[second] if isinstance(value, dict) else value.__dict__[second]
            except (KeyError, AttributeError, TypeError):
                raise missing(env) from None

        get.source = ".".join(path)  # the CEL text, for the batch engine (jimu.runtime.vectorise)
        get.path = path  # what it reads, for code that reads it itself (jimu.runtime.inline)
        return get

    def get_any(env: Mapping[str, Any]) -> Any:
        try:
            value = env[root]
            for name in fields:
                value = value[name] if isinstance(value, dict) else value.__dict__[name]
            return value
        except (KeyError, AttributeError, TypeError):
            raise missing(env) from None

    get_any.source = ".".join(path)
    get_any.path = path
    return get_any


def _reader(checked: Any) -> Getter:
    """An output or a deciding expression, read once per record by every plan (composites too).

    Most are plain paths (``steps.prescreen.score``): those become :func:`_path_getter`'s direct
    lookup, as bindings do, instead of a compiled closure behind ``compile_record``'s error
    wrapper. A path the checker typed ``double`` still turns an int into a float, as the compiled
    form does (outputs are not validated by a model, so the conversion is theirs to make).
    """
    read = tree.path(checked.expression.root)
    if read is None or len(read) < 2 or any(name.startswith("_") for name in read[1:]):
        return compile_record(checked)
    get = _path_getter(read)
    declared = checked.types.get((checked.expression.root.start, checked.expression.root.end))
    if declared is None or declared.kind is not TypeKind.DOUBLE:
        return get

    def as_double(env: Mapping[str, Any]) -> Any:
        value = get(env)
        return float(value) if type(value) is int else value

    as_double.source = get.source
    return as_double


def _compiled(key: tuple, model: Any) -> bool:
    """Whether ``analysis.expressions[key]`` is one :func:`compile_plan` compiles (what runs)."""
    where = key[0]
    if where == "steps":
        return len(key) >= 3 and key[2] in ("with", "when")
    return where in ("outputs", "decision")


def _chains(node: tree.Node):
    """Every maximal field chain an expression tree reads (``("steps", "kyc", "age")``)."""
    chain = tree.path(node)
    if chain is not None:
        yield chain
        return
    if isinstance(node, tree.Has):
        yield from _chains(node.select)
        return
    for child in tree.children(node):
        yield from _chains(child)


def _outputs_read(chains: list[tuple[str, ...]], sid: str) -> frozenset[str] | None:
    """The output names of step ``sid`` the chains read; None when they read it whole (or ``steps``)."""
    names = set()
    for chain in chains:
        if chain[0] != "steps":
            continue
        if len(chain) < 2 or (chain[1] == sid and len(chain) < 3):
            return None
        if chain[1] == sid:
            names.add(chain[2])
    return frozenset(names)


def _forwarded(parent: Mapping[str, Any], child: Mapping[str, Any],
               sources: Mapping[str, str | None]) -> tuple[tuple[str, str | None], ...] | None:
    """``PlanStep.forward`` for a composite step, or None when its inputs need validating."""
    pairs = []
    for name, spec in child.items():
        if name not in sources:
            if not spec.optional:
                return None  # unbound and required: let the contract say so
            pairs.append((name, None))  # unbound and optional: null, as the contract would make it
            continue
        source = sources[name]
        if source is None:
            return None  # computed from steps or an expression: validate it
        given = parent.get(source)
        if given is None or given.type != spec.type or (given.optional and not spec.optional):
            return None
        pairs.append((name, source))
    return tuple(pairs)


def _when_reads(s: Any) -> frozenset[str]:
    if not s.step.when:
        return frozenset()
    return frozenset(r.path[1] for r in reads(s.step.when) if r.path[:1] == ("steps",) and len(r.path) > 1)


def _input_getter(name: str) -> Getter:
    def get(env: Mapping[str, Any]) -> Any:
        return env["inputs"].get(name)
    get.source = f"inputs.{name}"
    get.input = name  # what the hot loop reads itself (PlanStep.implicit)
    return get


def _only_optional(s: Any, source: str) -> bool:
    """Whether every read of ``source`` by step ``s`` is optional (``steps.x.f?``) or in its ``when``."""
    texts = [b.source.rstrip() for b in s.bindings.values() if b.explicit]
    reads = [t for t in texts if f"steps.{source}" in t]
    return bool(reads) and all(t.endswith(OPTIONAL_MARK) for t in reads) or not reads
