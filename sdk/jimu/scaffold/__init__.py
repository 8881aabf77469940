"""Scaffolding (``jimu new``): a plugin distribution, a capability in it, a product — each one
that passes its own checks the moment it is written.

Templates are package data under ``templates/``, rendered with :class:`string.Template` (no
template engine to install); nothing is ever overwritten.
"""

from .capability import NewCapability, new_capability
from .distribution import new_plugin
from .names import ScaffoldError
from .product import NewProduct, new_product

__all__ = ["NewCapability", "NewProduct", "ScaffoldError", "new_capability", "new_plugin", "new_product"]
