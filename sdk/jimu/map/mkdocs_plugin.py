"""A thin MkDocs plugin: generate the map at build (and serve) time; nothing is written to docs/.

Register it in pyproject.toml (``[project.entry-points."mkdocs.plugins"] jimu-map =
"jimu.map.mkdocs_plugin:JimuMapPlugin"``) and list it in mkdocs.yml::

    plugins:
      - search
      - jimu-map:
          assemblies: assemblies     # relative to mkdocs.yml
          prefix: map                # pages land at map/index.md, map/capabilities/<id>.md, ...
          yaml_url: https://git.example/jimu/blob/main   # optional

The pages are generated into a temporary folder and added to MkDocs' file collection, so the
generator stays independent of MkDocs (and of Material, whose end of life is announced).

The plugin also brings what the map's pages need, so mkdocs.yml need not list it: the Markdown
extensions the index uses (``attr_list``, ``md_in_html``), and the map's own stylesheet and
filter script (``assets/``), written into the site. ``mkdocs serve`` also watches the
assemblies folder, so editing a product rebuilds its page.
"""

from __future__ import annotations

import logging
import tempfile
import time
from importlib.resources import files as package_files
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files


class JimuMapConfig(Config):
    assemblies = c.Type(str, default="assemblies")
    prefix = c.Type(str, default="map")
    yaml_url = c.Optional(c.Type(str))
    #: A Mermaid build vendored from npm (`make` fetches it, checksum-checked), served with the
    #: site as assets/javascripts/mermaid.min.js: Material then uses it instead of its CDN copy,
    #: so diagrams render offline. Missing file: the build fails rather than silently go online.
    mermaid = c.Type(str, default="vendor/mermaid/mermaid.min.js")


MERMAID_SITE_PATH = "assets/javascripts/mermaid.min.js"
#: The map's own assets: package file name → path in the site.
ASSETS = {"jimu-map.css": "assets/stylesheets/jimu-map.css", "jimu-map.js": "assets/javascripts/jimu-map.js"}
#: The index wraps blocks in <div markdown> and puts data-* attributes on list items.
EXTENSIONS = ("attr_list", "md_in_html")

log = logging.getLogger("mkdocs.plugins.jimu-map")


class JimuMapPlugin(BasePlugin[JimuMapConfig]):
    def __init__(self) -> None:
        self._tmp: tempfile.TemporaryDirectory | None = None

    def on_config(self, config):
        for name in EXTENSIONS:
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
        if ASSETS["jimu-map.css"] not in config.extra_css:
            config.extra_css.append(ASSETS["jimu-map.css"])
        if ASSETS["jimu-map.js"] not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(ASSETS["jimu-map.js"])
        return config

    def on_serve(self, server, *, config, builder):
        assemblies = self._root(config) / self.config.assemblies
        if assemblies.is_dir():
            server.watch(str(assemblies))
        return server

    @staticmethod
    def _root(config) -> Path:
        return Path(config.config_file_path).resolve().parent if config.config_file_path else Path.cwd()

    def on_files(self, files: Files, *, config) -> Files:
        from ..plugins import load_catalog
        from .generate import generate

        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="jimu-map-")
        src_dir = Path(self._tmp.name)
        root = self._root(config)
        assemblies = root / self.config.assemblies
        out = src_dir / self.config.prefix.strip("/")
        started = time.perf_counter()
        catalog = load_catalog()
        loaded = time.perf_counter()
        written = generate(catalog, assemblies if assemblies.is_dir() else None, out,
                           yaml_url=self.config.yaml_url, root=root)
        # the benchmark (bench/map_scale.py) reads this line to split generator from MkDocs time
        log.info("jimu-map: catalog loaded in %.2f s; %d pages generated in %.2f s",
                 loaded - started, len(written), time.perf_counter() - loaded)
        for path in written:
            rel = path.relative_to(src_dir).as_posix()
            if files.get_file_from_path(rel) is not None:
                files.remove(files.get_file_from_path(rel))  # the generated page wins over a stale copy
            files.append(File(rel, str(src_dir), config.site_dir, config.use_directory_urls))
        mermaid = root / self.config.mermaid
        if not mermaid.is_file():
            from mkdocs.exceptions import PluginError

            raise PluginError(f"{mermaid} is missing: run `make vendor` (it fetches Mermaid from npm) "
                              "so the map's diagrams work offline")
        (src_dir / MERMAID_SITE_PATH).parent.mkdir(parents=True, exist_ok=True)
        (src_dir / MERMAID_SITE_PATH).write_bytes(mermaid.read_bytes())
        if files.get_file_from_path(MERMAID_SITE_PATH) is None:
            files.append(File(MERMAID_SITE_PATH, str(src_dir), config.site_dir, config.use_directory_urls))
        for name, site_path in ASSETS.items():
            target = src_dir / site_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(package_files(__package__).joinpath("assets", name).read_bytes())
            if files.get_file_from_path(site_path) is None:
                files.append(File(site_path, str(src_dir), config.site_dir, config.use_directory_urls))
        return files

    def on_shutdown(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
