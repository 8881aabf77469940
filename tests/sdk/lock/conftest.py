"""Fixtures for locks: the installed catalog, and products copied out of the repo (never locked in place)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import jimu

ROOT = Path(__file__).resolve().parents[3]
ASSEMBLIES = ROOT / "assemblies"
HANGZHOU = "zhejiang/hangzhou_pharmacy_merchant_loan.yaml"


@pytest.fixture(scope="module")
def catalog():
    """The installed plugins only (jimu-credit, and the Zhejiang data team's plugin that
    zhejiang.hangzhou.licensed_pharmacy_loan uses), as `jimu lock` and `jimu validate` load them."""
    loaded = jimu.load_catalog(allow=["jimu-credit", "jimu-zhejiang-data"])
    assert not loaded.errors, loaded.errors
    return loaded


@pytest.fixture
def products(tmp_path) -> Path:
    """A copy of every product under assemblies/ (YAML only), to lock and edit freely."""
    target = tmp_path / "assemblies"
    for path in ASSEMBLIES.rglob("*.yaml"):
        copy = target / path.relative_to(ASSEMBLIES)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    return target
