"""HQ's authority tables (授权表), published as data: one YAML file per table version.

The files are HQ credit approval's to edit, not code: a new delegation, a tightened range or an
expired pilot is a new version of the table, checked by ``jimu validate`` against every branch
product (J504–J507, see :mod:`jimu.authority`).
"""

from __future__ import annotations

from importlib.resources import files

from jimu.authority import AuthorityTable


def tables() -> list[AuthorityTable]:
    """Every table version shipped in this folder, oldest file name first."""
    folder = files(__package__)
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))
    return [AuthorityTable.from_file(folder / name) for name in names]
