"""``jimu new plugin|capability|product``: scaffolds that pass their own checks as written."""

from __future__ import annotations

from pathlib import Path

import click

from .common import UserError, console


class _Usage(click.UsageError):
    """A bad id, level, kind or option: exit 2 with the reason and a hint."""

    def __init__(self, message: str, hint: str | None, ctx: click.Context | None = None):
        super().__init__(message + (f"\n  hint: {hint}" if hint else ""), ctx)


def _fail(exc) -> click.ClickException:
    return _Usage(exc.message, exc.hint) if exc.usage else UserError(exc.message, exc.hint)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@click.group("new")
def new_group() -> None:
    """Scaffold a plugin distribution, a capability in it, or a product."""


@new_group.command("plugin")
@click.argument("dist")
@click.option("--package", help="the import package (default: DIST with '-' as '_', e.g. jimu_agri)")
@click.option("--domain", help="the L1 domain its capabilities live in; declared by the plugin when no installed one is")
@click.option("--domain-name", help="the new domain's English name (default: from its id)")
@click.option("--domain-name-zh", help="the new domain's Chinese name (needed when the plugin declares it)")
@click.option("--owner", help="the owning team (default: DIST); new capabilities take it as their owner")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="where to create the DIST folder")
def new_plugin_command(dist, package, domain, domain_name, domain_name_zh, owner, directory) -> None:
    """Create DIR/DIST/: a plugin distribution (pyproject with its jimu.plugins entry point, package, tests)."""
    from ..scaffold import ScaffoldError, new_plugin

    try:
        files = new_plugin(dist, package=package, domain=domain, domain_name=domain_name,
                           domain_name_zh=domain_name_zh, owner=owner, directory=directory)
    except ScaffoldError as exc:
        raise _fail(exc) from None
    out = console()
    for path in files:
        out.print(f"created {_shown(path)}", markup=False, highlight=False)
    out.print(f"next: cd {_shown(directory / dist)} && jimu new capability ID --level N --kind map --name-zh ...",
              markup=False, highlight=False)


@new_group.command("capability")
@click.argument("cap_id", metavar="ID")
@click.option("--level", type=int, required=True, metavar="N", help="3 (activity), 4 (task) or 5 (step)")
@click.option("--kind", required=True, metavar="map|lookup|aggregate", help="map, lookup or aggregate")
@click.option("--plugin", "plugin_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="the plugin distribution's folder (its pyproject.toml names the package)")
@click.option("--owner", help="the owning team (default: OWNER in the package's __init__.py)")
@click.option("--name", help="the English name (default: from the id)")
@click.option("--name-zh", help="the Chinese name, as the bank writes it (required)")
def new_capability_command(cap_id, level, kind, plugin_dir, owner, name, name_zh) -> None:
    """Create a capability module (contract, param with bounds, examples, reason codes) and its test."""
    from ..scaffold import ScaffoldError, new_capability
    from .common import load

    try:
        result = new_capability(cap_id, level=level, kind=kind, plugin_dir=plugin_dir, owner=owner, name=name,
                                name_zh=name_zh, installed=load())
    except ScaffoldError as exc:
        raise _fail(exc) from None
    out = console()
    for path in result.files:
        out.print(f"created {_shown(path)}", markup=False, highlight=False)
    if result.registered_in is not None:
        out.print(f"registered in {_shown(result.registered_in)}", markup=False, highlight=False)
    for path, what, lines in result.todo:
        click.echo(f"to do: in {_shown(path)}, {what}:")
        for line in lines:
            click.echo(f"    {line}")
    out.print("next: python -m pytest", markup=False, highlight=False)


@new_group.command("product")
@click.argument("product_id", metavar="ID")
@click.option("--branch", required=True, help="the branch that ships it, e.g. zhejiang.ningbo")
@click.option("--from", "source", type=click.Path(dir_okay=False, path_type=Path),
              help="copy this product, re-branded to --branch (replicate a hit product)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="the file to write (default: assemblies/<province>/<rest of ID>.yaml)")
@click.option("--owner", help="the owning team (default: BRANCH.tech)")
@click.option("--name", help="the English name of a new product (default: Identity screening)")
@click.option("--name-zh", help="the Chinese name of a new product (default: 身份核验准入)")
def new_product_command(product_id, branch, source, out, owner, name, name_zh) -> None:
    """Create a product that validates at once (or a copy of ASSEMBLY for BRANCH), validate it and lock it."""
    from ..scaffold import ScaffoldError, new_product
    from .common import load

    try:
        result = new_product(product_id, branch=branch, source=source, out=out, owner=owner, name=name,
                             name_zh=name_zh, catalog=load())
    except ScaffoldError as exc:
        raise _fail(exc) from None
    con = console()
    con.print(f"created {_shown(result.path)}", markup=False, highlight=False)
    for diagnostic, line in result.diagnostics:
        con.print(diagnostic.render(line), markup=False, highlight=False, soft_wrap=True)
    if result.ok:
        con.print(f"locked: {_shown(result.lock)}", markup=False, highlight=False)
        return
    errors = sum(d.is_error for d, _ in result.diagnostics)
    for problem in result.lock_problems:
        con.print(f"  {problem}", markup=False, highlight=False)
    raise UserError(f"{_shown(result.path)} does not validate ({errors} error{'s' * (errors != 1)}), so it is not "
                    "locked", "fix what is listed above (jimu validate), then jimu lock")
