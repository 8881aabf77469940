"""Masking of identity numbers in anything shown, logged or written beside the real output.

Resident IDs, USCCs, bank cards and mobile numbers are found by shape wherever they stand (a
field, a message, an error text), so that a new field or an exception that quotes its input
cannot leak one. The masks keep what an officer needs to tell records apart and nothing more:
- resident ID ``110105********002X`` (region and last four; the birth date is hidden);
- USCC ``91110108********2Q`` (authority, type and region; the organisation code is hidden);
- bank card ``************1111``; mobile ``138****0000``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Resident IDs before USCCs (an ID also fits the USCC alphabet); the look-arounds keep a match from starting or ending inside a longer
# run of digits (a 19-digit card must not be read as an ID plus one digit).
_PATTERNS = (
    (re.compile(r"(?<![0-9A-Za-z])([0-9]{6})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])"), "ric"),
    # Any 18 upper-case letters and digits with a digit run where the region stands: a USCC,
    # or a mistyped one (an O for a 0), which must not leak either.
    (re.compile(r"(?<![0-9A-Za-z])([0-9A-Z]{2}[0-9]{6})([0-9A-Z]{8})([0-9A-Z]{2})(?![0-9A-Za-z])"), "uscc"),
    (re.compile(r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])"), "phone"),
    (re.compile(r"(?<![0-9])([0-9]{8,15})([0-9]{4})(?![0-9])"), "card"),
)


def _mask(kind: str, m: re.Match[str]) -> str:
    if kind == "card":
        return "*" * len(m.group(1)) + m.group(2)
    return m.group(1) + "*" * len(m.group(2)) + m.group(3)


# A number written in groups ("4111 1111 1111 1111", "110105-19491231-002X") is masked in its
# compact form when its digits could make an identity number; the separators are dropped.
_GROUPED = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:[ -][0-9]+)+[Xx]?(?![0-9A-Za-z])")


def _mask_grouped(m: re.Match[str]) -> str:
    compact = re.sub(r"[ -]", "", m.group(0))
    return _mask_compact(compact) if 11 <= len(compact) <= 19 else m.group(0)


def mask_text(text: str) -> str:
    """``text`` with every identity-number-shaped run masked."""
    return _mask_compact(_GROUPED.sub(_mask_grouped, text))


def _mask_compact(text: str) -> str:
    for pattern, kind in _PATTERNS:
        text = pattern.sub(lambda m, k=kind: _mask(k, m), text)
    return text


def mask(value: Any) -> Any:
    """A copy of ``value`` (str, dict, list, tuple; others unchanged) with identity numbers masked.

    Keys are masked too (a header-less CSV makes an applicant's ID a column name), and so are
    integers shaped like one (JSON and Parquet carry phone and ID numbers as numbers).
    """
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**10:
        masked = mask_text(str(value))
        return masked if masked != str(value) else value
    if isinstance(value, Mapping):
        return {mask(k) if isinstance(k, str) else k: mask(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask(v) for v in value)
    return value
