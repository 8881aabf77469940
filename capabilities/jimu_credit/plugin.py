"""The plugin module named by the ``jimu.plugins`` entry point: registers everything HQ ships."""

from importlib.resources import files

from jimu import Composite, hookimpl
from jimu.governance.lifecycle import LifecycleRecords

from .authority import tables as authority_tables
from .channel import intake
from .customer import consent, identity, kyc
from .data import market, stores
from .demos import DEMOS
from .domains import DOMAINS
from .mgmt import profitability
from .policies import POLICIES
from .loanbook import SAMPLES as LOAN_SAMPLES
from .samples import SAMPLES
from .risk import admission, duediligence, earlywarning, lists, monitor, prescreen, scorecard, underwrite

CAPABILITY_MODULES = (intake, identity, kyc, consent, admission, lists, prescreen, scorecard, duediligence, underwrite,
                      monitor, earlywarning, profitability)
RESOURCE_MODULES = (market, stores)
#: Composites are YAML files shipped as package data, in the same format as products.
COMPOSITES = ("risk_intake.yaml", "risk_admission.yaml", "risk_prescreen.yaml", "risk_duediligence.yaml",
              "risk_underwrite.yaml", "risk_preloan.yaml", "risk_monitor.yaml", "risk_earlywarning.yaml",
              "risk_postloan.yaml", "mgmt_profitability.yaml")


@hookimpl
def jimu_register(register):
    # Promotions (who approved what, when) are data beside the code: see lifecycle.yaml.
    records = LifecycleRecords.read(files(__package__) / "lifecycle.yaml")
    register = records.wrap(register)
    for domain in DOMAINS:
        register(domain)
    for module in RESOURCE_MODULES:
        for item in (*module.RESOURCES, *module.PROVIDERS):
            register(item)
    for module in CAPABILITY_MODULES:
        for item in module.CAPABILITIES:
            register(item)
    for name in COMPOSITES:
        register(Composite.from_file(files(__package__) / "composites" / name))
    for item in (*POLICIES, *SAMPLES, *LOAN_SAMPLES, *DEMOS):
        register(item)
    for table in authority_tables():  # HQ's authority tables (授权表), as data: authority/*.yaml
        register(table)
    records.finish()  # wrong or unused records are reported against this distribution
