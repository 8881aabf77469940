"""The plugin module named by the ``jimu.plugins`` entry point: registers everything HQ ships."""

from importlib.resources import files

from jimu import Composite, hookimpl

from .customer import identity, kyc
from .domains import DOMAINS
from .policies import POLICIES
from .risk import admission

#: Composites are YAML files shipped as package data, in the same format as products.
COMPOSITES = ("risk_intake.yaml",)


@hookimpl
def jimu_register(register):
    for domain in DOMAINS:
        register(domain)
    for module in (identity, kyc, admission):
        for item in module.CAPABILITIES:
            register(item)
    for name in COMPOSITES:
        register(Composite.from_file(files(__package__) / "composites" / name))
    for policy in POLICIES:
        register(policy)
