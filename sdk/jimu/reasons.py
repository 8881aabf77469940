"""Reason codes: why a capability declined, referred or flagged something.

Every decision-driving output carries codes from this registry, each with English and Chinese
text and the capability that raises it, so that a risk officer can read why an applicant was
declined. A catch-all code ("OTHER") explains nothing and is refused.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_CODE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
_CATCH_ALL = {"OTHER", "OTHERS", "UNKNOWN", "MISC", "GENERIC", "GENERAL", "ERROR", "DECLINE", "REFER"}


class ReasonCode(BaseModel):
    """One registered reason: ``KYC_RIC_CHECKSUM`` — "Resident ID check digit is wrong"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(description="UPPER_SNAKE_CASE, stable forever once published")
    text: str = Field(min_length=1, description="English text shown to officers and in traces")
    text_zh: str = Field(min_length=1, description="Simplified Chinese text")
    capability: str | None = Field(
        None, description="id of the capability that raises it; filled in when declared on one"
    )

    @field_validator("code")
    @classmethod
    def _well_formed(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError(f"reason code {value!r} must be UPPER_SNAKE_CASE, e.g. KYC_RIC_CHECKSUM")
        last = value.rsplit("_", 1)[-1]
        if value in _CATCH_ALL or last in {"OTHER", "UNKNOWN", "MISC"}:
            raise ValueError(f"reason code {value!r} is a catch-all; name the actual reason")
        return value

    def describe(self, zh: bool = False) -> str:
        return f"{self.code}: {self.text_zh if zh else self.text}"
