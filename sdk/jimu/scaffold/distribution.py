"""``jimu new plugin``: a plugin distribution from nothing, ready for ``jimu new capability``."""

from __future__ import annotations

from pathlib import Path

from . import names
from .names import ScaffoldError, py
from .render import render, write_new


def installed_domains() -> set[str]:
    from ..plugins import load_catalog

    return set(load_catalog().domains)


def new_plugin(
    dist: str,
    *,
    package: str | None = None,
    domain: str | None = None,
    domain_name: str | None = None,
    domain_name_zh: str | None = None,
    owner: str | None = None,
    directory: Path = Path("."),
    known_domains: set[str] | None = None,
) -> list[Path]:
    """Write ``DIR/DIST/``: pyproject (entry point in ``jimu.plugins``), the package, its plugin
    module and a test that it registers cleanly. Returns the files written.

    A ``domain`` no installed plugin declares is declared by this one, so it needs its names;
    a domain already declared (HQ's ``risk``) must not be declared twice, so it is only noted.
    """
    names.distribution(dist)
    package = names.package(package or names.package_for(dist))
    owner = owner or dist
    domains = "\n"
    if domain is not None:
        names.domain(domain)
        known = installed_domains() if known_domains is None else known_domains
        if domain not in known:
            if not domain_name_zh:
                raise ScaffoldError(
                    f"no installed plugin declares the domain {domain!r}, so this plugin will: give its Chinese name",
                    "add --domain-name-zh (e.g. --domain-name-zh 涉农金融) and, optionally, --domain-name", usage=True)
            name = domain_name or domain.replace("_", " ").capitalize()
            domains = (f"\n    Domain(id={py(domain)}, name={py(name)}, name_zh={py(domain_name_zh)},\n"
                       f"           owner={py(owner)}),\n")
    root = Path(directory) / dist
    if root.exists() and any(root.iterdir()):
        raise ScaffoldError(f"{root} already exists and is not empty", "choose another --dir or name")
    description = f"Jimu capabilities{f' of the {domain} domain' if domain else ''}, published by {owner}"
    values = dict(dist=dist, dist_toml=py(dist), package=package, entry_point=package, owner_py=py(owner),
                  description=description, description_toml=py(description), domains=domains)
    return write_new({
        root / "pyproject.toml": render("plugin/pyproject.toml.tmpl", **values),
        root / "README.md": render("plugin/README.md.tmpl", **values),
        root / package / "__init__.py": render("plugin/__init__.py.tmpl", **values),
        root / package / "plugin.py": render("plugin/plugin.py.tmpl", **values),
        root / "tests" / "test_plugin.py": render("plugin/test_plugin.py.tmpl", **values),
    })
