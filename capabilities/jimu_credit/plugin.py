"""The plugin module named by the ``jimu.plugins`` entry point: registers everything HQ ships."""

from jimu import hookimpl

from .customer import identity, kyc
from .domains import DOMAINS


@hookimpl
def jimu_register(register):
    for domain in DOMAINS:
        register(domain)
    for module in (identity, kyc):
        for item in module.CAPABILITIES:
            register(item)
