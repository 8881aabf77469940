"""jimu-credit: HQ's reference credit capabilities, published as a Jimu plugin.

Loaded through the ``jimu.plugins`` entry point like any third party's plugin; nothing in the
SDK imports this package.
"""

__version__ = "0.1.0"
