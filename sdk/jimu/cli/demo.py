"""``jimu demo [NAME...] [--out DIR] [--quick] [--list]``: the installed plugins' main jobs, end to end."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .common import UserError, console, load


@click.command("demo")
@click.argument("names", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
              help="folder each demo writes its files under (a sub-folder per demo)")
@click.option("--quick", is_flag=True, help="a small run of each demo (a first look, or a test)")
@click.option("--list", "listing", is_flag=True, help="list the demos the installed plugins offer, and stop")
def demo_command(names, out, quick, listing) -> None:
    """Run the demos the installed plugins offer (all of them, in order, when no NAME is given)."""
    catalog = load()
    demos = sorted(catalog.demos.values(), key=lambda d: (d.order, d.name))
    if listing:
        for demo in demos:
            console().print(f"{demo.name}: {demo.description}", markup=False, highlight=False, soft_wrap=True)
        return
    if not demos:
        raise UserError("no installed plugin offers a demo", "install HQ's plugin: pip install -e ./capabilities")
    unknown = [n for n in names if n not in catalog.demos]
    if unknown:
        raise UserError(f"no demo named {', '.join(map(repr, unknown))}",
                        f"demos: {', '.join(d.name for d in demos)} (jimu demo --list)")
    chosen = [catalog.demos[n] for n in dict.fromkeys(names)] if names else demos
    err = console(stderr=True)
    failed = []
    for demo in chosen:
        err.rule(f"jimu demo {demo.name}: {demo.description}", style="cyan")
        started = time.perf_counter()
        status = demo.run(out / demo.name, quick)
        took = time.perf_counter() - started
        if status:
            failed.append(demo.name)
            err.print(f"[red]{demo.name} failed[/] (exit {status}) after {took:.1f} s", highlight=False)
        else:
            err.print(f"{demo.name} done in {took:.1f} s: its files are under {out / demo.name}", markup=False,
                      highlight=False)
    if failed:
        raise UserError(f"demo(s) failed: {', '.join(failed)}")
