"""Sample data sets a plugin offers for demos and tests: ``jimu sample NAME --out FILE``.

A plugin registers a :class:`Sample` like any item; the SDK knows nothing of credit data
itself, so HQ's German Credit applicants and a bank's own synthetic loan book arrive the same
way. A sample is deterministic: the same rows and seed give the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .contracts import ID_PATTERN


@dataclass(frozen=True)
class Sample:
    name: str  # what `jimu sample NAME` takes, e.g. applicants
    description: str
    generate: Callable[[int | None, int], Iterable[dict[str, Any]]] = field(repr=False)  # (rows, seed) -> rows
    columns: tuple[str, ...] = ()  # the columns, in order (the first row's keys when empty)
    default_rows: int | None = None  # None: the whole data set
    source: str = ""  # attribution, printed with the file

    def __post_init__(self) -> None:
        if not ID_PATTERN.match(self.name) or "." in self.name:
            raise ValueError(f"sample name {self.name!r} must be one lower-case word, e.g. applicants")
        if not callable(self.generate):
            raise ValueError(f"sample {self.name}: generate must be a function of (rows, seed)")
