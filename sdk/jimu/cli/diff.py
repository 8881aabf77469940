"""``jimu diff ID OLD NEW``: whether a contract change between two installed versions is breaking."""

from __future__ import annotations

import json

import click

from .common import UserError, console, load


@click.command("diff")
@click.argument("cap_id", metavar="ID")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="print a JSON object instead of a table")
def diff_command(cap_id, old, new, as_json) -> None:
    """Compare two installed versions' contracts and say whether the change breaks what used OLD.

    Exits 0 whatever the verdict (it is printed); 1 when a version is not installed.
    """
    from ..catalog import UnknownCapability
    from ..governance.diff import diff_versions

    catalog = load()
    try:
        result = diff_versions(catalog, cap_id, old, new)
    except UnknownCapability as exc:
        installed = ", ".join(e.version for e in catalog.versions(cap_id))
        raise UserError(str(exc), f"installed versions: {installed}" if installed else
                        "run `jimu catalog` to list what is installed") from None
    except TypeError as exc:  # a domain: nothing to compare
        raise UserError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2, default=str))
        return
    _print(result)


def _print(result) -> None:
    from rich.table import Table

    out = console()
    out.print(f"{result.cap_id} {result.old} → {result.new}", markup=False, highlight=False)
    if result.changes:
        table = Table(show_edge=False)
        for column in ("", "section", "name", "change", "old", "new", "why"):
            table.add_column(column)
        for c in result.changes:
            table.add_row("✗" if c.breaking else "·", c.section, c.name, c.change, c.old, c.new, c.why)
        out.print(table)
    out.print(f"verdict: {result.verdict}", markup=False, highlight=False)
