"""Locking a product file, and verifying one before it runs: the two entry points the CLI calls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import Catalog
from ..diagnostics import Diagnostic
from .build import NotLockable, build_lock, lock_path
from .check import Difference, check_analysis


@dataclass
class LockResult:
    """What locking one file did: ``written``, ``unchanged``, or ``refused`` (with the reasons)."""

    assembly: Path
    lock: Path
    status: str
    problems: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _analyse(assembly: Path, catalog: Catalog):
    from ..assembly import load_file
    from ..assembly.validate import Validator

    loaded = load_file(assembly)
    return Validator(catalog, [loaded]).validate_all([loaded])[0]


def write_lock(assembly: Path, catalog: Catalog, on_date: dt.date | None = None) -> LockResult:
    """Validate ``assembly`` and write its lock beside it (only when the text changes)."""
    assembly = Path(assembly)
    target = lock_path(assembly)
    analysis = _analyse(assembly, catalog)
    errors = [d for d in analysis.diagnostics if d.is_error]
    try:
        built = build_lock(analysis, catalog, on_date)
    except NotLockable as exc:
        return LockResult(assembly, target, "refused", [str(exc)], errors)
    if built.problems:
        return LockResult(assembly, target, "refused", built.problems)
    text = built.lock.dumps()
    if target.exists() and target.read_bytes() == text.encode("utf-8"):
        return LockResult(assembly, target, "unchanged")
    target.write_text(text, encoding="utf-8", newline="\n")
    return LockResult(assembly, target, "written")


def verify(assembly: Path, catalog: Catalog, on_date: dt.date | None = None) -> list[Difference]:
    """How ``assembly`` differs from its lock ([] when it matches, or has no lock): ``jimu run``'s gate."""
    if not lock_path(Path(assembly)).exists():
        return []  # no lock, nothing to hold the product to (and no second validation)
    return check_analysis(_analyse(Path(assembly), catalog), catalog, on_date)
