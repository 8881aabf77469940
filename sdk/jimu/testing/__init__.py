"""The capability author's test kit: check a capability every way at once, or piece by piece.

The one call a capability's test makes::

    from jimu.testing import check_capability, fake_resource

    def test_blacklist():
        fake = fake_resource(BLACKLIST, hits=lambda key: [])      # BLACKLIST: the declared Resource
        check_capability(blacklist_check, resources={BLACKLIST.name: fake})

It raises one ``AssertionError`` listing every problem: worked examples that do not match,
params bounds not enforced, refer/decline outputs without registered reason codes, generated
inputs that make the capability fail, and a batch form that disagrees with the record form.
The pieces are here too (each ``check_*`` returns a list of problems, empty when all is well),
with hypothesis strategies for input records and params, recording fake resources, and pytest
fixtures (``jimu.testing.plugin``, loaded automatically through the ``pytest11`` entry point)::

    def test_blacklist_hit(make_catalog, run_capability, fake_resource):
        catalog = make_catalog(DATA, BLACKLIST, blacklist_check)   # bare items become an inline plugin
        fake = fake_resource(BLACKLIST, hits=lambda key: ["court_enforcement"])
        out = run_capability(blacklist_check, {"phone": "13800000000"},
                             resources={BLACKLIST.name: fake}, catalog=catalog)
        assert out.hit and fake.calls_to("hits") == [(("13800000000",), {})]

Hypothesis (and pandas) are imported only when generated inputs (or a batch form) are used, so
importing this package, as pytest does for the fixtures, stays light.
"""

from __future__ import annotations

from typing import Any

from .catalogs import InlinePlugin, build_catalog, catalog_for
from .check import capability_problems, check_capability
from .contract import check_defaults, check_params
from .fakes import FakeResource, bind_fakes, fake_resource
from .reasoncodes import check_reason_codes
from .running import check_examples, examples, matches, run, run_examples


def inputs_strategy(cap: Any, *, examples: bool = True) -> Any:
    """A hypothesis strategy of valid input records for ``cap`` (:mod:`jimu.testing.strategies`)."""
    from .strategies import inputs_strategy as strategy

    return strategy(cap, examples=examples)


def params_strategy(cap: Any, *, examples: bool = True) -> Any:
    """A hypothesis strategy of valid params for ``cap``, often the defaults (:mod:`jimu.testing.strategies`)."""
    from .strategies import params_strategy as strategy

    return strategy(cap, examples=examples)


def check_batch_equivalence(cap: Any, records: Any = None, *, params: Any = None, catalog: Any = None,
                            resources: Any = None, max_examples: int = 50) -> list[str]:
    """Every disagreement between ``cap``'s batch and record forms (:mod:`jimu.testing.equivalence`)."""
    from .equivalence import check_batch_equivalence as check

    return check(cap, records, params=params, catalog=catalog, resources=resources, max_examples=max_examples)


def check_generated(cap: Any, *, catalog: Any = None, resources: Any = None, max_examples: int = 50,
                    raises: tuple[type[BaseException], ...] = (ValueError,)) -> list[str]:
    """Problems running ``cap`` on generated inputs and params (:mod:`jimu.testing.generated`)."""
    from .generated import check_generated as check

    return check(cap, catalog=catalog, resources=resources, max_examples=max_examples, raises=raises)


__all__ = [
    "FakeResource",
    "InlinePlugin",
    "bind_fakes",
    "build_catalog",
    "capability_problems",
    "catalog_for",
    "check_batch_equivalence",
    "check_capability",
    "check_defaults",
    "check_examples",
    "check_generated",
    "check_params",
    "check_reason_codes",
    "examples",
    "fake_resource",
    "inputs_strategy",
    "matches",
    "params_strategy",
    "run",
    "run_examples",
]
