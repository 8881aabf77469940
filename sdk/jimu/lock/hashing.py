"""What runs, as files: a capability's code and data files, a composite's YAML; their sha256 and RECORD keys.

A file is named by its path as the installed distribution's RECORD lists it
(``jimu_credit/risk/scorecard.py``), so a lock reads the same on every machine. An editable
install (how this repository installs itself) has a RECORD that lists no source files: the path is
then computed the way a wheel would record it, relative to the folder holding the top-level
package. Where RECORD does list the file with a hash, the file on disk is checked against it: an
installed file edited after installation is a finding, whatever the lock says.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import importlib.util
import inspect
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class HashedFile:
    """One file that runs: its RECORD path, its sha256 on disk, and what RECORD says of it."""

    path: str  # as RECORD lists it (or would), posix separators
    sha256: str  # hex, of the bytes on disk
    disk: Path
    recorded: str | None = None  # hex sha256 from the distribution's RECORD, when it lists one

    @property
    def altered(self) -> bool:
        """Changed after installation: RECORD lists a hash and the file no longer has it."""
        return self.recorded is not None and self.recorded != self.sha256


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def defining_file(func) -> tuple[Path, str]:
    """The source file of the module defining ``func`` (through decorators), and that module's name."""
    func = inspect.unwrap(func)
    module = getattr(func, "__module__", None) or ""
    path = inspect.getsourcefile(func) or inspect.getfile(func)
    return Path(path).resolve(), module


def imported_modules(file: Path, module: str) -> list[tuple[Path, str]]:
    """The source files of the modules ``module`` imports from its own top-level package, transitively.

    A capability's behaviour also lives in the helpers its module imports (a division table, a
    shared formula), so the lock pins them with the module. Only the same top-level package is
    followed: other distributions are pinned by name and version, and the SDK by its own pin.
    Imports are read from the source (not from ``sys.modules``), so what is pinned does not
    depend on what happened to be imported first.
    """
    top = module.split(".", 1)[0]
    found: dict[str, Path] = {}
    todo = [(file.resolve(), module)]
    while todo:
        path, name = todo.pop()
        for imported in _imports(path, name):
            if imported.split(".", 1)[0] != top or imported in found or imported == module:
                continue
            source = _module_file(imported)
            if source is not None:
                found[imported] = source
                todo.append((source, imported))
    return sorted(((path, name) for name, path in found.items()), key=lambda pair: pair[1])


@lru_cache(maxsize=None)
def _imports(path: Path, module: str) -> tuple[str, ...]:
    """Absolute names of what ``path`` (the source of ``module``) imports, submodules preferred."""
    try:
        statements = _import_statements(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return ()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[str] = []
    for node in statements:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if alias.name.split(".", 1)[0] == module.split(".", 1)[0]]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    continue
                anchor = ".".join(parts[: len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            if base.split(".", 1)[0] != module.split(".", 1)[0]:
                continue  # another package: never looked up, since find_spec imports its parents
            # `from pkg import name`: a submodule when there is one, else the package's __init__
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                names.append(candidate if _module_file(candidate) is not None else base)
    return tuple(dict.fromkeys(names))


_IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+[.\w]+[ \t]+import\b|import[ \t]+\w)", re.MULTILINE)


def _import_statements(source: str) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of ``source``, top-level or inside functions, parsed one by one.

    Parsing the whole module and walking every node took a tenth of a second for HQ's plugin on
    each `jimu validate` (which checks locks); only the lines that start like an import are
    parsed here, each with its continuation lines while a parenthesis is open. A line of
    a docstring that merely starts with "from … import" does not parse as one and is skipped.
    """
    lines = source.splitlines()
    starts = {source.count("\n", 0, m.start()) for m in _IMPORT_LINE.finditer(source)}
    found: list[ast.Import | ast.ImportFrom] = []
    for number in sorted(starts):
        text = lines[number].strip()
        end = number
        while text.count("(") > text.count(")") and end + 1 < len(lines):
            end += 1
            text += "\n" + lines[end]  # inside the parentheses indentation and comments are free
        try:
            parsed = ast.parse(text)
        except SyntaxError:
            continue
        found += [node for node in parsed.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return found


@lru_cache(maxsize=None)
def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None
    origin = getattr(spec, "origin", None) if spec else None
    if not origin or not origin.endswith(".py"):
        return None
    return Path(origin).resolve()


def record_key(file: Path, module: str) -> str:
    """``file`` relative to the folder holding ``module``'s top-level package, as a wheel's RECORD has it."""
    top = sys.modules.get(module.split(".", 1)[0]) if module else None
    top_file = getattr(top, "__file__", None)
    if top_file:
        top_path = Path(top_file).resolve()
        root = top_path.parent.parent if hasattr(top, "__path__") else top_path.parent
        try:
            return file.resolve().relative_to(root).as_posix()
        except ValueError:
            pass
    return file.name


def hash_file(file: Path, module: str, distribution: str | None) -> HashedFile:
    """Hash one file; name it and check it against ``distribution``'s RECORD when RECORD lists it."""
    file = file.resolve()
    digest = sha256_file(file)
    listed = _record_entry(distribution, file) if distribution else None
    if listed is not None:
        key, recorded = listed
        return HashedFile(key, digest, file, recorded)
    return HashedFile(record_key(file, module), digest, file)


def data_files(patterns: tuple[str, ...], code: Path) -> tuple[list[Path], list[str]]:
    """The files matching each declared pattern (relative to the module's package); patterns matching none."""
    base = code.parent  # the package folder, whether the module is a plain module or an __init__
    found: list[Path] = []
    empty: list[str] = []
    for pattern in patterns:
        matches = sorted(p for p in base.glob(pattern) if p.is_file())
        if not matches:
            empty.append(pattern)
        found += matches
    return list(dict.fromkeys(p.resolve() for p in found)), empty


def _record_entry(distribution: str, file: Path) -> tuple[str, str | None] | None:
    """(RECORD path, recorded sha256 hex or None) of ``file`` in the named distribution, if listed."""
    for index in _record_indexes(canonicalize_name(distribution)):
        if file in index:
            return index[file]
    return None


@lru_cache(maxsize=None)
def _record_indexes(name: str) -> tuple[dict[Path, tuple[str, str | None]], ...]:
    """Per installed copy of the distribution: resolved file → (RECORD path, sha256 hex)."""
    indexes = []
    for dist in metadata.distributions(name=name):
        index: dict[Path, tuple[str, str | None]] = {}
        for entry in dist.files or ():
            recorded = None
            if entry.hash is not None and entry.hash.mode == "sha256":
                raw = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4))
                recorded = raw.hex()
            try:
                located = Path(dist.locate_file(entry)).resolve()
            except OSError:
                continue
            index[located] = (entry.as_posix(), recorded)
        indexes.append(index)
    return tuple(indexes)


def clear_caches() -> None:
    """Forget what RECORDs said and what modules import (a test that reinstalls or edits code calls this)."""
    _record_indexes.cache_clear()
    _imports.cache_clear()
    _module_file.cache_clear()
