"""``jimu catalog`` and ``jimu show``: what is installed, and one capability in full."""

from __future__ import annotations

import json

import click

from ..capability import Capability
from ..composite import Composite
from ..contracts import Entry, Kind
from .common import console, load, lookup


def entry_summary(entry: Entry, catalog) -> dict:
    """The JSON object ``jimu catalog --json`` prints for one entry."""
    source = catalog.source(entry)
    return {
        "id": entry.id,
        "version": entry.version,
        "level": int(entry.level),
        "name": entry.name,
        "name_zh": entry.name_zh,
        "owner": entry.owner,
        "lifecycle": entry.lifecycle.status.value,
        "kind": entry.kind.value,
        "uses": [u.id for u in getattr(entry, "uses", ())],
        "distribution": source.distribution,
        "distribution_version": source.dist_version,
        "plugin": source.plugin,
        "domain": entry.domain,
        "description": entry.description,
        "tags": list(entry.tags),
        "successor": entry.lifecycle.successor,
        "sunset": entry.lifecycle.sunset.isoformat() if entry.lifecycle.sunset else None,
        "promotions": [p.model_dump(mode="json", exclude_none=True) for p in entry.lifecycle.promotions],
    }


@click.command("catalog")
@click.option("--level", type=click.IntRange(1, 5), help="only this level (1 domain … 5 step)")
@click.option("--domain", help="only this L1 domain, e.g. risk")
@click.option("--kind", type=click.Choice([k.value for k in Kind]), help="only this kind")
@click.option("--lifecycle", type=click.Choice(["experimental", "production", "deprecated", "retired"]))
@click.option("--json", "as_json", is_flag=True, help="print a JSON list instead of a table")
def catalog_command(level, domain, kind, lifecycle, as_json) -> None:
    """List installed capabilities (every version), with their plugin's distribution."""
    catalog = load()
    entries = catalog.find(level=level, domain=domain, kind=kind, lifecycle=lifecycle)
    if as_json:
        click.echo(json.dumps([entry_summary(e, catalog) for e in entries], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"Jimu catalog: {len(entries)} entries", title_justify="left")
    for column in ("id", "version", "L", "kind", "lifecycle", "name", "名称", "owner", "distribution"):
        table.add_column(column, no_wrap=column in ("id", "version"))
    for e in entries:
        src = catalog.source(e)
        table.add_row(e.id, e.version, str(int(e.level)), e.kind.value, e.lifecycle.status.value,
                      e.name, e.name_zh, e.owner, src.distribution or src.plugin)
    console().print(table)


@click.command("show")
@click.argument("ref", metavar="ID[@VERSION]")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of text")
def show_command(ref, as_json) -> None:
    """Show one capability: contract, params with bounds, versions, what uses it."""
    catalog = load()
    entry = lookup(catalog, ref)
    data = describe(entry, catalog)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    _print_description(data)


def describe(entry: Entry, catalog) -> dict:
    data = entry_summary(entry, catalog)
    data["versions"] = [
        {"version": v.version, "lifecycle": v.lifecycle.status.value, "distribution": catalog.source(v).distribution}
        for v in catalog.versions(entry.id)
    ]
    data["used_by"] = sorted({c.key for c in catalog.used_by(entry.id)})
    if isinstance(entry, Capability):
        data["uses"] = [str(u) for u in entry.uses]
        data["input"] = fields_of(entry.input)
        data["output"] = fields_of(entry.output)
        data["params"] = fields_of(entry.params)
        data["resources"] = list(entry.resources)
        data["reasons"] = [r.model_dump(exclude={"capability"}) for r in entry.reasons]
        data["batch"] = entry.batch is not None
        data["examples"] = len(entry.examples)
    elif isinstance(entry, Composite):
        data.update(_composite(entry, catalog))
    return data


def _composite(entry: Composite, catalog) -> dict:
    """A composite's contract as validation resolves it: inputs declared, outputs and params inferred."""
    from ..assembly.validate import Validator

    target = Validator(catalog).target_of(entry)
    declared = entry.assembly.inputs
    return {
        "uses": [str(u) for u in entry.uses],
        "path": entry.path,
        "steps": [{"id": s.id, "uses": s.uses, "version": s.version, "when": s.when} for s in entry.assembly.steps],
        "input": [{"name": n, "type": target.input.field(n).describe(), "required": not f.optional,
                   "default": None, "bounds": {}, "description": f.description} for n, f in declared.items()],
        "output": [{"name": n, "type": t.describe(), "required": not t.nullable, "default": None, "bounds": {},
                    "description": ""} for n, t in target.output.fields],
        "params": [{"name": n, "type": p.vtype.describe(), "required": False, "default": p.default,
                    "bounds": _range(p), "description": f"{p.description} (→ {p.path})".strip()}
                   for n, p in target.params.items()],
    }


def _range(spec) -> dict:
    lo, hi = spec.bounds()
    return {k: v for k, v in (("ge", lo), ("le", hi)) if v is not None}


def fields_of(model) -> list[dict]:
    """A contract model's fields: name, type, required, default, bounds, description."""
    rows = []
    for name, info in model.model_fields.items():
        bounds = {}
        for meta in info.metadata:
            for attr in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern"):
                value = getattr(meta, attr, None)
                if value is not None:
                    bounds[attr] = value
        rows.append({
            "name": name,
            "type": _type_name(info.annotation),
            "required": info.is_required(),
            "default": None if info.is_required() else _default(info),
            "bounds": bounds,
            "description": info.description or "",
        })
    return rows


def _default(info):
    value = info.get_default(call_default_factory=True)
    return value if isinstance(value, (int, float, str, bool, list, dict, type(None))) else str(value)


def _type_name(annotation) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    text = text or str(annotation)
    return text.replace("typing.", "").replace("datetime.", "")


def _bounds_text(bounds: dict) -> str:
    symbols = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "min_length": "len≥", "max_length": "len≤", "pattern": "~"}
    return " ".join(f"{symbols[k]}{v}" for k, v in bounds.items())


