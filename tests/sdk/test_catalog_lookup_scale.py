"""Looking a capability up must not scan the whole catalog.

``Catalog.get`` runs for every ``uses`` while loading (``Catalog.check``) and for every step while
validating, so a lookup that walks every registered capability makes both quadratic in the
catalog's size: before ``Catalog.versions`` had its index by id, ``bench/validation.py`` measured
76–114 s to load a 10,000-capability synthetic catalog on the 2-core machine, and 62 of the 76 s
of a validation profile were that scan.
"""

from __future__ import annotations

from jimu import ContractModel, capability, hookimpl, load_catalog


class _In(ContractModel):
    x: float


class _Out(ContractModel):
    y: float


def _step(v: _In) -> _Out:
    return _Out(y=v.x)


class _Many:
    @hookimpl
    def jimu_register(self, register):
        for n in range(200):
            register(capability(id=f"risk.step.s{n}", version="1.0.0", level=5, name=f"s{n}", name_zh="步",
                                owner="t", input=_In, output=_Out)(_step))


class _CountingDict(dict):
    scans = 0

    def items(self):
        type(self).scans += 1
        return super().items()

    def values(self):
        type(self).scans += 1
        return super().values()


def test_lookups_do_not_scan_every_capability():
    catalog = load_catalog(installed=False, plugins=[_Many()])
    catalog.capabilities = _CountingDict(catalog.capabilities)
    for n in range(100):
        assert catalog.get(f"risk.step.s{n}", "~=1.0").id == f"risk.step.s{n}"
    assert _CountingDict.scans <= 2, f"{_CountingDict.scans} full scans of the catalog for 100 lookups"
