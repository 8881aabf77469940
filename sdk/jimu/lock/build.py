"""Building a lock from a validated product: everything it reaches, as the runtime would run it.

The walk follows the validator's analysis (each step's resolved target, bindings and params),
down through composites' own analyses, and through the ``uses`` a Python capability declares,
resolved the way :meth:`jimu.invoke.Context.use` resolves them at run time. Params are pinned
after defaults, with a product's values for a composite's exposed params carried down to the
inner step that receives them, exactly as :func:`jimu.runtime.compile_plan` carries them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from ..assembly.model import ProductAssembly
from ..capability import Capability
from ..catalog import Catalog, UnknownCapability
from ..composite import Composite
from . import hashing
from .model import (
    AuthorityPin, CapabilityPin, Choice, CompositePin, DistributionPin, FilePin, Lock, ProductPin, StepPin,
)


class NotLockable(ValueError):
    """The file is not a product that validates cleanly: there is nothing reliable to pin."""


@dataclass
class Built:
    """A lock, and what stops it being written (installed files altered, declared data files missing)."""

    lock: Lock
    problems: list[str] = field(default_factory=list)
    #: RECORD path → why it is suspect (altered after install); the checker reports these
    altered: dict[str, str] = field(default_factory=dict)
    #: RECORD path → why it could not be read (deleted or unreadable since the module was imported)
    unreadable: dict[str, str] = field(default_factory=dict)


def lock_path(assembly: Path) -> Path:
    """``foo.yaml`` → ``foo.lock.json``, beside it."""
    assembly = Path(assembly)
    return assembly.with_name(f"{assembly.stem}.lock.json")


def build_lock(analysis: Any, catalog: Catalog, on_date: dt.date | None = None) -> Built:
    """The lock of one validated product (an :class:`jimu.assembly.Analysis` without errors)."""
    model = analysis.file.model
    if not isinstance(model, ProductAssembly):
        raise NotLockable(f"{analysis.file.display} is not a product: locks pin products (a composite is "
                          "pinned by the products that use it)")
    if not analysis.ok or any(s.target is None for s in analysis.steps.values()):
        raise NotLockable(f"{analysis.file.display} has validation errors: run `jimu validate` and fix them first")
    walk = _Walk(catalog, Path(analysis.file.path).resolve().parent)
    walk.steps_of(analysis, "", {})
    lock = Lock(
        product=ProductPin(id=model.id, version=model.version, branch=model.branch),
        sdk=_sdk_pin(),
        authority=authority_pin(catalog, model.branch, on_date or dt.date.today()),
        capabilities=sorted(walk.capabilities.values(), key=lambda p: (p.id, p.version)),
        composites=sorted(walk.composites.values(), key=lambda p: (p.id, p.version)),
        steps=walk.steps,
    )
    return Built(lock, walk.problems, walk.altered, walk.unreadable)


def authority_pin(catalog: Catalog, branch: str, on_date: dt.date) -> AuthorityPin | None:
    """The id and version of the authority table in force for ``branch`` on ``on_date``, if any.

    Authority tables (:mod:`jimu.authority`) are optional to the lock: with no such module, or
    no table for the branch, the slot is null.
    """
    try:
        from .. import authority
    except ImportError:
        return None
    table_in_force = getattr(authority, "table_in_force", None)
    if table_in_force is None:
        return None
    table = table_in_force(catalog, branch, on_date)
    if table is None:
        return None
    return AuthorityPin(id=str(table.id), version=str(table.version))


def _sdk_pin() -> DistributionPin:
    from importlib import metadata

    from .. import __version__

    try:
        version = metadata.version("jimu")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        version = __version__
    return DistributionPin(name="jimu", version=version)


class _Walk:
    def __init__(self, catalog: Catalog, product_dir: Path):
        self.catalog, self.product_dir = catalog, product_dir
        self.capabilities: dict[tuple[str, str], CapabilityPin] = {}
        self.composites: dict[tuple[str, str], CompositePin] = {}
        self.steps: dict[str, StepPin] = {}
        self.problems: list[str] = []
        self.altered: dict[str, str] = {}
        self.unreadable: dict[str, str] = {}

    def steps_of(self, analysis: Any, prefix: str, overrides: Mapping[str, Mapping[str, Any]]) -> None:
        for sid in sorted(analysis.steps, key=lambda n: analysis.steps[n].index):
            s = analysis.steps[sid]
            entry, path = s.target.entry, f"{prefix}{sid}"
            given = {**s.step.params, **overrides.get(sid, {})}
            choice = Choice(by=path, specifier=s.step.version)
            if isinstance(entry, Capability):
                params = _resolved_params(entry, given)
                self.capability(entry, choice)
            else:
                params = {name: spec.default for name, spec in s.target.params.items()} | given
                self.composite(entry, choice)
                inner: dict[str, dict[str, Any]] = {}
                for name, value in given.items():
                    spec = s.target.analysis.params.get(name)
                    if spec is not None:
                        inner_step, _, inner_param = spec.path.partition(".")
                        inner.setdefault(inner_step, {})[inner_param] = value
                self.steps_of(s.target.analysis, f"{path}/", inner)
            self.steps[path] = StepPin(
                uses=entry.id, specifier=s.step.version, version=entry.version,
                with_={name: b.source.strip() for name, b in s.bindings.items()},
                params=to_jsonable_python(params),
            )

    def capability(self, cap: Capability, choice: Choice) -> None:
        key = (cap.id, cap.version)
        pin = self.capabilities.get(key)
        if pin is None:
            pin = self._pin_capability(cap, choice)
            for use in cap.uses:
                self.used(cap, use, f"{choice.by}>{use.id}")
        self.capabilities[key] = pin.model_copy(update={"chosen": _merged(pin.chosen, choice)})

    def used(self, user: Capability, use: Any, by: str) -> None:
        try:
            target = self.catalog.get(use.id, use.specifier)
        except UnknownCapability as exc:  # the catalog check reports it too; a lock must not hide it
            self.problems.append(f"{user.id} uses {use}: {exc}")
            return
        choice = Choice(by=by, specifier=use.specifier)
        if isinstance(target, Capability):
            self.capability(target, choice)
        elif isinstance(target, Composite):
            self.composite(target, choice)

    def composite(self, comp: Composite, choice: Choice) -> None:
        key = (comp.id, comp.version)
        pin = self.composites.get(key)
        if pin is None:
            dist = self._distribution(comp)
            yaml_file = self._hash(Path(comp.path), "", dist, f"composite {comp.key}")
            pin = CompositePin(id=comp.id, version=comp.version, distribution=dist, chosen=[], yaml=yaml_file)
        self.composites[key] = pin.model_copy(update={"chosen": _merged(pin.chosen, choice)})

    def _pin_capability(self, cap: Capability, choice: Choice) -> CapabilityPin:
        dist = self._distribution(cap)
        funcs = [cap.func] + ([cap.batch] if cap.batch is not None else [])
        code: dict[str, FilePin] = {}
        for func in funcs:
            path, module = hashing.defining_file(func)
            for file, name in [(path, module), *hashing.imported_modules(path, module)]:
                pin = self._hash(file, name, dist, f"capability {cap.key}")
                code[pin.path] = pin
        data: dict[str, FilePin] = {}
        if cap.data_files:
            path, module = hashing.defining_file(cap.func)
            files, empty = hashing.data_files(cap.data_files, path)
            for pattern in empty:
                self.problems.append(f"{cap.key} declares data_files {pattern!r}, which matches no file "
                                     f"under {path.parent}")
            for file in files:
                pin = self._hash(file, module, dist, f"capability {cap.key}")
                data[pin.path] = pin
        return CapabilityPin(id=cap.id, version=cap.version, kind=cap.kind.value, distribution=dist, chosen=[],
                             code=sorted(code.values(), key=lambda p: p.path),
                             data=sorted(data.values(), key=lambda p: p.path))

    def _distribution(self, entry: Any) -> DistributionPin | None:
        try:
            source = self.catalog.source(entry)
        except KeyError:  # a local composite file, not installed by any distribution
            return None
        if not source.distribution:
            return None  # registered in memory (tests, notebooks)
        return DistributionPin(name=source.distribution, version=source.dist_version or "")

    def _hash(self, file: Path, module: str, dist: DistributionPin | None, owner: str) -> FilePin:
        try:
            hashed = hashing.hash_file(file, module, dist.name if dist else None)
        except OSError as exc:  # deleted since its module was imported: nothing true can be pinned
            path = hashing.record_key(file, module) if module else _composite_key(file, self.product_dir)
            message = f"{path} of {owner} cannot be read: {exc.strerror or exc}"
            self.unreadable[path] = message
            self.problems.append(message)
            return FilePin(path=path, sha256="0" * 64)
        path = hashed.path
        if not module and hashed.recorded is None:
            path = _composite_key(file, self.product_dir)
        if hashed.altered:
            message = (f"{path} of {owner} was altered after {dist.name} {dist.version} was installed "
                       f"(its RECORD says sha256 {hashed.recorded[:12]}…, the file has {hashed.sha256[:12]}…)")
            self.altered[path] = message
            self.problems.append(message)
        return FilePin(path=path, sha256=hashed.sha256)


def _resolved_params(cap: Capability, given: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return cap.params.model_validate(dict(given)).model_dump(mode="json")
    except Exception:  # validation has passed, so this is defensive: pin what the file says
        return dict(given)


def _merged(chosen: list[Choice], choice: Choice) -> list[Choice]:
    return sorted(set(chosen) | {choice}, key=lambda c: (c.by, c.specifier))


def _composite_key(file: Path, product_dir: Path) -> str:
    """A composite YAML's name: inside an installed package as a wheel would record it, else beside the product."""
    file = file.resolve()
    for package in _package_dirs():
        if file.is_relative_to(package):
            return file.relative_to(package.parent).as_posix()
    return Path(os.path.relpath(file, product_dir)).as_posix()


_PACKAGE_DIRS: dict[str, Path | None] = {}


def _package_dirs() -> list[Path]:
    """The folders of the imported top-level packages (each resolved once: resolving them all for
    every composite was a tenth of a second of each `jimu validate`)."""
    import sys

    for name, module in list(sys.modules.items()):
        if "." in name or name in _PACKAGE_DIRS:
            continue
        init = getattr(module, "__file__", None)
        _PACKAGE_DIRS[name] = Path(init).resolve().parent if init and hasattr(module, "__path__") else None
    return [path for path in _PACKAGE_DIRS.values() if path is not None]
