"""Resources: the data a ``lookup`` capability reads (a blacklist, the bureau, an event store, the LPR).

A resource is *declared* once by name with the protocol its providers satisfy, and *provided* by
any plugin through a factory. The runtime injects the provided object into the capabilities that
declared they read it; tests replace it with a fake (``jimu.testing``). Capabilities never open
files or connections themselves, so the map, the lock and the tests see every data dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .contracts import ID_PATTERN


class Resource(BaseModel):
    """A declared resource: ``data.blacklist`` is a ``ListStore``."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: str = Field(description="dotted name, domain first, e.g. data.blacklist")
    protocol: type = Field(description="a typing.Protocol (runtime_checkable) providers satisfy")
    description: str = ""
    owner: str = ""

    @field_validator("name")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if not ID_PATTERN.match(value) or "." not in value:
            raise ValueError(f"resource name {value!r} must be dotted, domain first (e.g. data.blacklist)")
        return value

    def accepts(self, provided: object) -> bool:
        """Whether ``provided`` satisfies the protocol (structurally, when it is runtime-checkable)."""
        static_only = getattr(self.protocol, "_is_protocol", False) and not getattr(
            self.protocol, "_is_runtime_protocol", False
        )
        return static_only or isinstance(provided, self.protocol)


class ResourceProvider(BaseModel):
    """A factory that builds the object behind a declared resource (file-, SQLite- or fake-backed)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    resource: str
    factory: Callable[[], Any]
    description: str = ""


class MissingResource(LookupError):
    """A capability asked for a resource nobody provided."""


class Resources(Mapping[str, object]):
    """The resources bound for one run: built lazily from providers, overridable by fakes."""

    def __init__(
        self,
        providers: Mapping[str, ResourceProvider] | None = None,
        overrides: Mapping[str, object] | None = None,
    ) -> None:
        self._providers = dict(providers or {})
        self._built: dict[str, object] = dict(overrides or {})

    def __getitem__(self, name: str) -> object:
        if name not in self._built:
            provider = self._providers.get(name)
            if provider is None:
                raise MissingResource(f"no provider for resource {name!r}; install or register one")
            try:
                self._built[name] = provider.factory()
            except Exception as exc:  # a file missing, a database down: the resource, not the step, failed
                raise MissingResource(f"resource {name!r} could not be opened: {type(exc).__name__}: {exc}") from exc
        return self._built[name]

    def __iter__(self):
        return iter(set(self._providers) | set(self._built))

    def __len__(self) -> int:
        return len(set(self._providers) | set(self._built))
