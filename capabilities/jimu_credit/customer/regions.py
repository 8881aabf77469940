"""GB/T 2260 administrative divisions, from python-stdnum's bundled division database.

The database dates each county name (``[1983-]西湖区``: in use from 1983). Its dates start where
its sources start, and a resident ID's region is where the holder was registered when the
number was assigned — often years after birth — so a division is acceptable for a birth year
unless it had already been retired before that year.

The bundled table lags behind the State Council's changes, so ``DIVISIONS_SINCE_TABLE`` adds the
divisions created after it, each with its source; a code the table learns later is taken from
the table (the supplement only fills gaps, never overrides).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum import numdb

_PERIOD = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@dataclass(frozen=True)
class Division:
    code: str
    province: str | None
    # (first year, last year, name); None where open-ended
    names: tuple[tuple[int | None, int | None, str], ...]

    @property
    def known(self) -> bool:
        return bool(self.province and self.names)

    def in_use_since(self, year: int) -> bool:
        """Whether the code was still in use in or after ``year`` (not retired before it)."""
        return any(last is None or last >= year for _first, last, _name in self.names)

    def name_for(self, year: int | None = None) -> str | None:
        """The county name in use in ``year`` (else the next one to come, else the latest)."""
        if not self.names:
            return None
        if year is not None:
            for first, last, name in self.names:
                if (first is None or first <= year) and (last is None or last >= year):
                    return name
            later = [n for n in self.names if n[0] is not None and n[0] > year]
            if later:
                return min(later, key=lambda n: n[0])[2]
        return self.names[-1][2]


# Divisions created after python-stdnum 2.2's table: code → (province, ((first year, last, name),)).
DIVISIONS_SINCE_TABLE: dict[str, tuple[str, tuple[tuple[int | None, int | None, str], ...]]] = {
    # Hangzhou's 2021 reorganisation, approved by the State Council in March 2021, in force from
    # 9 April 2021: 江干区 and part of 萧山区 became 钱塘区; the east of 余杭区 became 临平区.
    "330113": ("浙江省", ((2021, None, "临平区"),)),
    "330114": ("浙江省", ((2021, None, "钱塘区"),)),
}


@lru_cache(maxsize=8192)
def division(code: str) -> Division:
    info: dict[str, str] = {}
    for _part, props in numdb.get("cn/loc").info(code):
        info.update(props)
    if not info.get("county") and code in DIVISIONS_SINCE_TABLE:
        province, names = DIVISIONS_SINCE_TABLE[code]
        return Division(code, info.get("province") or province, names)
    names = []
    for item in filter(None, (info.get("county") or "").split(",")):
        m = _PERIOD.match(item)
        if m:
            first, last, name = m.groups()
            names.append((int(first) if first else None, int(last) if last else None, name))
        else:
            names.append((None, None, item))
    return Division(code, info.get("province"), tuple(names))


def region_names(code: str) -> tuple[str | None, str | None]:
    """(province, latest county name) for a six-digit code; ``None`` where unknown."""
    d = division(code)
    return d.province, d.name_for()
