"""Jimu (积木): assemble credit products from HQ's versioned capability plugins.

Everything a capability author or a tool builder needs is importable from here; the submodules
are the implementation.
"""

from .authority import AuthorityRule, AuthorityTable, table_in_force, tables_in_force
from .capability import Capability, ContractModel, Example, NoParams, Use, capability
from .catalog import Catalog, Problem, Source, UnknownCapability
from .composite import Composite, InvalidComposite
from .contracts import Domain, Entry, Kind, Level, Lifecycle, Promotion, Status
from .decision import Decision, Offer, Outcome, combine
from .demos import Demo
from .hookspecs import ENTRY_POINT_GROUP, hookimpl
from .invoke import CapabilityError, Context, invoke
from .plugins import load_catalog
from .policy import Policy, PolicyFinding, ProductView
from .reasons import ReasonCode
from .resources import MissingResource, Resource, ResourceProvider, Resources
from .samples import Sample

__version__ = "0.1.0"

__all__ = [
    "ENTRY_POINT_GROUP",
    "AuthorityRule",
    "AuthorityTable",
    "Capability",
    "CapabilityError",
    "Catalog",
    "Composite",
    "Context",
    "ContractModel",
    "Decision",
    "Demo",
    "Domain",
    "Entry",
    "Example",
    "InvalidComposite",
    "Kind",
    "Level",
    "Lifecycle",
    "Promotion",
    "MissingResource",
    "NoParams",
    "Offer",
    "Outcome",
    "Policy",
    "PolicyFinding",
    "Problem",
    "ProductView",
    "ReasonCode",
    "Resource",
    "ResourceProvider",
    "Resources",
    "Sample",
    "Source",
    "Status",
    "UnknownCapability",
    "Use",
    "capability",
    "combine",
    "hookimpl",
    "invoke",
    "load_catalog",
    "table_in_force",
    "tables_in_force",
]
