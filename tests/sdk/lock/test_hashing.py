"""What a lock pins of a capability's code: its module and the helpers it imports from its package."""

from __future__ import annotations

import ast
from pathlib import Path

import jimu_credit
import pytest

from jimu.lock.hashing import _import_statements, imported_modules

PLUGIN = Path(jimu_credit.__file__).parent


def test_import_statements_finds_imports_anywhere_and_skips_docstring_lookalikes():
    source = '''"""Doc
from the branch import nothing here
"""
import os
from . import a  # why
from ..b import (c,  # a comment inside
    d)
def f():
    from .e import g
    if x:
        import jimu_credit.h
text = "import not"
'''
    assert [ast.unparse(n) for n in _import_statements(source)] == [
        "import os", "from . import a", "from ..b import c, d", "from .e import g", "import jimu_credit.h"]


@pytest.mark.parametrize("path", sorted(PLUGIN.rglob("*.py")), ids=lambda p: str(p.relative_to(PLUGIN)))
def test_the_line_scan_finds_what_a_full_parse_finds(path):
    # the scan is a shortcut for walking the whole tree: on every module HQ ships it must agree
    tree = ast.parse(path.read_bytes())
    full = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    scanned = [ast.unparse(n) for n in _import_statements(path.read_text(encoding="utf-8"))]
    assert sorted(scanned) == sorted(full)


def test_identity_pins_its_division_table_and_nothing_of_other_packages():
    from jimu_credit.customer import identity

    names = [name for _path, name in imported_modules(Path(identity.__file__), identity.__name__)]
    assert "jimu_credit.customer.regions" in names
    assert all(name.startswith("jimu_credit.") for name in names)
