"""Demonstrations a plugin offers: ``jimu demo [NAME...]`` runs the main jobs end to end.

The SDK knows no credit product, so what "the main job" is comes from the plugins, as samples
do: HQ's plugin registers its pre-loan screening over the German Credit applicants and its
post-loan monitoring of a synthetic book. A demo writes what it produces under the folder it is
given and returns an exit status, as a command would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .contracts import ID_PATTERN


@dataclass(frozen=True)
class Demo:
    name: str  # what `jimu demo NAME` takes, e.g. preloan
    description: str
    run: Callable[[Path, bool], int] = field(repr=False)  # (out folder, quick) -> exit status
    order: int = 100  # `jimu demo` with no name runs every demo, lowest order first

    def __post_init__(self) -> None:
        if not ID_PATTERN.match(self.name) or "." in self.name:
            raise ValueError(f"demo name {self.name!r} must be one lower-case word, e.g. preloan")
        if not callable(self.run):
            raise ValueError(f"demo {self.name}: run must be a function of (out, quick)")


__all__ = ["Demo"]
