"""Assemblies: products and composites as YAML, loaded with positions and validated against the catalog."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from typing import TYPE_CHECKING, Any

from .load import LoadedFile, load_file
from .model import CompositeAssembly, ProductAssembly, Step

if TYPE_CHECKING:
    from .validate import Analysis, Validator

__all__ = [
    "Analysis",
    "CompositeAssembly",
    "LoadedFile",
    "ProductAssembly",
    "Step",
    "Validator",
    "find_assemblies",
    "load_file",
    "validate_paths",
]

SUFFIXES = (".yaml", ".yml")


def find_assemblies(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, and those under the directories named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def __getattr__(name: str) -> Any:
    # The validator imports the catalog, which imports composites, which read files with this
    # package's loader: importing it lazily keeps that chain from closing into a cycle.
    if name in ("Analysis", "Validator"):
        from . import validate

        return getattr(validate, name)
    raise AttributeError(name)


def validate_paths(paths: Iterable[Path], catalog=None, as_of=None) -> list[Analysis]:
    """Load and validate every assembly under ``paths``; composites among them are validated as local.

    ``as_of`` (a date, default today) is the day HQ's authority tables are judged on."""
    if catalog is None:
        from ..plugins import load_catalog

        catalog = load_catalog()
    from .collector import collector_paused
    from .validate import Validator

    with collector_paused():  # a third of the time on large batches, freeing nothing (see collector)
        files = [load_file(p) for p in find_assemblies(paths)]
        return Validator(catalog, files, as_of=as_of).validate_all(files)
