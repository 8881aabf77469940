"""The module named by this distribution's ``jimu.plugins`` entry point.

Loaded exactly as HQ's ``jimu-credit`` is: Jimu walks the entry points, imports this module and
calls its hook, checking each item as it is registered (and naming this distribution in any
complaint).
"""

from jimu import hookimpl

from . import licences, pharmacy, policies


@hookimpl
def jimu_register(register):
    for item in (*licences.RESOURCES, *licences.PROVIDERS, *pharmacy.CAPABILITIES, *policies.POLICIES):
        register(item)
