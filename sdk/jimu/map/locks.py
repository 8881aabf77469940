"""A product's lock file as the map shows it: read tolerantly, rendered as tables.

``jimu lock`` writes ``foo.lock.json`` beside ``foo.yaml`` (:mod:`jimu.lock.model`): a list of
``capabilities`` and one of ``composites``, each entry with ``id``, ``version``, ``distribution``
(``{"name", "version"}``), ``chosen`` (``[{"by", "specifier"}]``) and, for a composite, its
``yaml`` with a ``sha256``; plus ``product``, ``sdk`` and ``authority``. The flat spelling
(``distribution`` a name beside ``distribution_version``, one ``specifier``, a composite's own
``sha256``) reads too. The map only displays the lock, so it reads what it can: a missing key
leaves a cell empty, an entry that is not an object or a file that is not JSON becomes a note on
the page. A broken lock must never break the site build (`jimu validate` and `jimu lock` are
where it gets fixed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CAPABILITY_COLUMNS", "COMPOSITE_COLUMNS", "LockView", "lock_path", "read_lock"]

CAPABILITY_COLUMNS = ("id", "version", "distribution", "distribution_version", "specifier")
COMPOSITE_COLUMNS = ("id", "version", "sha256")


@dataclass
class LockView:
    path: Path
    capabilities: list[dict[str, str]] = field(default_factory=list)
    composites: list[dict[str, str]] = field(default_factory=list)
    #: top-level scalar fields (when it was written, by which jimu, ...), shown as they are
    meta: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what could not be read


def lock_path(assembly: Path) -> Path:
    """``foo.yaml`` → ``foo.lock.json``, beside it."""
    return Path(assembly).with_suffix(".lock.json")


def read_lock(assembly: Path) -> LockView | None:
    """The lock beside ``assembly``, or None when there is none. Never raises for its content."""
    path = lock_path(assembly)
    if not path.is_file():
        return None
    view = LockView(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        view.notes.append(f"could not be read: {exc}")
        return view
    except json.JSONDecodeError as exc:
        view.notes.append(f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
        return view
    if not isinstance(data, dict):
        view.notes.append(f"should hold a JSON object, not {type(data).__name__}")
        return view
    view.meta = {k: _summary(v) for k, v in sorted(data.items())
                 if isinstance(v, (str, int, float, bool)) or (isinstance(v, dict) and v and _flat(v))}
    view.capabilities = _rows(data, "capabilities", CAPABILITY_COLUMNS, view.notes)
    view.composites = _rows(data, "composites", COMPOSITE_COLUMNS, view.notes)
    return view


def _rows(data: dict, key: str, columns: tuple[str, ...], notes: list[str]) -> list[dict[str, str]]:
    items = data.get(key)
    if items is None:
        notes.append(f'has no "{key}" list')
        return []
    if not isinstance(items, list):
        notes.append(f'"{key}" should be a list, not {type(items).__name__}')
        return []
    rows, skipped, incomplete = [], 0, 0
    for item in items:
        if not isinstance(item, dict):
            skipped += 1
            continue
        row = _normalise(item, columns)
        incomplete += not (row["id"] and row["version"])  # a pin without them pins nothing
        rows.append(row)
    if skipped:
        notes.append(f'{skipped} entr{"y" if skipped == 1 else "ies"} in "{key}" not an object, left out')
    if incomplete:
        notes.append(f'{incomplete} entr{"y" if incomplete == 1 else "ies"} in "{key}" without an id or version')
    return sorted(rows, key=lambda r: (r["id"], r["version"]))


def _normalise(item: dict, columns: tuple[str, ...]) -> dict[str, str]:
    """One entry in either spelling, as the table's columns."""
    row = {c: _text(item.get(c)) for c in columns}
    dist = item.get("distribution")
    if isinstance(dist, dict):  # {"name", "version"}
        row["distribution"] = _text(dist.get("name"))
        if "distribution_version" in row and not row["distribution_version"]:
            row["distribution_version"] = _text(dist.get("version"))
    if "specifier" in row and not row["specifier"] and isinstance(item.get("chosen"), list):
        specs = [c.get("specifier") for c in item["chosen"] if isinstance(c, dict)]
        row["specifier"] = " ; ".join(dict.fromkeys(_text(s) or "any" for s in specs))
    if "sha256" in row and not row["sha256"] and isinstance(item.get("yaml"), dict):
        row["sha256"] = _text(item["yaml"].get("sha256"))
    return row


def _flat(value: dict) -> bool:
    return all(isinstance(v, (str, int, float, bool)) or v is None for v in value.values())


def _summary(value: Any) -> str:
    """A scalar as text; a small object (``{"name": "jimu", "version": "0.1.0"}``) on one line,
    its naming field first."""
    if not isinstance(value, dict):
        return _text(value)
    keys = sorted(value, key=lambda k: ({"id": 0, "name": 0, "version": 1}.get(k, 2), k))
    return " ".join(_text(value[k]) if k in ("id", "name", "version") else f"{k}={_text(value[k])}" for k in keys)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
