"""pytest fixtures for capability authors (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

import pytest

from . import bind_fakes, build_catalog, run
from . import fake_resource as _fake_resource


@pytest.fixture(scope="session")
def jimu_catalog():
    """The catalog of every installed plugin, loaded once per test session (problems allowed)."""
    return build_catalog(installed=True, strict=False)


@pytest.fixture
def make_catalog():
    """Build a catalog in memory: ``make_catalog(plugin_or_item, ..., installed=False, strict=True)``.

    Bare items (capabilities, domains, reason codes, resources) are registered by one inline
    plugin; plugin objects (modules or instances with ``@jimu.hookimpl`` methods) as themselves.
    """
    return build_catalog


@pytest.fixture
def fake_resources():
    """A dict of resource name → fake object; pass it as ``resources=`` to ``run_capability``."""
    return {}


@pytest.fixture
def fake_resource():
    """Make a recording fake: ``fake_resource(resource_or_name, **methods_or_attributes)``.

    Given the declared :class:`jimu.Resource`, the fake has every method of its protocol (those
    not given raise when called) and must satisfy it; ``fake.calls`` lists every call made.
    """
    return _fake_resource


@pytest.fixture
def bind_resources(jimu_catalog):
    """Resources for a run: ``bind_resources({name: fake}, catalog=None)`` — the fakes first, the
    catalog's (default: the installed one's) providers for the rest."""

    def _bind(fakes=None, catalog=None):
        return bind_fakes(catalog if catalog is not None else jimu_catalog, fakes)

    return _bind


@pytest.fixture
def run_capability(jimu_catalog):
    """Run a capability on one record: ``run_capability(cap, record, params=None, resources=..., catalog=...)``.

    The catalog defaults to the installed one, so ``ctx.use`` finds the installed dependencies.
    """

    def _run(cap, record, params=None, *, resources=None, catalog=None):
        return run(cap, record, params, resources=resources, catalog=catalog or jimu_catalog)

    return _run
