"""``check_capability``: the one call a capability's test makes.

It runs every check of the kit that applies to the capability and raises one ``AssertionError``
listing every problem found, so an author fixes them in one pass rather than one per test run:

- the worked examples give their declared outputs;
- the params contract holds at its edges (:mod:`jimu.testing.contract`);
- every refer and decline carries registered, declared reason codes
  (:mod:`jimu.testing.reasoncodes`), on the examples and on generated inputs;
- generated inputs (hypothesis, from the input contract) run without the capability raising;
- the batch form, if any, gives the record form's answers (:mod:`jimu.testing.equivalence`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..capability import Capability
from ..catalog import Catalog
from ..composite import Composite
from ..contracts import Kind
from .catalogs import catalog_for
from .contract import check_params
from .reasoncodes import check_reason_codes
from .running import bound_resources, example_failures, run_examples


def check_capability(
    cap: Capability,
    *,
    catalog: Catalog | None = None,
    resources: Mapping[str, object] | None = None,
    batch: bool = True,
    max_examples: int = 50,
    raises: tuple[type[BaseException], ...] = (ValueError,),
) -> None:
    """Check ``cap`` every way the kit knows; raise ``AssertionError`` listing every problem.

    ``catalog`` defaults to the installed one (plus ``cap`` if it is not installed), so that the
    capabilities it uses are found and its reason codes are registered. ``resources`` are fakes by
    name, taking precedence over the catalog's installed providers. ``batch=False`` skips the
    record/batch equivalence check; ``max_examples`` is how many generated inputs hypothesis
    tries for each generated-input check (0: none, only the worked examples). ``raises`` are the
    exceptions ``cap`` may raise to refuse a valid input it cannot decide (the runtime applies
    the step's ``on_error``); any other exception on a generated input is a problem.
    """
    if isinstance(cap, Composite):
        raise TypeError(f"{cap.key} is a composite (YAML): check its steps, or run it as a product")
    if not isinstance(cap, Capability):
        raise TypeError(f"check_capability takes a capability, not {type(cap).__name__}: "
                        "decorate the function with @jimu.capability(...)")
    catalog = catalog if catalog is not None else catalog_for(cap)
    bound = bound_resources(catalog, resources)
    problems = capability_problems(cap, catalog=catalog, resources=bound, batch=batch, max_examples=max_examples,
                                   raises=raises)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise AssertionError(f"{cap.key}: {len(problems)} problem(s) found by jimu.testing.check_capability:\n{listed}")


def capability_problems(
    cap: Capability,
    *,
    catalog: Catalog,
    resources: Mapping[str, object] | None,
    batch: bool = True,
    max_examples: int = 50,
    raises: tuple[type[BaseException], ...] = (ValueError,),
) -> list[str]:
    """What :func:`check_capability` raises about, as a list (empty: nothing found)."""
    ran = run_examples(cap, catalog=catalog, resources=resources)
    problems = example_failures(cap, ran)
    outputs = [out for _, _, out in ran if not isinstance(out, Exception)]
    problems += check_reason_codes(cap, outputs, catalog)
    record = cap.examples[0].input if cap.examples else None
    if record is not None and isinstance(ran[0][2], Exception):
        record = None  # the first example fails already: probe the params model alone
    problems += check_params(cap, record, catalog=catalog, resources=resources)
    if max_examples > 0 and cap.kind is not Kind.AGGREGATE:
        from .generated import check_generated  # hypothesis is imported only when inputs are generated

        problems += check_generated(cap, catalog=catalog, resources=resources, max_examples=max_examples,
                                    raises=raises)
        if batch and cap.batch is not None:
            from .equivalence import check_batch_equivalence

            problems += check_batch_equivalence(cap, catalog=catalog, resources=resources,
                                                max_examples=max_examples)
    return _unique(problems)


def _unique(problems: list[str]) -> list[str]:
    seen: set[str] = set()
    return [p for p in problems if not (p in seen or seen.add(p))]


__all__ = ["capability_problems", "check_capability"]
