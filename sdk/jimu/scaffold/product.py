"""``jimu new product``: a product that validates at once, or a copy of another branch's, and its lock.

From nothing, the product is HQ's application intake on its own (``risk.intake``, the newest
installed version): the smallest product that decides and complies with HQ's controls, for the
branch developer to add steps to. ``--from`` replicates a product (the whitepaper's "replicate a
hit product"): the file's text is kept — comments, order, every param — and only its id, branch
and owner lines are changed, so that validation judges the copied params against the *new*
branch's authority and reports what that branch may not set, instead of anything being dropped
silently.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import Catalog
from ..contracts import Status
from ..diagnostics import Diagnostic
from . import names
from .names import ScaffoldError, yaml_str
from .render import render, write_new

INTAKE = "risk.intake"
SCHEMA = Path("schema") / "assembly.schema.json"
MODELINE = "# yaml-language-server: $schema="


@dataclass
class NewProduct:
    path: Path
    diagnostics: list[tuple[Diagnostic, str]] = field(default_factory=list)  # with the offending line's text
    lock: Path | None = None  # written when the product validates
    lock_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lock is not None


def default_path(product_id: str, branch: str) -> Path:
    """The repository's layout: ``assemblies/<province>/<rest of the id>.yaml``
    (``zhejiang.hangzhou.pharmacy_loan`` → ``assemblies/zhejiang/hangzhou_pharmacy_loan.yaml``)."""
    folder = branch.split(".", 1)[0]
    rest = product_id[len(folder) + 1:] if product_id.startswith(folder + ".") else product_id
    return Path("assemblies") / folder / f"{rest.replace('.', '_')}.yaml"


def modeline(target: Path) -> str:
    """The editor's schema line, relative to the nearest folder above ``target`` holding the schema."""
    start = target.resolve().parent
    for folder in (start, *start.parents):
        if (folder / SCHEMA).is_file():
            return f"{MODELINE}{Path(os.path.relpath(folder / SCHEMA, start)).as_posix()}\n"
    return ""


def new_product(
    product_id: str,
    *,
    branch: str,
    source: Path | None = None,
    out: Path | None = None,
    owner: str | None = None,
    name: str | None = None,
    name_zh: str | None = None,
    catalog: Catalog | None = None,
) -> NewProduct:
    """Write the product, validate it, and lock it when it validates."""
    names.product_id(product_id)
    names.branch(branch)
    owner = owner or f"{branch}.tech"
    target = Path(out) if out is not None else default_path(product_id, branch)
    if target.suffix not in (".yaml", ".yml"):
        raise ScaffoldError(f"--out {target}: an assembly file ends in .yaml", usage=True)
    from ..lock import lock_path

    if lock_path(target).exists():
        raise ScaffoldError(f"not overwriting {lock_path(target)} (a lock without its product?)",
                            "move it away or choose another --out")
    if catalog is None:
        from ..plugins import load_catalog

        catalog = load_catalog()
    if source is None:
        text = _from_template(product_id, branch, owner, name, name_zh, target, catalog)
    else:
        if name or name_zh:
            raise ScaffoldError("--name and --name-zh are for a new product; a copy keeps its names",
                                "edit name and name_zh in the copy", usage=True)
        text = _from_product(Path(source), product_id, branch, owner, target)
    write_new({target: text})
    return _validate_and_lock(target, catalog)


def _from_template(product_id, branch, owner, name, name_zh, target, catalog: Catalog) -> str:
    usable = [c for c in catalog.versions(INTAKE) if c.lifecycle.status is not Status.RETIRED] \
        if INTAKE in catalog.ids() else []
    if not usable:
        raise ScaffoldError(f"the product template starts with HQ's {INTAKE}, which is not installed",
                            "install HQ's jimu-credit, or start from an existing product with --from")
    newest = max(usable, key=lambda c: c.parsed_version)
    spec = f"~={newest.parsed_version.major}.{newest.parsed_version.minor}"
    return render("product/identity_screening.yaml.tmpl", modeline=modeline(target), product_id=product_id,
                  branch=branch, owner_yaml=yaml_str(owner), name_yaml=yaml_str(name or "Identity screening"),
                  name_zh_yaml=yaml_str(name_zh or "身份核验准入"), intake_id=INTAKE, intake_spec=spec)


def _from_product(source: Path, product_id: str, branch: str, owner: str, target: Path) -> str:
    from ..assembly import load_file

    if not source.is_file():
        raise ScaffoldError(f"--from {source}: no such file", usage=True)
    loaded = load_file(source)
    if loaded.doc is None or not isinstance(loaded.raw, dict):
        first = loaded.diagnostics[0].render() if loaded.diagnostics else "it is not an assembly"
        raise ScaffoldError(f"--from {source} cannot be read:\n{first}", "fix it (jimu validate) first")
    if loaded.raw.get("kind") != "product":
        raise ScaffoldError(f"--from {source} is a {loaded.raw.get('kind') or 'file without a kind'}, not a product",
                            "replicate a product (kind: product); HQ's composites are used, not copied", usage=True)
    lines = loaded.text.splitlines(keepends=True)
    old = {key: loaded.raw.get(key) for key in ("id", "version", "branch", "owner")}
    for key, value in (("id", product_id), ("branch", branch), ("owner", owner)):
        if key not in loaded.raw:
            raise ScaffoldError(f"--from {source} has no {key}", "fix it (jimu validate) first")
        _replace_value(lines, loaded, key, value, source)
    head = modeline(target)
    if lines and lines[0].startswith(MODELINE):
        lines[0] = head
    elif head:
        lines.insert(0, head)
    provenance = (f"# Replicated from {old['id']} {old['version']} ({old['branch']}) by `jimu new product`; "
                  f"was owned by {old['owner']}.\n")
    lines.insert(1 if head else 0, provenance)
    return "".join(lines)


def _replace_value(lines: list[str], loaded, key: str, value: str, source: Path) -> None:
    """Rewrite a top-level ``key: value`` line in place, keeping any comment after it."""
    key_at = loaded.doc.position((key,), key=True)
    value_at = loaded.doc.position((key,))
    index = key_at.line - 1
    match = re.match(rf"^({re.escape(key)}\s*:\s*)(\"[^\"]*\"|'[^']*'|[^#\s][^#]*?)(\s+#.*)?(\r?\n)?$",
                     lines[index] if 0 <= index < len(lines) else "")
    if value_at.line != key_at.line or key_at.column != 1 or match is None:
        raise ScaffoldError(f"--from {source}:{key_at.line}: {key} is not written on one line (`{key}: value`)",
                            f"write it as `{key}: value` and try again")
    lines[index] = f"{match.group(1)}{yaml_str(value)}{match.group(3) or ''}{match.group(4) or ''}"


def _validate_and_lock(target: Path, catalog: Catalog) -> NewProduct:
    from ..assembly import validate_paths
    from ..lock import write_lock

    analysis = validate_paths([target], catalog=catalog)[0]
    result = NewProduct(target, [(d, analysis.file.line_text(d.line)) for d in analysis.diagnostics])
    if any(d.is_error for d in analysis.diagnostics):
        return result
    locked = write_lock(target, catalog)
    if locked.status == "refused":
        result.lock_problems = locked.problems + [d.render() for d in locked.diagnostics]
    else:
        result.lock = locked.lock
    return result
