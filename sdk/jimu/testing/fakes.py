"""Fake resources: stand-ins for a blacklist, an event store or the LPR that record how they are used.

A fake is built from the methods (or attributes) a test gives it; every method of the resource's
declared protocol that the test did not give is still there, raising when called, so the fake
satisfies :meth:`jimu.Resource.accepts` and a capability reaching for behaviour the test did not
expect fails loudly, naming the method::

    fake = fake_resource(stores.BLACKLIST, hits=lambda key: [entry] if key == ID else [])
    out = run(listcheck, record, resources={"data.lists.blacklist": fake}, catalog=catalog)
    assert fake.calls == [("hits", (ID,), {})]
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any

from ..catalog import Catalog
from ..resources import Resource, Resources


class FakeResource:
    """A resource's stand-in: given behaviour by keyword, recording every method call in ``calls``."""

    def __init__(self, resource: str | Resource, /, **behaviour: Any):
        declared = resource if isinstance(resource, Resource) else None
        self._jimu_resource = declared
        self._jimu_name = declared.name if declared else str(resource)
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        members = protocol_members(declared.protocol) if declared else set()
        for name in sorted(members - set(behaviour)):
            setattr(self, name, self._unexpected(name))
        for name, value in behaviour.items():
            setattr(self, name, self._recorded(name, value) if callable(value) else value)

    @property
    def name(self) -> str:
        return self._jimu_name

    def calls_to(self, method: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """The ``(args, kwargs)`` of every call to one method, in order."""
        return [(args, kwargs) for name, args, kwargs in self.calls if name == method]

    def _recorded(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def method(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return func(*args, **kwargs)

        method.__name__ = name
        return method

    def _unexpected(self, name: str) -> Callable[..., Any]:
        def method(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            raise AssertionError(f"fake {self._jimu_name}: {name}() was called, but the test gave it no "
                                 f"behaviour (fake_resource(..., {name}=...))")

        method.__name__ = name
        return method

    def __repr__(self) -> str:
        return f"FakeResource({self._jimu_name!r}, {len(self.calls)} call(s))"


def fake_resource(resource: str | Resource, /, **behaviour: Any) -> FakeResource:
    """A :class:`FakeResource` for ``resource`` (a declared :class:`jimu.Resource`, or just its name).

    Given the declaration, the fake is checked against its protocol here, so a fake that would
    not pass as the real thing is a test error at once rather than a puzzle later.
    """
    fake = FakeResource(resource, **behaviour)
    if isinstance(resource, Resource) and not resource.accepts(fake):
        raise TypeError(f"fake {resource.name} does not satisfy {resource.protocol.__name__}")
    return fake


def protocol_members(protocol: type) -> set[str]:
    """The attributes a ``typing.Protocol`` requires (empty for a plain class)."""
    if not getattr(protocol, "_is_protocol", False):
        return set()
    members = getattr(protocol, "__protocol_attrs__", None)  # Python 3.12+
    if members is None:
        members = typing._get_protocol_attrs(protocol)  # noqa: SLF001 - 3.11 has no public spelling
    return set(members)


def bind_fakes(catalog: Catalog, fakes: Mapping[str, object] | None = None) -> Resources:
    """Resources for a run: ``fakes`` (by resource name) first, the catalog's installed providers
    for the rest. Each fake of a declared resource must satisfy that resource's protocol."""
    chosen = dict(fakes or {})
    for name, fake in chosen.items():
        declared = catalog.resources.get(name)
        if declared is not None and not declared.accepts(fake):
            raise TypeError(f"the fake for {name} does not satisfy {declared.protocol.__name__}")
    return catalog.bind_resources(chosen)


__all__ = ["FakeResource", "bind_fakes", "fake_resource", "protocol_members"]
