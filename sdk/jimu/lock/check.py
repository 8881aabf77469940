"""Checking a product against its lock: a fresh lock is built and compared with the stored one.

Building afresh and comparing means the check can never disagree with ``jimu lock`` about what
a product reaches. Each difference becomes one diagnostic (J801–J806) at the product file, at
the step through which the difference is reached, naming the lock file, exactly what differs, and
the way out: ``run jimu lock <file>``. A product without a lock is not checked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import diagnostics as dx
from ..assembly.load import display_path
from ..assembly.model import ProductAssembly
from ..catalog import Catalog
from .build import Built, build_lock, lock_path
from .model import CapabilityPin, CompositePin, FilePin, Lock, StepPin


@dataclass(frozen=True)
class Difference:
    """One way the product no longer matches its lock."""

    code: dx.DiagnosticCode
    message: str
    step: str | None = None  # the step path it is reached through (its first segment is a product step)
    field: tuple = ()  # within that step: ("params", "min_age"), ("with", "pd")


class LockUnreadable(ValueError):
    pass


def read_lock(path: Path) -> Lock:
    """The lock at ``path``; :class:`LockUnreadable` says why it cannot be used."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LockUnreadable(f"cannot read it: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockUnreadable(f"it is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict) or "jimu_lock" not in data:
        raise LockUnreadable("it is not a Jimu lock (no jimu_lock format version)")
    if data.get("jimu_lock") != 1:
        raise LockUnreadable(f"its format version {data.get('jimu_lock')!r} is not one this Jimu reads (1)")
    try:
        return Lock.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(x) for x in err["loc"]) or "the top level"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise LockUnreadable(f"its {where} is wrong: {err['msg']}{more}") from None


def compare(stored: Lock, fresh: Built) -> list[Difference]:
    """Every difference between a stored lock and the lock the product would get now."""
    now = fresh.lock
    found: list[Difference] = []
    if stored.product.id != now.product.id:
        found.append(Difference(dx.LOCK_UNREADABLE, f"cannot be used: it locks product {stored.product.id}, "
                                f"not {now.product.id}"))
        return found
    if stored.sdk != now.sdk:
        found.append(Difference(dx.LOCK_VERSION_CHANGED,
                                f"Jimu {stored.sdk.version} was locked, {now.sdk.version} is installed"))
    if stored.authority != now.authority:
        found.append(Difference(dx.LOCK_AUTHORITY_CHANGED,
                                f"the authority table in force was {_table(stored.authority)} when locked, "
                                f"now {_table(now.authority)}"))
    changed_composites = _compare_entries(stored.composites, now.composites, fresh, found)
    _compare_entries(stored.capabilities, now.capabilities, fresh, found)
    _compare_steps(stored.steps, now.steps, changed_composites, found)
    return found


def _table(pin) -> str:
    return "none" if pin is None else f"{pin.id}@{pin.version}"


def _compare_entries(old: list, new: list, fresh: Built, found: list[Difference]) -> set[str]:
    """Capabilities or composites, paired by id; returns the step paths of composites that changed."""
    changed: set[str] = set()
    before, after = _by_id(old), _by_id(new)
    for cap_id in sorted(set(before) | set(after)):
        was, now = before.get(cap_id, {}), after.get(cap_id, {})
        what = "composite" if isinstance(next(iter({**was, **now}.values())), CompositePin) else "capability"
        if set(was) != set(now):
            if was and now:
                pin = next(iter(now.values()))
                found.append(Difference(dx.LOCK_VERSION_CHANGED,
                                        f"{cap_id} was locked at {_versions(was)}, now resolves to {_versions(now)}",
                                        _via(pin)))
                changed |= {c.by for p in now.values() for c in p.chosen}
            elif now:
                pin = next(iter(now.values()))
                found.append(Difference(dx.LOCK_REACH_CHANGED,
                                        f"{what} {cap_id} {_versions(now)} is now reached (by {_by(pin)}) but the "
                                        "lock does not pin it", _via(pin)))
            else:
                pin = next(iter(was.values()))
                found.append(Difference(dx.LOCK_REACH_CHANGED,
                                        f"{what} {cap_id} {_versions(was)} is pinned (by {_by(pin)}) but no longer "
                                        "reached"))
            continue
        for version in sorted(now):
            a, b = was[version], now[version]
            key = f"{cap_id} {version} (at {_reached(b)})"
            if a.distribution != b.distribution:
                found.append(Difference(dx.LOCK_VERSION_CHANGED,
                                        f"{key} came from {_dist(a.distribution)} when locked, now from "
                                        f"{_dist(b.distribution)}", _via(b)))
            if isinstance(b, CompositePin):
                if a.yaml != b.yaml:
                    found.append(Difference(dx.LOCK_HASH_CHANGED,
                                            f"composite {key}: {_file_change(a.yaml, b.yaml, fresh)}", _via(b)))
                    changed |= {c.by for c in b.chosen}
                continue
            for kind, files_a, files_b in (("code", a.code, b.code), ("data file", a.data, b.data)):
                for message in _files_changed(files_a, files_b, kind, fresh):
                    found.append(Difference(dx.LOCK_HASH_CHANGED, f"{key}: {message}", _via(b)))
    return changed


