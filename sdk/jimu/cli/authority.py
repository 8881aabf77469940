"""``jimu authority``: what HQ's authority table in force lets a branch set."""

from __future__ import annotations

import datetime as dt
import json

import click

from .common import UserError, console, load


@click.command("authority")
@click.option("--branch", required=True, help="the branch, as assemblies write it (zhejiang.hangzhou)")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="the day to judge on (YYYY-MM-DD; default today)")
@click.option("--json", "as_json", is_flag=True, help="print the table's id and version and the rules as JSON")
def authority_command(branch, as_of, as_json) -> None:
    """Show the params HQ's authority tables in force delegate to a branch, and within what."""
    from ..authority import delegations, tables_in_force

    day = as_of.date() if as_of else dt.date.today()
    tables = tables_in_force(load(), day)
    if not tables:
        raise UserError(f"no authority table is in force on {day}",
                        "without one, params are held to their technical range only (`jimu show ID`)")
    found = [(t, r) for t in tables for r in delegations(t, branch, day)]
    if as_json:
        click.echo(json.dumps([{
            "table": t.id, "version": t.version, "rule": r.id, "param": r.param, "minimum": r.minimum,
            "maximum": r.maximum, "tighten_only": r.tighten_only, "issuer": t.issuer_of(r),
            "effective_from": str(t.rule_dates(r)[0]), "effective_to": str(t.rule_dates(r)[1] or "") or None,
            "basis": r.basis} for t, r in found], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    out = console()
    for t in tables:
        out.print(f"{t.key} — {t.issuer}, in force {t.effective_from}..{t.effective_to or 'until revoked'}; "
                  f"governs {', '.join(t.governs)}", highlight=False, markup=False)
    grid = Table()
    grid.add_column("param", no_wrap=True)
    for name in ("rule", "branch may", "in force", "basis"):
        grid.add_column(name)
    for t, r in found:
        start, end = t.rule_dates(r)
        grid.add_row(r.param, r.id, r.describe(), f"{start}..{end or ''}", r.basis)
    out.print(grid)
    out.print(f"{len(found)} param{'s' * (len(found) != 1)} delegated to {branch} on {day}; anything else the "
              "tables govern is HQ's alone (J506)", highlight=False, markup=False)
