"""The lock file's format: what a product reaches, pinned, as pydantic models.

Written as JSON with sorted keys, a 2-space indent and a trailing newline; every list is sorted,
and nothing in it depends on when or where it was written, so locking an unchanged product again
gives a byte-identical file. ``jimu_lock`` is the format's version.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT = 1


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FilePin(_Closed):
    """A file that runs, by its path as the distribution's RECORD lists it, and its sha256 (hex)."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class DistributionPin(_Closed):
    """The installed distribution that provided an item."""

    name: str
    version: str


class Choice(_Closed):
    """Where an item is reached from and the PEP 440 specifier it was chosen under there.

    ``by`` is the step path from the product down (``preloan/prescreen/antifraud``); a use declared
    by a Python capability appends ``>`` and the used id (``…/scorecard>risk.step.woe_points``).
    """

    by: str
    specifier: str


class CapabilityPin(_Closed):
    id: str
    version: str
    kind: str
    distribution: DistributionPin | None
    chosen: list[Choice]
    code: list[FilePin] = Field(description="the source files of the modules defining its functions, and of the modules they import from their own package")
    data: list[FilePin] = Field(default_factory=list, description="the data files it declares (data_files)")


class CompositePin(_Closed):
    id: str
    version: str
    distribution: DistributionPin | None
    chosen: list[Choice]
    yaml: FilePin


class StepPin(_Closed):
    """One step as the validator resolved it: what it runs, its bindings, its params after defaults."""

    uses: str
    specifier: str
    version: str
    with_: dict[str, str] = Field(alias="with", description="input → the expression bound to it")
    params: dict[str, Any] = Field(description="every param, the step's value or the default")


class AuthorityPin(_Closed):
    id: str
    version: str


class ProductPin(_Closed):
    id: str
    version: str
    branch: str


class Lock(_Closed):
    jimu_lock: Literal[1] = FORMAT
    product: ProductPin
    sdk: DistributionPin = Field(description="the Jimu runtime that runs the product")
    authority: AuthorityPin | None = Field(description="the authority table in force for the branch when locked")
    capabilities: list[CapabilityPin]
    composites: list[CompositePin]
    steps: dict[str, StepPin] = Field(description="by step path (``preloan/prescreen``)")

    def dumps(self) -> str:
        """The file's text: stable, so an unchanged product relocks byte for byte."""
        data = self.model_dump(mode="json", by_alias=True)
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
