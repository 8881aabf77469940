"""``jimu impact ID[@VERSION]``: what a change to one capability reaches, and what it would break.

Exit codes: 0 nothing under the assemblies folder would break (what is affected is listed);
1 a product there would break; 2 a usage error (including an id nothing installed has).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import console, load


@click.command("impact")
@click.argument("ref", metavar="ID[@VERSION]")
@click.option("--assemblies", "assemblies_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("assemblies"), show_default=True, help="the products (and local composites) to check")
@click.option("--remove", is_flag=True, help="the change is uninstalling ID: everything that uses it breaks")
@click.option("--json", "as_json", is_flag=True, help="print a JSON object instead of text")
def impact_command(ref, assemblies_dir, remove, as_json) -> None:
    """Every composite and product a change to ID reaches, with the path; exit 1 if a product would break.

    With @VERSION, the change is releasing VERSION in place of the installed versions: a step
    whose specifier does not admit it breaks, and so does one that gets a breaking contract change.
    """
    from packaging.version import InvalidVersion, Version

    from ..assembly import find_assemblies
    from ..governance.impact import impact, usage_graph

    cap_id, _, version = ref.partition("@")
    if version:
        try:
            Version(version)
        except InvalidVersion:
            raise click.BadParameter(f"{version!r} is not a version (write ID@1.2.0)", param_hint="ID[@VERSION]") from None
    if remove and version:
        raise click.UsageError("--remove takes a bare ID: it removes every installed version")
    catalog = load()
    if not catalog.versions(cap_id) or cap_id in catalog.domains:
        suggestions = catalog.suggest(cap_id)
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else "; run `jimu catalog` to list them"
        raise click.BadParameter(f"no installed capability {cap_id!r}{hint}", param_hint="ID[@VERSION]")
    files = find_assemblies([assemblies_dir]) if assemblies_dir.is_dir() else []
    result = impact(usage_graph(catalog, files), cap_id, version or None, remove=remove, catalog=catalog)
    if as_json:
        click.echo(json.dumps({**result.to_json(), "assemblies": str(assemblies_dir)}, ensure_ascii=False, indent=2))
    else:
        _print(result, assemblies_dir, bool(files))
    if result.breaking:
        raise click.exceptions.Exit(1)


def _print(result, assemblies_dir: Path, any_files: bool) -> None:
    out = console()
    change = (f"removing {result.cap_id}" if result.removed else
              f"{result.cap_id} → {result.version}" if result.version else f"a change to {result.cap_id}")
    if not result.affected:
        out.print(f"{change}: nothing uses it" + ("" if any_files else f" (no assemblies under {assemblies_dir})"),
                  markup=False, highlight=False)
        return
    out.print(f"{change} reaches {len(result.affected)} item(s):", markup=False, highlight=False)
    for a in result.affected:
        mark = "BREAKS " if a.breaks else ""
        where = f"  ({a.file})" if a.file and a.kind == "product" else ""
        out.print(f"  {mark}{a.kind} {a.id}{where}", markup=False, highlight=False)
        out.print(f"      {a.path_text()}", markup=False, highlight=False, soft_wrap=True)
        for why in a.why:
            out.print(f"      why: {why}", markup=False, highlight=False, soft_wrap=True)
    products, breaking = len(result.products), len(result.breaking)
    verdict = f"{breaking} of {products} product(s) would break" if breaking else \
        f"no product under {assemblies_dir} would break ({products} affected)"
    out.print(verdict, markup=False, highlight=False)
