"""``jimu new capability``: a capability module with its contract, a test using the kit, and its registration.

The module goes into the plugin package found in a distribution folder (its ``jimu.plugins``
entry point says which package). When the plugin module is the one ``jimu new plugin`` wrote
(its two ``jimu new`` marker comments intact), the new module is added to it; otherwise the
lines to add are returned for the CLI to print, never guessed into someone's code.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..contracts import Level
from . import names
from .names import ScaffoldError, py
from .render import render, write_new

KINDS = ("map", "lookup", "aggregate")
ENTRY_POINT_GROUP = "jimu.plugins"
IMPORTS_MARKER = "# jimu new: imports above this line"
MODULES_MARKER = "# jimu new: modules above this line"
_SKIP_DIRS = {"tests", "test", "build", "dist", "docs"}


@dataclass
class PluginLayout:
    """Where things are in a plugin distribution folder."""

    root: Path
    package: str
    plugin_file: Path | None  # the module the entry point names; None when there is no entry point yet
    owner: str | None  # OWNER = "..." in the package's __init__.py, when there is one

    @property
    def package_dir(self) -> Path:
        return self.root / self.package


@dataclass
class NewCapability:
    files: list[Path]
    registered_in: Path | None = None  # the plugin module edited, or None
    #: what the author still has to add by hand: (file, what to do, the lines to add)
    todo: list[tuple[Path, str, list[str]]] = field(default_factory=list)


def check_level_and_kind(level: int, kind: str) -> None:
    if kind not in KINDS:
        raise ScaffoldError(f"--kind {kind!r} is not one of {', '.join(KINDS)}",
                            "map: one record in, one out; lookup: a record plus a resource it reads; "
                            "aggregate: a whole population in", usage=True)
    if level == Level.DOMAIN:
        raise ScaffoldError("level 1 is a domain, a declaration only: nothing to scaffold as a capability",
                            "declare a new domain with jimu new plugin DIST --domain D", usage=True)
    if level == Level.BUSINESS_CAPABILITY:
        raise ScaffoldError("an L2 business capability is a composite of deeper ones, written in YAML",
                            "see docs/hq-guide.md, Composites; scaffold its L3-L5 parts with --level 3, 4 or 5",
                            usage=True)
    if level not in (Level.ACTIVITY, Level.TASK, Level.STEP):
        raise ScaffoldError(f"--level {level} is not a level", "levels run from 1 (domain) to 5 (step); "
                            "capabilities written in Python are 3, 4 or 5", usage=True)
    if kind == "lookup" and level == Level.STEP:
        raise ScaffoldError("an L5 step is pure: it reads no resources, so it cannot be a lookup",
                            "make the lookup an L4 task (--level 4) or L3 activity (--level 3)", usage=True)


def find_plugin(root: Path) -> PluginLayout:
    """The plugin package of the distribution at ``root``, from its pyproject's entry point."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        raise ScaffoldError(f"{root} is not a plugin distribution: it has no pyproject.toml",
                            "run in the distribution's folder, pass --plugin DIR, or create one with jimu new plugin",
                            usage=True)
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScaffoldError(f"{pyproject} cannot be read: {exc}", "fix the TOML first") from None
    entry_points = project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    for target in entry_points.values() if isinstance(entry_points, dict) else ():
        module = str(target).split(":", 1)[0].strip()
        parts = module.split(".")
        if (root / parts[0] / "__init__.py").is_file():
            base = root.joinpath(*parts)
            plugin_file = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
            return PluginLayout(root, parts[0], plugin_file if plugin_file.is_file() else None,
                                _owner(root / parts[0] / "__init__.py"))
    candidates = sorted(p.name for p in root.iterdir()
                        if p.is_dir() and (p / "__init__.py").is_file() and p.name not in _SKIP_DIRS)
    if len(candidates) != 1:
        found = f"packages {', '.join(candidates)}" if candidates else "no package"
        raise ScaffoldError(f"{root}: no {ENTRY_POINT_GROUP} entry point names its plugin package, and it has {found}",
                            f"add [project.entry-points.\"{ENTRY_POINT_GROUP}\"] to {pyproject}", usage=True)
    return PluginLayout(root, candidates[0], None, _owner(root / candidates[0] / "__init__.py"))


def _owner(init: Path) -> str | None:
    """``OWNER = "..."`` at the top level of the package's ``__init__.py`` (what jimu new plugin writes)."""
    try:
        tree = ast.parse(init.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "OWNER" and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str) and node.value.value):
            return node.value.value
    return None