def _compare_steps(old: dict[str, StepPin], new: dict[str, StepPin], changed: set[str],
                   found: list[Difference]) -> None:
    # The inner steps of a composite that changed, or whose params changed (an exposed param
    # carried down), differ as a consequence: the outermost difference is the one to name.
    changed = set(changed)

    def inside_changed(path: str) -> bool:
        return any(path.startswith(f"{c}/") for c in changed)

    for path in sorted(set(old) | set(new)):
        if inside_changed(path):
            continue
        before = len(found)
        a, b = old.get(path), new.get(path)
        if a is None:
            found.append(Difference(dx.LOCK_BINDING_CHANGED, f"step {path} ({b.uses}) is not in the lock", path))
            changed.add(path)
            continue
        if b is None:
            found.append(Difference(dx.LOCK_BINDING_CHANGED, f"step {path} ({a.uses}) is locked but no longer "
                                    "in the product", path))
            changed.add(path)
            continue
        if a.uses != b.uses:
            found.append(Difference(dx.LOCK_BINDING_CHANGED, f"step {path} used {a.uses} when locked, now {b.uses}",
                                    path, ("uses",)))
            changed.add(path)
            continue
        if a.specifier != b.specifier:
            found.append(Difference(dx.LOCK_BINDING_CHANGED,
                                    f"step {path} chose {a.uses} under {a.specifier or 'any version'!r} when "
                                    f"locked, now under {b.specifier or 'any version'!r}", path, ("version",)))
        for part, was, now in (("with", a.with_, b.with_), ("params", a.params, b.params)):
            for name in sorted(set(was) | set(now)):
                if was.get(name, _ABSENT) == now.get(name, _ABSENT):
                    continue
                found.append(Difference(
                    dx.LOCK_BINDING_CHANGED,
                    f"step {path}: {part} {name} was {_show(was.get(name, _ABSENT))} when locked, now "
                    f"{_show(now.get(name, _ABSENT))}", path, (part, name)))
        if len(found) > before:
            changed.add(path)


_ABSENT = object()


def _show(value: Any) -> str:
    return "unset" if value is _ABSENT else json.dumps(value, ensure_ascii=False)


def _files_changed(old: list[FilePin], new: list[FilePin], kind: str, fresh: Built) -> Iterable[str]:
    a, b = {f.path: f for f in old}, {f.path: f for f in new}
    for path in sorted(set(a) | set(b)):
        if path not in b:
            yield f"its {kind} {path} is pinned but no longer part of it"
        elif path not in a:
            yield f"its {kind} {path} is new since the lock"
        elif a[path] != b[path]:
            yield f"its {kind} {_file_change(a[path], b[path], fresh)}"
        elif path in fresh.altered:
            yield fresh.altered[path]


def _file_change(a: FilePin, b: FilePin, fresh: Built) -> str:
    if b.path in fresh.unreadable:
        return fresh.unreadable[b.path]
    if a.path != b.path:
        return f"{a.path} is now {b.path} (sha256 {a.sha256[:12]}… → {b.sha256[:12]}…)"
    if a.sha256 == b.sha256 and b.path in fresh.altered:
        return fresh.altered[b.path]
    text = f"{b.path} changed since locked (sha256 {a.sha256[:12]}… → {b.sha256[:12]}…)"
    if b.path in fresh.altered:
        text += "; it was also altered after its distribution was installed"
    return text


def _by_id(pins: list) -> dict[str, dict[str, CapabilityPin | CompositePin]]:
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    for pin in pins:
        found[pin.id][pin.version] = pin
    return found


def _versions(pins: dict) -> str:
    return ", ".join(sorted(pins))


def _via(pin) -> str | None:
    return pin.chosen[0].by.split(">", 1)[0] if pin.chosen else None


def _reached(pin) -> str:
    paths = [c.by for c in pin.chosen]
    return paths[0] + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")


def _by(pin) -> str:
    return ", ".join(c.by for c in pin.chosen)


def _dist(pin) -> str:
    return "no distribution" if pin is None else f"{pin.name} {pin.version}"


# -- from differences to diagnostics -----------------------------------------------------------------


def check_analysis(analysis: Any, catalog: Catalog, on_date: dt.date | None = None) -> list[Difference]:
    """Differences between one validated product and the lock beside it ([] when it has no lock).

    A product with validation errors is compared only for readability: what it reaches is not
    reliable, and the errors already stop it from running.
    """
    loaded = analysis.file
    if not isinstance(loaded.model, ProductAssembly) or loaded.path is None:
        return []
    path = lock_path(loaded.path)
    if not path.exists():
        return []
    try:
        stored = read_lock(path)
    except LockUnreadable as exc:
        return [Difference(dx.LOCK_UNREADABLE, f"cannot be used: {exc}")]
    if not analysis.ok:
        return []
    fresh = build_lock(analysis, catalog, on_date)
    return compare(stored, fresh)


def report(analysis: Any, differences: list[Difference]) -> None:
    """Append a diagnostic per difference to the product file, at the step it is reached through."""
    loaded = analysis.file
    shown = display_path(lock_path(loaded.path))
    hint = f"run jimu lock {loaded.display}"
    for d in differences:
        where, key = ("id",), False
        if d.step is not None:
            top, _, rest = d.step.partition("/")
            s = analysis.steps.get(top)
            if s is not None:
                where = ("steps", s.index, "uses")
                if not rest and d.field and _has(loaded.raw, ("steps", s.index, *d.field)):
                    where, key = ("steps", s.index, *d.field), d.field[0] in ("params", "with")
        message = f"{shown} {d.message}" if d.code is dx.LOCK_UNREADABLE else f"{shown} no longer matches: {d.message}"
        loaded.report(d.code, message, where, key=key, hint=hint)


def check_locks(analyses: Iterable[Any], catalog: Catalog, on_date: dt.date | None = None) -> int:
    """Check every product among ``analyses`` that has a lock; diagnostics go to each file. Returns how many."""
    count = 0
    for analysis in analyses:
        differences = check_analysis(analysis, catalog, on_date)
        if differences:
            report(analysis, differences)
            analysis.file.diagnostics.sort(key=lambda d: (d.line, d.column))
            count += len(differences)
    return count


def _has(raw: Any, path: tuple) -> bool:
    node = raw
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    return True
