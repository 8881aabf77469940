"""``jimu map build|serve``: the capability map site (MkDocs), or its Markdown pages alone."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .common import UserError, load

_CONFIG = click.option("--config-file", type=click.Path(dir_okay=False, path_type=Path), default=Path("mkdocs.yml"),
                       show_default=True, help="the MkDocs configuration listing the jimu-map plugin")


@click.group("map")
def map_group() -> None:
    """The capability map: five-level index, capability and product pages, search (a MkDocs site)."""


@map_group.command("build")
@_CONFIG
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path),
              help="where the HTML site goes (default: mkdocs.yml's site_dir, `site/`)")
@click.option("--strict/--no-strict", default=None, help="fail on any MkDocs warning (default: as mkdocs.yml says)")
@click.option("--markdown", "markdown_dir", type=click.Path(file_okay=False, path_type=Path),
              help="write only the map's Markdown pages to this folder (no MkDocs needed) and stop")
@click.option("--assemblies", "assemblies_dir", type=click.Path(file_okay=False, path_type=Path),
              help="folder of product assembly files (default: the plugin's setting, `assemblies/`)")
@click.option("--yaml-url", help="base URL product pages link their YAML to (e.g. the repository's blob URL)")
def build_command(config_file: Path, site_dir: Path | None, strict: bool | None, markdown_dir: Path | None,
                  assemblies_dir: Path | None, yaml_url: str | None) -> None:
    """Build the map site (HTML) with MkDocs, or with --markdown only its pages."""
    started = time.perf_counter()
    if markdown_dir is not None:
        from ..map import generate

        catalog = load()
        if not catalog.capabilities:
            raise UserError("no capabilities are installed",
                            "install a plugin distribution, e.g. pip install -e capabilities/")
        folder = assemblies_dir or Path("assemblies")
        written = generate(catalog, folder if folder.is_dir() else None, markdown_dir, yaml_url=yaml_url)
        click.echo(f"wrote {len(written)} pages to {markdown_dir} in {time.perf_counter() - started:.2f} s")
        return
    from ..map.site import MapSiteError, build_site

    try:
        site = build_site(config_file, site_dir=site_dir.resolve() if site_dir else None, strict=strict,
                          assemblies=assemblies_dir, yaml_url=yaml_url)
    except MapSiteError as exc:
        raise UserError(str(exc), exc.hint) from None
    index = site / "index.html"
    try:
        index = index.relative_to(Path.cwd())
    except ValueError:
        pass
    click.echo(f"built the capability map in {time.perf_counter() - started:.1f} s: open {index}")


@map_group.command("serve")
@_CONFIG
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="port on 127.0.0.1 (the server never listens on other addresses)")
@click.option("--livereload/--no-livereload", default=False, show_default=True,
              help="reload the browser when a page changes")
def serve_command(config_file: Path, port: int, livereload: bool) -> None:
    """Serve the map on http://127.0.0.1:PORT/, rebuilding when docs or assemblies change."""
    from ..map.site import MapSiteError, serve_site

    try:
        serve_site(config_file, port=port, livereload=livereload)
    except MapSiteError as exc:
        raise UserError(str(exc), exc.hint) from None
    except OSError as exc:  # the port is taken
        raise UserError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}", "pick another --port") from None