def _print_description(data: dict) -> None:
    from rich.table import Table

    out = console()
    out.print(f"[bold]{data['id']}[/] {data['version']}  {data['name']} / {data['name_zh']}")
    out.print(f"level L{data['level']} · kind {data['kind']} · {data['lifecycle']} · owner {data['owner']}"
              f" · from {data['distribution'] or data['plugin']} {data['distribution_version'] or ''}".rstrip())
    if data.get("successor"):
        out.print(f"[yellow]{data['lifecycle']}: use {data['successor']} (sunset {data['sunset']})[/]")
    for move in data.get("promotions", ()):
        extra = "".join(f" · {move[k]}" for k in ("ticket", "note") if move.get(k))
        out.print(f"  → {move['to']} on {move['approved_on']}, approved by {move['approved_by']}{extra}",
                  markup=False)
    if data["description"]:
        out.print(f"\n{data['description']}")
    for section in ("input", "output", "params"):
        rows = data.get(section)
        if rows is None:
            continue
        table = Table(title=section, title_justify="left")
        for column in ("field", "type", "required", "default", "bounds", "description"):
            table.add_column(column)
        for row in rows:
            table.add_row(row["name"], row["type"], "yes" if row["required"] else "", 
                          "" if row["required"] else json.dumps(row["default"], ensure_ascii=False, default=str),
                          _bounds_text(row["bounds"]), row["description"])
        out.print(table if rows else f"{section}: none")
    if data.get("steps"):
        out.print("steps: " + ", ".join(f"{s['id']} ({s['uses']}{s['version']})" + (f" when {s['when']}" if s["when"] else "")
                                        for s in data["steps"]), markup=False)
    if data.get("path"):
        out.print(f"file: {data['path']}", markup=False)
    for label, key in (("uses", "uses"), ("resources", "resources"), ("used by", "used_by")):
        if data.get(key):
            out.print(f"{label}: {', '.join(data[key])}")
    if data.get("reasons"):
        out.print("reason codes:")
        for r in data["reasons"]:
            out.print(f"  {r['code']}: {r['text']} / {r['text_zh']}")
    out.print("versions: " + ", ".join(f"{v['version']} ({v['lifecycle']}, {v['distribution']})" for v in data["versions"]))
