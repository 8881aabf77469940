"""A composite: HQ's capability assembled in YAML from deeper ones, registered like any other.

A plugin ships the file as package data and registers it::

    register(Composite.from_file(files("jimu_credit") / "composites" / "person_intake.yaml"))

The catalog sees an entry with an id, version, level and ``uses`` (one per step), so the
five-level rule, the map, impact analysis and locks treat it exactly as a Python capability.
Its input contract is what the file declares; its output contract and params (the ones it
exposes) are resolved against the catalog by :mod:`jimu.assembly.validate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from .assembly.load import load_file
from .assembly.model import CompositeAssembly
from .capability import Use
from .contracts import Entry, Kind, Level


class InvalidComposite(ValueError):
    """The file is not a valid composite; the message lists every diagnostic, compiler style."""


class Composite(Entry):
    kind: Literal[Kind.COMPOSITE] = Kind.COMPOSITE
    level: Literal[Level.BUSINESS_CAPABILITY, Level.ACTIVITY, Level.TASK]
    uses: tuple[Use, ...] = ()
    resources: tuple[str, ...] = ()  # a composite reads resources only through its steps
    reasons: tuple = ()
    assembly: CompositeAssembly
    path: str = Field(description="where the YAML file was read from")
    text: str = Field(repr=False, description="the file's content, as hashed by locks")
    _loaded: Any = PrivateAttr(default=None)  # the LoadedFile from_file parsed (positions included)

    def loaded(self) -> Any:
        """The parsed file with its positions: the one from_file read, else parsed from ``text``."""
        if self._loaded is None:
            self._loaded = load_file(Path(self.path), text=self.text)
        return self._loaded

    @model_validator(mode="before")
    @classmethod
    def _from_assembly(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("assembly"), CompositeAssembly):
            a: CompositeAssembly = data["assembly"]
            header = {
                "id": a.id, "version": a.version, "level": a.level, "name": a.name, "name_zh": a.name_zh,
                "owner": a.owner, "description": a.description, "lifecycle": a.lifecycle,
                "tags": tuple(a.tags), "entitlements": tuple(a.entitlements),
                "uses": tuple(Use(id=s.uses, specifier=s.version) for s in a.steps),
            }
            data = {**header, **data}
        return data

    @property
    def reason_codes(self) -> frozenset[str]:
        return frozenset()

    @classmethod
    def from_file(cls, path: Path | Any) -> Composite:
        """Read and shape-check a composite file; raise :class:`InvalidComposite` listing every problem."""
        path = Path(str(path))
        loaded = load_file(path, display=str(path))
        if loaded.model is None or not isinstance(loaded.model, CompositeAssembly):
            problems = [d.render(loaded.line_text(d.line)) for d in loaded.diagnostics]
            if not problems:
                problems = [f"{path}: kind is {loaded.kind!r}, not composite"]
            raise InvalidComposite("\n".join(problems))
        composite = cls(assembly=loaded.model, path=str(path), text=loaded.doc.text)
        composite._loaded = loaded  # validation analyses this very parse: no second read of the file
        return composite
