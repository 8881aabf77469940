"""Region names for GB/T 2260 division codes, from python-stdnum's bundled division database."""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum import numdb

_VALIDITY = re.compile(r"^\[\d*-\d*\]")  # "[1983-]西湖区": the years the division existed


@lru_cache(maxsize=4096)
def region_names(code: str) -> tuple[str | None, str | None]:
    """(province, county) for a six-digit division code; ``None`` where the database has no name.

    For a USCC the code is where the organisation registered, so every name the division has
    carried is acceptable; the most recent is returned.
    """
    info: dict[str, str] = {}
    for _part, props in numdb.get("cn/loc").info(code):
        info.update(props)
    county = info.get("county")
    if county:
        county = _VALIDITY.sub("", county.split(",")[-1])
    return info.get("province"), county
