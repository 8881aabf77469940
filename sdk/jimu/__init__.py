"""Jimu (积木): assemble credit products from HQ's versioned capability plugins.

Everything a capability author or a tool builder needs is importable from here; the submodules
are the implementation.
"""

from .capability import Capability, ContractModel, Example, NoParams, Use, capability
from .catalog import Catalog, Problem, Source, UnknownCapability
from .contracts import Domain, Entry, Kind, Level, Lifecycle, Status
from .hookspecs import ENTRY_POINT_GROUP, hookimpl
from .invoke import CapabilityError, Context, invoke
from .plugins import load_catalog
from .reasons import ReasonCode
from .resources import MissingResource, Resource, ResourceProvider, Resources

__version__ = "0.1.0"

__all__ = [
    "ENTRY_POINT_GROUP",
    "Capability",
    "CapabilityError",
    "Catalog",
    "Context",
    "ContractModel",
    "Domain",
    "Entry",
    "Example",
    "Kind",
    "Level",
    "Lifecycle",
    "MissingResource",
    "NoParams",
    "Problem",
    "ReasonCode",
    "Resource",
    "ResourceProvider",
    "Resources",
    "Source",
    "Status",
    "UnknownCapability",
    "Use",
    "capability",
    "hookimpl",
    "invoke",
    "load_catalog",
]
