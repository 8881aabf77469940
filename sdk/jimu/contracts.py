"""The vocabulary every catalog entry shares: levels, kinds, lifecycle, ids and versions.

Capabilities, domains and (later) composites all describe themselves with these types, so
that the catalog, the map and the validator read one shape whatever produced the entry.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from enum import Enum, IntEnum
from typing import Literal

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: A dotted, lower-case id whose first segment is the L1 domain: ``risk.prescreen.antifraud``.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_CJK = re.compile(r"[\u3400-\u9fff]")


class Level(IntEnum):
    """The five levels of HQ's capability decomposition (五级)."""

    DOMAIN = 1  # 能力域
    BUSINESS_CAPABILITY = 2  # 业务能力
    ACTIVITY = 3  # 业务活动
    TASK = 4  # 任务
    STEP = 5  # 步骤 / 原子服务

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self][0]

    @property
    def label_zh(self) -> str:
        return _LEVEL_LABELS[self][1]


_LEVEL_LABELS = {
    Level.DOMAIN: ("domain", "能力域"),
    Level.BUSINESS_CAPABILITY: ("business capability", "业务能力"),
    Level.ACTIVITY: ("activity", "业务活动"),
    Level.TASK: ("task", "任务"),
    Level.STEP: ("step", "步骤"),
}


class Kind(str, Enum):
    """How engines run an entry."""

    DOMAIN = "domain"  # an L1 declaration; nothing runs
    MAP = "map"  # one record in, one record out
    LOOKUP = "lookup"  # one record plus declared resources
    AGGREGATE = "aggregate"  # a whole population in, a table out; one global stage
    COMPOSITE = "composite"  # YAML assembled from other capabilities


class Status(str, Enum):
    EXPERIMENTAL = "experimental"
    PRODUCTION = "production"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


#: The order a capability's life moves in; a promotion only ever moves it forward.
STATUS_ORDER = (Status.EXPERIMENTAL, Status.PRODUCTION, Status.DEPRECATED, Status.RETIRED)


class Promotion(BaseModel):
    """One recorded move of a capability's status, with who approved it and when.

    ``approved_on``, not ``on``: YAML 1.1 (PyYAML) reads a bare ``on`` key as ``True``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    to: Status
    approved_by: str = Field(min_length=1, description="the person or board that approved it")
    approved_on: dt.date
    ticket: str | None = Field(None, description="the change ticket, e.g. ARB-2026-014")
    note: str | None = None


class Lifecycle(BaseModel):
    """Where an entry stands in its life; a deprecated one names its successor and sunset date.

    ``promotions`` is the approval record: each move (experimental → production → deprecated →
    retired), oldest first; when there is one, the last move's ``to`` is the current status.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Status = Status.EXPERIMENTAL
    successor: str | None = Field(None, description="id (optionally id@version) replacing this one")
    sunset: dt.date | None = Field(None, description="the date after which it may be retired")
    promotions: tuple[Promotion, ...] = ()

    @model_validator(mode="after")
    def _deprecation_is_complete(self) -> Lifecycle:
        if self.status is Status.DEPRECATED and (not self.successor or not self.sunset):
            raise ValueError("a deprecated capability names its successor and its sunset date")
        return self

    @model_validator(mode="after")
    def _promotions_are_a_history(self) -> Lifecycle:
        previous: Promotion | None = None
        for number, move in enumerate(self.promotions, 1):
            if previous is not None:
                if move.approved_on < previous.approved_on:
                    raise ValueError(f"promotion {number} (to {move.to.value}, {move.approved_on}) is dated before "
                                     f"promotion {number - 1} ({previous.approved_on}): list them oldest first")
                if STATUS_ORDER.index(move.to) <= STATUS_ORDER.index(previous.to):
                    raise ValueError(f"promotion {number} moves from {previous.to.value} to {move.to.value}: "
                                     "a lifecycle only moves forward (experimental → production → deprecated → retired)")
            previous = move
        if previous is not None and previous.to is not self.status:
            raise ValueError(f"the last promotion is to {previous.to.value}, but the status is {self.status.value}: "
                             "record the promotion that made it so")
        return self

    @classmethod
    def coerce(cls, value: Lifecycle | str | Status | dict | None) -> Lifecycle:
        if value is None:
            return cls()
        if isinstance(value, Lifecycle):
            return value
        if isinstance(value, dict):
            return cls(**value)
        return cls(status=Status(value))


def parse_version(text: str) -> Version:
    """A semantic version ``MAJOR.MINOR.PATCH`` (a pre-release suffix allowed), as packaging reads it."""
    try:
        version = Version(text)
    except InvalidVersion:
        raise ValueError(f"{text!r} is not a version; write MAJOR.MINOR.PATCH, e.g. 1.0.0") from None
    if len(version.release) != 3:
        raise ValueError(f"{text!r} must have three parts, MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    return version


class Entry(BaseModel):
    """What the catalog knows of any entry, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: str
    version: str
    level: Level
    kind: Kind  # every subclass fixes or restricts it
    name: str = Field(min_length=1)
    name_zh: str = Field(min_length=1, description="Simplified Chinese name, as a mainland bank writes it")
    owner: str = Field(min_length=1, description="the owning team, e.g. hq.risk-platform")
    description: str = ""
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    tags: tuple[str, ...] = ()
    entitlements: tuple[str, ...] = Field(
        (),
        description="branches that may use it, as patterns (``zhejiang.*``); empty means every branch",
    )

    def entitles(self, branch: str) -> bool:
        """Whether a product of ``branch`` may use this entry (``zhejiang.*`` admits ``zhejiang.hangzhou``)."""
        return not self.entitlements or any(
            branch == pattern or fnmatch.fnmatchcase(branch, pattern) for pattern in self.entitlements
        )

    @field_validator("id")
    @classmethod
    def _dotted_id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(
                f"{value!r} is not a capability id: use lower-case dotted words, domain first "
                "(e.g. risk.prescreen.antifraud)"
            )
        return value

    @field_validator("version")
    @classmethod
    def _semantic_version(cls, value: str) -> str:
        parse_version(value)
        return value

    @field_validator("name_zh")
    @classmethod
    def _chinese_name(cls, value: str) -> str:
        if not _CJK.search(value):
            raise ValueError(f"name_zh {value!r} has no Chinese characters; give the Chinese name")
        return value

    @field_validator("lifecycle", mode="before")
    @classmethod
    def _lifecycle(cls, value: object) -> Lifecycle:
        return Lifecycle.coerce(value)  # type: ignore[arg-type]

    @property
    def domain(self) -> str:
        """The L1 domain: the first segment of the id."""
        return self.id.split(".", 1)[0]

    @property
    def parsed_version(self) -> Version:
        return Version(self.version)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


class Domain(Entry):
    """An L1 capability domain (能力域): a declaration only, nothing runs."""

    level: Literal[Level.DOMAIN] = Level.DOMAIN
    kind: Literal[Kind.DOMAIN] = Kind.DOMAIN
    version: str = "1.0.0"
    lifecycle: Lifecycle = Field(default_factory=lambda: Lifecycle(status=Status.PRODUCTION))

    @field_validator("id")
    @classmethod
    def _one_segment(cls, value: str) -> str:
        if "." in value:
            raise ValueError(f"a domain id is one word (e.g. risk), not {value!r}")
        return value
