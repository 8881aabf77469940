"""``jimu map build``: write the capability map's Markdown pages."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .common import UserError, load


@click.group("map")
def map_group() -> None:
    """The capability map: five-level index, capability and product pages (Markdown for MkDocs)."""


@map_group.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/map"),
              show_default=True, help="folder the pages are written to (generated: do not commit)")
@click.option("--assemblies", "assemblies_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("assemblies"), show_default=True, help="folder of product assembly files")
@click.option("--yaml-url", help="base URL product pages link their YAML to (e.g. the repository's blob URL)")
def build_command(out: Path, assemblies_dir: Path, yaml_url: str | None) -> None:
    """Write the map's pages (index.md, capabilities/, products/, domains/) under OUT."""
    from ..map import generate

    catalog = load()
    if not catalog.capabilities:
        raise UserError("no capabilities are installed", "install a plugin distribution, e.g. pip install -e capabilities/")
    started = time.perf_counter()
    written = generate(catalog, assemblies_dir if assemblies_dir.is_dir() else None, out, yaml_url=yaml_url)
    took = time.perf_counter() - started
    click.echo(f"wrote {len(written)} pages to {out} in {took:.2f} s")
