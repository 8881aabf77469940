"""Build or serve the whole map site with MkDocs (the jimu-map plugin generates the pages).

Only ``jimu map build`` and ``jimu map serve`` import this module: MkDocs is the optional ``map``
extra, and the generator (:mod:`jimu.map.generate`) never needs it.
"""

from __future__ import annotations

import logging
from pathlib import Path

__all__ = ["MapSiteError", "build_site", "serve_site"]


class MapSiteError(Exception):
    """The site cannot be built: a message and a hint for the user, no traceback."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


def _config(config_file: Path, **overrides):
    try:
        from mkdocs import exceptions
        from mkdocs.config import load_config
    except ImportError as exc:
        raise MapSiteError(f"MkDocs is not installed ({exc.name})", "pip install 'jimu[map]'") from None
    if not Path(config_file).is_file():
        raise MapSiteError(f"{config_file} not found",
                           "run it where mkdocs.yml is, pass --config-file, or write the Markdown only "
                           "with --markdown DIR")
    plugin_overrides = {k: overrides.pop(k) for k in ("assemblies", "yaml_url") if overrides.get(k) is not None}
    try:
        config = load_config(str(config_file), **{k: v for k, v in overrides.items() if v is not None})
    except exceptions.ConfigurationError as exc:
        raise MapSiteError(f"{config_file}: {exc}", "fix the MkDocs configuration") from None
    plugin = config.plugins.get("jimu-map")
    if plugin is None:
        raise MapSiteError(f"{config_file} does not list the jimu-map plugin",
                           "add `- jimu-map` under `plugins:` in it")
    for key, value in plugin_overrides.items():
        plugin.config[key] = str(Path(value).resolve()) if key == "assemblies" else value
    return config


def build_site(config_file: Path, *, site_dir: Path | None = None, strict: bool | None = None,
               assemblies: Path | None = None, yaml_url: str | None = None) -> Path:
    """``mkdocs build`` for ``config_file``; returns the site folder. Raises :class:`MapSiteError`."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build

    config = _config(config_file, site_dir=str(site_dir) if site_dir else None, strict=strict,
                     assemblies=assemblies, yaml_url=yaml_url)
    _show_mkdocs_warnings()
    try:
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    except exceptions.Abort as exc:  # strict mode turned warnings into a failure; they were logged
        raise MapSiteError(f"the site did not build: {exc}", "see the warnings above") from None
    except exceptions.MkDocsException as exc:
        raise MapSiteError(f"the site did not build: {exc}", "see the messages above") from None
    return Path(config.site_dir)


def serve_site(config_file: Path, *, port: int, livereload: bool = False) -> None:
    """``mkdocs serve`` on 127.0.0.1 only: the map is for this machine's browser, not the network."""
    from mkdocs.commands.serve import serve

    _config(config_file)  # the same checks and messages as build, before the server starts
    _show_mkdocs_warnings()
    serve(str(config_file), livereload=livereload, dev_addr=f"127.0.0.1:{port}")


def _show_mkdocs_warnings() -> None:
    """MkDocs logs its progress and warnings; the `mkdocs` command sets up that output, we must too."""
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
