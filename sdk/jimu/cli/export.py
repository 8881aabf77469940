"""``jimu export backstage``: the catalog and the products as entities for a developer portal."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import click

from .common import UserError, load


@click.group("export")
def export_group() -> None:
    """Export the catalog and the products to other tools (a developer portal)."""


@export_group.command("backstage")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="folder for the entity files and catalog-info.yaml (created; files of the same names replaced)")
@click.option("--assemblies", "assemblies", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="product assembly files or folders (repeatable; default: `assemblies/` when it exists)")
@click.option("--map-url", metavar="URL",
              help="the capability map's base URL (e.g. https://portal.example/jimu/map/): each entity links its page")
def backstage_command(out_dir: Path, assemblies: tuple[Path, ...], map_url: str | None) -> None:
    """Write Backstage entities: Domain (L1), System (L2), Component (capabilities, products), API
    (each contract version) and Group (owners), with a Location in OUT/catalog-info.yaml listing them."""
    from ..export.backstage import ExportError, export_backstage

    started = time.perf_counter()
    if map_url is not None:
        from urllib.parse import urlsplit

        parts = urlsplit(map_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter(f"{map_url!r} is not an http(s) URL", param_hint="--map-url")
    catalog = load()
    if not catalog.capabilities:
        raise UserError("no capabilities are installed",
                        "install a plugin distribution, e.g. pip install -e capabilities/")
    paths = list(assemblies) or ([Path("assemblies")] if Path("assemblies").is_dir() else [])
    try:
        result = export_backstage(catalog, out_dir, paths, map_url=map_url)
    except ExportError as exc:
        raise UserError(str(exc), exc.hint) from None
    except OSError as exc:
        raise UserError(f"cannot write to {out_dir}: {exc.strerror or exc}", "choose another --out folder") from None
    for path in result.unreadable:
        click.echo(f"warning: {path}: not a readable assembly, left out (run `jimu validate {path}`)", err=True)
    for path in result.invalid:
        click.echo(f"warning: {path}: has validation errors; exported as experimental (run `jimu validate {path}`)",
                   err=True)
    counts = Counter(e["kind"] for e in result.entities)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    click.echo(f"wrote {len(result.entities)} entities ({summary}) to {out_dir} in "
               f"{time.perf_counter() - started:.1f} s; register {out_dir / 'catalog-info.yaml'} in Backstage")