def new_capability(
    cap_id: str,
    *,
    level: int,
    kind: str,
    plugin_dir: Path = Path("."),
    owner: str | None = None,
    name: str | None = None,
    name_zh: str | None = None,
    installed=None,
) -> NewCapability:
    """Write ``PKG/<name>.py`` and ``tests/test_<name>.py`` for ``cap_id`` and register the module.

    ``installed`` (a catalog) refuses an id some installed plugin already has: the same
    ``id@version`` from two distributions is refused for the second when both load.
    """
    names.capability_id(cap_id)
    check_level_and_kind(level, kind)
    if installed is not None and cap_id in installed.ids():
        versions = ", ".join(f"{e.version} from {installed.source(e).distribution}" for e in installed.versions(cap_id))
        raise ScaffoldError(f"{cap_id} is already installed ({versions})",
                            "choose another id; a new version of it belongs beside the existing one, in its module")
    if not name_zh:
        raise ScaffoldError("a capability needs its Chinese name, as the bank writes it",
                            "add --name-zh (e.g. --name-zh 种植收入测算)", usage=True)
    layout = find_plugin(Path(plugin_dir))
    owner = owner or layout.owner
    if not owner:
        raise ScaffoldError(f"who owns {cap_id}? {layout.package}/__init__.py has no OWNER",
                            "add --owner (the owning team, e.g. hq.agri-finance)", usage=True)
    module = cap_id.rsplit(".", 1)[1]
    domain = cap_id.split(".", 1)[0]
    name = name or module.replace("_", " ").capitalize()
    values = dict(
        cap_id=cap_id, cap_id_py=py(cap_id), level=level, level_label=Level(level).label, name=name,
        name_zh=name_zh, name_py=py(name), name_zh_py=py(name_zh), owner_py=py(owner), package=layout.package,
        module=module, func=module, camel=names.camel(module),
        code_py=py(names.reason_code(cap_id, "BELOW_MINIMUM" if kind == "lookup" else "ABOVE_LIMIT")),
        reason_text_py=py(f"{name}: the listed value is below the minimum" if kind == "lookup"
                          else f"{name}: the amount is above the limit"),
        reason_text_zh_py=py(f"{name_zh}：名单值低于下限" if kind == "lookup" else f"{name_zh}：金额超过上限"),
        code_missing_py=py(names.reason_code(cap_id, "NOT_LISTED")),
        reason_missing_py=py(f"{name}: the key is not listed"),
        reason_missing_zh_py=py(f"{name_zh}：未在名单中"),
        resource=f"{domain}.{module}_table", resource_py=py(f"{domain}.{module}_table"),
    )
    module_file = layout.package_dir / f"{module}.py"
    files = write_new({
        module_file: render(f"capability/{kind}.py.tmpl", **values),
        layout.root / "tests" / f"test_{module}.py": render(f"capability/test_{kind}.py.tmpl", **values),
    })
    result = NewCapability(files)
    if layout.plugin_file is not None and _register(layout.plugin_file, module):
        result.registered_in = layout.plugin_file
    else:
        plugin = layout.plugin_file or layout.package_dir / "plugin.py"
        result.todo.append((plugin, "import the module and register its items in jimu_register", [
            f"from . import {module}",
            f"for item in (*getattr({module}, 'RESOURCES', ()), *{module}.CAPABILITIES):",
            "    register(item)",
        ]))
    if layout.plugin_file is None:
        result.todo.append((layout.root / "pyproject.toml", "name the plugin module in Jimu's entry-point group", [
            f'[project.entry-points."{ENTRY_POINT_GROUP}"]',
            f'{layout.package} = "{layout.package}.plugin"',
        ]))
    return result


def _register(plugin_file: Path, module: str) -> bool:
    """Add ``module`` to a plugin module ``jimu new plugin`` wrote, when that is certain to be right.

    Only with each marker there exactly once, the module not yet imported, and the edited file
    still valid Python; otherwise the file is left as it was.
    """
    try:
        text = plugin_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    lines = text.splitlines(keepends=True)
    stripped = [line.strip() for line in lines]
    if stripped.count(IMPORTS_MARKER) != 1 or stripped.count(MODULES_MARKER) != 1:
        return False
    if f"from . import {module}" in stripped:
        return False
    out = []
    for line in lines:
        indent = line[: len(line) - len(line.lstrip())]
        if line.strip() == IMPORTS_MARKER:
            out.append(f"from . import {module}\n")
        elif line.strip() == MODULES_MARKER:
            out.append(f"{indent}{module},\n")
        out.append(line)
    edited = "".join(out)
    try:
        compile(edited, str(plugin_file), "exec")
    except SyntaxError:
        return False
    plugin_file.write_text(edited, encoding="utf-8", newline="\n")
    return True
