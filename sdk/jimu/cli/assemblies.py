"""``jimu validate``, ``jimu graph`` and ``jimu schema``: the branch developer's assembly commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import UserError, console, load


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print a JSON list of diagnostics")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="judge HQ's authority tables and dated policies on this day (YYYY-MM-DD; default today)")
def validate_command(paths, as_json, as_of) -> None:
    """Validate assemblies (default: assemblies/); exit 0 clean (warnings allowed), 1 errors, 2 usage."""
    from ..assembly import find_assemblies, validate_paths

    if not paths:
        default = Path("assemblies")
        if not default.is_dir():
            raise click.UsageError("no assemblies/ folder here: name the files or folders to validate")
        paths = (default,)
    if not find_assemblies(paths):
        raise UserError(f"no assembly files (*.yaml) under {', '.join(map(str, paths))}")
    from ..lock import check_locks

    catalog = load()
    analyses = validate_paths(paths, catalog=catalog, as_of=as_of.date() if as_of else None)
    check_locks(analyses, catalog, as_of.date() if as_of else None)  # J8xx: products whose lock no longer matches what would run
    diagnostics = [d for a in analyses for d in a.diagnostics]
    errors = sum(d.is_error for d in diagnostics)
    if as_json:
        click.echo(json.dumps([d.to_json() for d in diagnostics], ensure_ascii=False, indent=2))
    else:
        out = console()
        for a in analyses:
            for d in a.diagnostics:
                line = a.file.line_text(d.line)
                colour = "red" if d.is_error else "yellow"
                out.print(f"[{colour}]{_escape(d.render(line))}[/]" if out.is_terminal else d.render(line),
                          highlight=False, markup=out.is_terminal, soft_wrap=True)
        warnings = len(diagnostics) - errors
        files = len(analyses)
        verdict = "ok" if not errors else "failed"
        out.print(f"{files} file{'s' * (files != 1)} checked: {errors} error{'s' * (errors != 1)}, "
                  f"{warnings} warning{'s' * (warnings != 1)} — {verdict}", highlight=False, markup=False)
    if errors:
        raise click.exceptions.Exit(1)


@click.command("graph")
@click.argument("assembly", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
def graph_command(assembly, fmt) -> None:
    """Print an assembly's step graph (Mermaid or Graphviz DOT); problems go to stderr."""
    from ..assembly import load_file
    from ..assembly.graph import dot, mermaid
    from ..assembly.validate import Validator

    loaded = load_file(assembly)
    analysis = Validator(load(), [loaded]).validate_all([loaded])[0]
    err = console(stderr=True)
    for d in analysis.diagnostics:
        err.print(d.render(loaded.line_text(d.line)), markup=False, highlight=False)
    if loaded.model is None or not analysis.steps:
        raise UserError(f"{assembly} cannot be drawn: fix the errors above first")
    click.echo(mermaid(analysis) if fmt == "mermaid" else dot(analysis), nl=False)
    if not analysis.ok:
        raise click.exceptions.Exit(1)


@click.command("schema")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="write to this file instead of printing (e.g. schema/assembly.schema.json)")
def schema_command(out) -> None:
    """Print the assembly JSON Schema that editors use to complete and check assembly files."""
    from ..assembly.schema import schema_text

    text = schema_text()
    if out is None:
        click.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}", err=True)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
